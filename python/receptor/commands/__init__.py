"""Subcommands of ``receptor`` that live in Python.

Each is a module here with ``main(argv) -> int``. ``python -m receptor NAME``
runs them, and the native ``receptor`` executable hands these names over to
``python3 -m receptor``; every other command is native.
"""

from __future__ import annotations

import importlib
import importlib.util

__all__ = ["HANDED_OVER", "available", "load"]

#: The names the native executable hands over to Python (actors/cli/main.cpp lists the same).
HANDED_OVER = ("render", "worklist", "audit")


def available() -> list[str]:
    """The Python subcommands this installation has."""
    return [name for name in HANDED_OVER if importlib.util.find_spec(f"{__name__}.{name}") is not None]


def load(name: str):
    """The module of subcommand ``name`` (``ImportError`` if this installation lacks it)."""
    if name not in HANDED_OVER:
        raise ImportError(f"no Python subcommand {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
