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
