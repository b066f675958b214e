"""Stubs of the compiled core (receptor._core); tests compare them with the module."""

from typing import Any, Callable, Optional, Sequence

import numpy as np

__version__: str

def read_batch(path: str, apply_corrections: bool = True) -> dict[str, Any]: ...
def inspect(path: str) -> str: ...
def generate(
    out_dir: str,
    receipts: int = 10000,
    seed: int = 1,
    month: int = 202406,
    payer_side: bool = False,
    only: Optional[str] = None,
    correction_rate: float = 0.02,
    wareki: bool = False,
    utf8: bool = False,
    crlf: bool = True,
    eof_marker: bool = True,
    masters: Optional[Masters] = None,
) -> list[dict[str, Any]]: ...
def generate_scenario(
    out_dir: str,
    receipts: int = 10000,
    seed: int = 1,
    month: int = 202406,
    payer_side: bool = False,
    masters: Optional[Masters] = None,
    months: int = 1,
    behaviours: Optional[int] = None,
    behaviour_counts: dict[str, int] = ...,
    offices: int = 0,
    prefectures: list[int] = ...,
) -> dict[str, Any]: ...

class privacy:
    # A submodule (receptor._core.privacy), stubbed as a class of static functions.
    @staticmethod
    def key_id() -> Optional[str]: ...
    @staticmethod
    def open_values(where: str, key_id: str, wrapped_key: str, values: Sequence[str]) -> list[str]: ...

class Masters:
    @staticmethod
    def load(directory: str) -> Masters: ...
    def item_names(self, codes: np.ndarray) -> list[str]: ...
    def disease_names(self, codes: np.ndarray, modifiers: Sequence[str], free_texts: Sequence[str]) -> list[str]: ...
    def icd10(self, codes: np.ndarray) -> dict[str, list[str]]: ...
    def drug_flags(self, codes: np.ndarray) -> dict[str, Any]: ...
    def drug(self, code: int) -> Optional[dict[str, Any]]: ...
    def procedure(self, code: int) -> Optional[dict[str, Any]]: ...
    @property
    def files(self) -> list[str]: ...
    @property
    def counts(self) -> dict[str, int]: ...

class Engine:
    def __init__(
        self, shards: int = 8, threads: int = 2, batch_size: int = 2048, window: int = 8, masters: str = "",
        config: str = ""
    ) -> None: ...
    def load_feed(self, kind: str, path: str) -> dict[str, Any]: ...
    def run(
        self, receipts: Sequence[str], out: str, progress: Optional[Callable[[str, int, int], None]] = None
    ) -> dict[str, Any]: ...
    def ingest(
        self,
        store: str,
        receipts: Sequence[str],
        feed: Sequence[tuple[str, str]],
        out: str,
        progress: Optional[Callable[[str, int, int], None]] = None,
        people: Sequence[tuple[str, str]] = ...,
        months: Sequence[int] = ...,
    ) -> dict[str, Any]: ...
    def purge(self, store: str, older_than_months: int) -> dict[str, Any]: ...
    def cancel(self) -> None: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...

# The submodule receptor._core.stats, written as a class of static methods so
# that type checkers and the stub test see its functions.
class stats:
    @staticmethod
    def fit_peer_model(group: str, rows: np.ndarray, shrinkage: float = 0.2) -> dict[str, Any]: ...
    @staticmethod
    def ledoit_wolf_shrinkage(rows: np.ndarray) -> float: ...
    @staticmethod
    def score_rows(
        model: dict[str, Any], rows: np.ndarray, top_k: int = 3
    ) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, float]]]]: ...
    @staticmethod
    def roc_auc(scores: Sequence[float], positive: Sequence[bool]) -> float: ...
