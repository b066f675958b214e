"""Everything public in the receptor package has a docstring and type annotations."""

import inspect

import receptor

PUBLIC = [n for n in receptor.__all__ if not n.startswith("__")]


def _members(cls):
    for name, value in vars(cls).items():
        if not name.startswith("_") or name in ("__init__", "_repr_html_"):
            yield name, value


def test_every_public_name_is_documented():
    missing = []
    for name in PUBLIC:
        obj = getattr(receptor, name)
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj):
            for member, value in _members(obj):
                if member == "__init__":
                    continue
                doc = value.__doc__ if isinstance(value, property) else inspect.getdoc(value)
                if callable(value) or isinstance(value, property) or hasattr(value, "__set_name__"):
                    if not doc:
                        missing.append(f"{name}.{member}")
    assert not missing, missing


def test_every_public_function_is_annotated():
    unannotated = []
    for name in PUBLIC:
        obj = getattr(receptor, name)
        functions = [(name, obj)] if inspect.isfunction(obj) else [
            (f"{name}.{m}", v) for m, v in _members(obj) if inspect.isfunction(v)] if inspect.isclass(obj) else []
        for label, fn in functions:
            sig = inspect.signature(fn)
            if fn.__name__ != "__init__" and sig.return_annotation is inspect.Signature.empty:
                unannotated.append(f"{label} -> ?")
    assert not unannotated, unannotated
