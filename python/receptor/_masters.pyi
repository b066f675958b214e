import os
from . import _core
from pathlib import Path

__all__ = ['default_masters_dir', 'load_masters']

def default_masters_dir() -> Path | None: ...
def load_masters(directory: str | os.PathLike | None = None) -> _core.Masters: ...
