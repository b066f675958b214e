"""The stubs of receptor._core name exactly what the module has (stubs drift otherwise)."""

import ast
from pathlib import Path

from receptor import _core

STUB = Path(__file__).resolve().parents[2] / "python" / "receptor" / "_core.pyi"


def _stub_names():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    functions, classes = set(), {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions.add(node.name)
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef) and n.name != "__init__"}
    return functions, classes


def test_stubs_match_the_module():
    functions, classes = _stub_names()
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert functions | set(classes) == public
    for name, members in classes.items():
        actual = {m for m in dir(getattr(_core, name)) if not m.startswith("_")}
        assert members == actual, name


# The pure-Python modules' stubs are generated from their annotations by
# mypy's stubgen (pinned in scripts/setup.sh): regenerating must give the
# committed files, so a changed signature without a new stub fails here.
GENERATED = ("__init__", "_masters", "access", "audit", "engine", "progress", "receipts", "render", "results",
             "survey", "worklist")


def test_generated_stubs_are_current(tmp_path):
    import subprocess
    import sys

    package = STUB.parent
    sources = [str(package / f"{name}.py") for name in GENERATED]
    # mypy is compiled (mypyc): `-m mypy.stubgen` has no code object, its entry point works.
    run = [sys.executable, "-c", "import sys; from mypy.stubgen import main; main(sys.argv[1:])"]
    subprocess.run([*run, "--no-import", "-o", str(tmp_path), *sources], check=True, capture_output=True,
                   cwd=package.parent)
    for name in GENERATED:
        fresh = (tmp_path / "receptor" / f"{name}.pyi").read_text(encoding="utf-8")
        committed = (package / f"{name}.pyi").read_text(encoding="utf-8")
        assert fresh == committed, f"python/receptor/{name}.pyi is stale: regenerate it with stubgen"


def test_every_public_name_has_a_stub():
    import receptor

    stubbed = ast.parse((STUB.parent / "__init__.pyi").read_text(encoding="utf-8"))
    names = {a.asname or a.name for node in stubbed.body if isinstance(node, ast.ImportFrom) for a in node.names}
    assert set(receptor.__all__) - {"__version__"} <= names
