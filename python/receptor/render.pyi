import os
import pandas as pd
from .access import AccessContext
from .results import Results
from pathlib import Path

__all__ = ['ReceiptView', 'render_receipt']

class ReceiptView:
    receipt_key: str
    kind: str
    payer_side: bool
    receipt: pd.Series
    result_row: pd.Series
    coverages: pd.DataFrame
    diseases: pd.DataFrame
    lines: pd.DataFrame
    changes: pd.DataFrame
    findings: pd.DataFrame
    def __init__(self, receipt_key: str, kind: str, payer_side: bool, receipt: pd.Series, result_row: pd.Series, coverages: pd.DataFrame, diseases: pd.DataFrame, lines: pd.DataFrame, changes: pd.DataFrame, findings: pd.DataFrame) -> None: ...
    @property
    def html(self) -> str: ...
    def save(self, path: str | os.PathLike) -> Path: ...
    @property
    def group_points(self) -> pd.DataFrame: ...

def render_receipt(results: Results | str | os.PathLike, receipt_key: str, masters=None, *, access: AccessContext | None = None) -> ReceiptView: ...
