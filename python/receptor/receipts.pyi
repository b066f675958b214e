import os
import pandas as pd
from dataclasses import dataclass, field

__all__ = ['ReceiptFile', 'inspect', 'read_receipts']

@dataclass
class ReceiptFile:
    path: str
    kind: str
    payer_side: bool
    encoding: str
    receipts: pd.DataFrame
    coverages: pd.DataFrame
    diseases: pd.DataFrame
    lines: pd.DataFrame
    quarantine: pd.DataFrame
    summary: dict = field(repr=False)

def inspect(path: str | os.PathLike) -> dict: ...
def read_receipts(path: str | os.PathLike, masters=None, *, apply_corrections: bool = True, resolve_names: bool = True) -> ReceiptFile: ...
