"""The package's shape: one import name, stages that import only the stages before them, no
import cycle, the README's layout table in step with the tree, and the wheel's contents."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("extract", "normalize", "store", "batch", "review")
# what each stage may import of the project, besides itself (the data flows left to right)
ALLOWED = {
    "errors": set(),
    "extract": set(),
    "normalize": {"extract"},
    "store": {"extract", "normalize"},
    "batch": {"extract", "normalize", "store", "errors"},
    "review": {"extract", "normalize", "store", "batch", "errors"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["formpipe", *parts])


def _package_files() -> list[Path]:
    files = [ROOT / "__init__.py", ROOT / "pipeline.py", ROOT / "errors.py", ROOT / "__main__.py"]
    for stage in STAGES:
        files += sorted((ROOT / stage).rglob("*.py"))
    return files


def _imports(path: Path) -> set[str]:
    """Every formpipe module a file imports, at module level or inside functions."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("formpipe")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("formpipe"):
                out.add(target)
                out |= {f"{target}.{a.name}" for a in node.names}  # `from pkg import module`
    return out


def _graph() -> dict[str, set[str]]:
    files = _package_files()
    known = {_module_name(p) for p in files}
    return {_module_name(p): {m for m in _imports(p) if m in known and m != _module_name(p)} for p in files}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "formpipe"


def test_no_stage_imports_a_later_stage():
    bad = []
    for mod, deps in _graph().items():
        stage = _stage(mod)
        if stage not in ALLOWED:
            continue
        for dep in deps:
            if _stage(dep) != stage and _stage(dep) not in ALLOWED[stage]:
                bad.append(f"{mod} imports {dep}")
    assert not bad, "\n".join(bad)


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    # packages import their own submodules in __init__; a cycle through a package's __init__ is
    # one only if the submodule imports the package back, which the walk below still sees
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for d in sorted(graph.get(m, ())):
            if m.startswith(d + "."):  # a module's own parent package: imported anyway, before the module
                continue
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            if d not in state:
                visit(d)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_readme_layout_table_matches_the_tree():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Layout of the repository"):]
    listed = set(re.findall(r"^\| `([^`]+)` \|", section, re.M))
    for path in listed:
        assert (ROOT / path.rstrip("/")).exists(), f"README lists {path}, which is not in the tree"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    top = {p.split("/")[0] + ("/" if "/" in p else "") for p in tracked}
    python_top = {t for t in top if t.endswith(".py") or (ROOT / t / "__init__.py").exists() or t == "tests/"}
    assert python_top <= listed, f"not in the README's layout table: {sorted(python_top - listed)}"


def test_pyproject_maps_every_stage_folder():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for stage in STAGES:
        assert f'"formpipe.{stage}"' in text
    for sub in ("extract/ocr",):
        assert f'"formpipe.{sub.replace("/", ".")}"' in text


@pytest.mark.slow
def test_the_wheel_holds_one_import_name(tmp_path):
    """`pip install .` puts `formpipe` on the path and nothing else (no `extract`, no `pipeline`)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("formpipe-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"formpipe"}, tops
    for must in ("formpipe/pipeline.py", "formpipe/extract/grid.py", "formpipe/extract/templates/department_overall.toml",
                 "formpipe/normalize/data/domain_dict.txt", "formpipe/store/SCHEMA.md", "formpipe/batch/run.py"):
        assert must in names, must
    assert not any(n.startswith(("formpipe/tests/", "formpipe/corpus/", "formpipe/bench/")) for n in names)
    # installed alone, `import extract` fails and `import formpipe.extract` works
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env_code = ("import sys; sys.path[:] = [p for p in sys.path if p not in ('', {root!r})]; sys.path.insert(0, {site!r})\n"
                "import formpipe, formpipe.extract, formpipe.pipeline\n"
                "assert formpipe.__file__.startswith({site!r}), formpipe.__file__\n"
                "try:\n    import extract\nexcept ImportError:\n    print('ok')\n")
    out = subprocess.run([sys.executable, "-c", env_code.format(root=str(ROOT), site=str(site))], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_the_default_install_reads_born_digital_forms_without_the_ocr_and_dask_extras(tmp_path):
    """OpenCV, the OCR engines and Dask are extras: a born-digital PDF and a text dump need none."""
    code = (
        "import sys\n"
        "for m in ('cv2', 'rapidocr', 'onnxruntime', 'pytesseract', 'dask', 'distributed'):\n"
        "    sys.modules[m] = None  # import fails, as when the extra is not installed\n"
        "from pathlib import Path\n"
        "from formpipe import pipeline\n"
        f"s = pipeline.run([Path({str(ROOT / 'corpus/pdf/guangzhou-minzheng-2023.pdf')!r}),"
        f" Path({str(ROOT / 'corpus/seeds')!r})], Path({str(tmp_path / 'out')!r}), progress=False)\n"
        "print(s.processed, s.failed)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.split() == ["2", "0"], out.stderr[-2000:]
