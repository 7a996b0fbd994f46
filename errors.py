"""Exit codes and the one exception class per code (as OCRmyPDF does it).

Everything the CLI can end with is here: `pipeline.main` turns a `FormpipeError`
into its one-line message and exit code, and anything else into `other_error`.
"""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0  # every document ok or flagged for review (or nothing to do)
    documents_failed = 1  # the run finished; some documents failed
    bad_arguments = 2
    missing_dependency = 3
    outputs_locked = 4  # another run is using the outputs folder
    other_error = 15  # an unexpected error (a disk, sqlite or programming error): a bug report
    interrupted = 130  # SIGINT/SIGTERM: stopped after the documents in flight


class FormpipeError(Exception):
    exit_code = ExitCode.other_error


class DocumentsFailed(FormpipeError):
    exit_code = ExitCode.documents_failed


class BadArguments(FormpipeError):
    exit_code = ExitCode.bad_arguments


class MissingDependency(FormpipeError):
    exit_code = ExitCode.missing_dependency


class OutputsLocked(FormpipeError):
    exit_code = ExitCode.outputs_locked


class OtherError(FormpipeError):
    exit_code = ExitCode.other_error


class Interrupted(FormpipeError):
    exit_code = ExitCode.interrupted
