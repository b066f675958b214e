"""Receptor: 生活保護等レセプト management — read, match and check receipts.

The compiled core (``receptor._core``) does the work; this package gives it a
Pythonic face: pandas DataFrames in, pandas DataFrames out.
"""

try:
    from . import _core
except ImportError as exc:  # only the missing build, never a stale fallback
    raise ImportError(
        "receptor's compiled core (receptor._core) is missing: build the package with "
        "`pip install .` (or a CMake build with PYTHONPATH=build/python)"
    ) from exc

from ._masters import default_masters_dir, load_masters
from .access import AccessContext, apply_access, pseudonymise
from .audit import AuditLog
from .engine import Engine
from .progress import ProgressBar
from .receipts import ReceiptFile, inspect, read_receipts
from .render import ReceiptView, render_receipt
from .results import Results, open_results
from .worklist import Worklist
from .survey import survey_export

__version__: str = _core.__version__

__all__ = [
    "AccessContext",
    "AuditLog",
    "Engine",
    "ProgressBar",
    "ReceiptFile",
    "ReceiptView",
    "Results",
    "Worklist",
    "apply_access",
    "default_masters_dir",
    "inspect",
    "load_masters",
    "open_results",
    "pseudonymise",
    "read_receipts",
    "render_receipt",
    "survey_export",
    "__version__",
]


def __dir__():
    return __all__
