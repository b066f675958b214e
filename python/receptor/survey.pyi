import os
import pandas as pd
from .access import AccessContext
from typing import Iterable, Sequence

__all__ = ['MIN_PEOPLE', 'TOTAL', 'SURVEY_KINDS', 'survey_export', 'aggregate']

MIN_PEOPLE: int
TOTAL: str
SURVEY_KINDS: tuple[str, ...]

def survey_export(results_or_paths, review_month: str = '2024-06', *, out_dir: str | os.PathLike, ctx: AccessContext | None = None) -> dict: ...
def aggregate(df: pd.DataFrame, by: Sequence[str], *, person: str = 'person', sums: Iterable[str] = ('points',), min_people: int = ...) -> pd.DataFrame: ...
