"""`formpipe review`: write the static review, or serve it for editing."""
from __future__ import annotations


def review_command(args) -> int:
    from formpipe.batch.sources import display
    from formpipe.errors import BadArguments, ExitCode
    if not (args.outputs / "documents").is_dir():
        raise BadArguments(f"-o {display(str(args.outputs))}: no formpipe outputs there (no documents/ folder)")
    if args.serve:
        from .serve import serve
        serve(args.outputs, args.host, args.port, args.reviewer)
        return ExitCode.ok
    from .html import write_static
    index = write_static(args.outputs)
    print(f"review written: {index} (open it in a browser; `formpipe review --serve` to make corrections)")
    return ExitCode.ok
