"""Finding and loading the 支払基金 master files."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from . import _core

__all__ = ["default_masters_dir", "load_masters"]


def default_masters_dir() -> Path | None:
    """The master folder to use when none is given.

    ``$RECEPTOR_MASTERS`` first, then the masters installed with the package,
    then ``data/masters`` of a source checkout.
    """
    env = os.environ.get("RECEPTOR_MASTERS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "data" / "masters", here.parents[1] / "data" / "masters"):
        if candidate.is_dir():
            return candidate
    return None


@lru_cache(maxsize=4)
def _load(directory: str) -> _core.Masters:
    return _core.Masters.load(directory)


def load_masters(directory: str | os.PathLike | None = None) -> _core.Masters:
    """Load the master files of ``directory`` (default: :func:`default_masters_dir`).

    Loads are cached per folder: the six official files take about 0.1 s.
    """
    if directory is None:
        directory = default_masters_dir()
        if directory is None:
            raise FileNotFoundError("no master folder: set RECEPTOR_MASTERS or pass a directory")
    if not Path(directory).is_dir():
        raise FileNotFoundError(f"master folder not found: {directory}")
    return _load(str(Path(directory).resolve()))
