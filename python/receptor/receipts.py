"""Reading receipt files into pandas DataFrames."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _core
from ._masters import load_masters

__all__ = ["ReceiptFile", "inspect", "read_receipts"]

_KINDS = {"medical": "医科", "dpc": "DPC", "dental": "歯科", "pharmacy": "調剤"}
_NO_VALUE = np.iinfo(np.int32).min


@dataclass
class ReceiptFile:
    """One receipt file as tables.

    ``receipts`` has one row per receipt (after payer-side corrections),
    ``coverages`` one per HO/KO record, ``diseases`` one per SY/SB/HS record,
    ``lines`` one per 摘要 record, ``quarantine`` one per rejected line, and
    ``summary`` is what ``receptor inspect --json`` prints.
    """

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


def inspect(path: str | os.PathLike) -> dict:
    """Summary of one receipt file, as ``receptor inspect --json`` prints it."""
    return json.loads(_core.inspect(os.fspath(path)))


def _nullable(values: np.ndarray) -> pd.array:
    """int32 columns whose empty fields are ``no_value`` become nullable Int64."""
    out = pd.array(values.astype(np.int64), dtype="Int64")
    out[values == _NO_VALUE] = pd.NA
    return out


def _receipts_frame(cols: dict, kind: str, coverages: pd.DataFrame, path: str) -> pd.DataFrame:
    df = pd.DataFrame(cols, copy=False)  # the columns stay the arrays the core handed over
    for name in ("points", "claimed_points", "benefit_ratio"):
        df[name] = _nullable(df[name].to_numpy())
    df.insert(0, "source_file", path)
    df.insert(1, "kind", _KINDS.get(kind, kind))
    df["inpatient"] = (df["receipt_type"] % 2 == 1) & (df["receipt_type"] // 1000 != 4)
    df["days"] = np.array([bin(int(m)).count("1") for m in df["care_days"]], dtype=np.int32)
    # The 生活保護 (12) or 中国残留邦人等 (25) KO, found by 法別 and never by position.
    welfare = coverages[coverages["law_no"].isin([12, 25])].drop_duplicates("receipt")
    w = welfare.set_index("receipt")
    idx = df.index
    df["law_no"] = w["law_no"].reindex(idx).fillna(0).astype(np.int16).to_numpy()
    df["office_no"] = w["payer_no"].reindex(idx).fillna("").to_numpy()
    df["recipient_no"] = w["member_no"].reindex(idx).fillna("").to_numpy()
    df["copay"] = w["copay"].reindex(idx).to_numpy()
    return df


def read_receipts(path: str | os.PathLike, masters=None, *, apply_corrections: bool = True,
                  resolve_names: bool = True) -> ReceiptFile:
    """Read one receipt file of any kind into DataFrames.

    Parameters
    ----------
    path
        A レセ電 file: institution side (RECEIPTC.UKE and siblings) or payer
        side (``11_RECODEINFO_MED.CSV`` and siblings), CP932 or UTF-8.
    masters
        A loaded :class:`receptor._core.Masters`, a folder of master files, or
        None for the default masters (see :func:`receptor.load_masters`).
    apply_corrections
        Payer side: read receipts as decided after review (JY applied). The
        claimed points stay in ``receipts.claimed_points``.
    resolve_names
        Add ``item_name`` to lines and ``disease_name``/``icd10`` to diseases.
    """
    path = os.fspath(path)
    raw = _core.read_batch(path, apply_corrections)
    coverages = pd.DataFrame(raw["coverages"], copy=False)
    for name in ("days", "points", "copay", "meal_count", "meal_amount"):
        coverages[name] = _nullable(coverages[name].to_numpy())
    receipts = _receipts_frame(raw["receipts"], raw["kind"], coverages, path)
    diseases = pd.DataFrame(raw["diseases"], copy=False)
    lines = pd.DataFrame(raw["lines"], copy=False)
    for name in ("points", "count"):
        lines[name] = _nullable(lines[name].to_numpy())
    qty = lines["quantity"].to_numpy()
    lines["quantity"] = np.where(qty == np.iinfo(np.int64).min, np.nan, qty / 100000.0)
    if resolve_names:
        m = masters if isinstance(masters, _core.Masters) else _maybe_masters(masters)
        if m is not None:
            lines["item_name"] = m.item_names(lines["code"].to_numpy())
            diseases["disease_name"] = m.disease_names(
                diseases["code"].to_numpy(), list(diseases["modifiers"]), list(diseases["name"]))
            diseases["icd10"] = m.icd10(diseases["code"].to_numpy())["icd10"]
    return ReceiptFile(
        path=path,
        kind=raw["kind"],
        payer_side=raw["payer_side"],
        encoding=raw["encoding"],
        receipts=receipts,
        coverages=coverages,
        diseases=diseases,
        lines=lines,
        quarantine=pd.DataFrame(raw["quarantine"], copy=False),
        summary=json.loads(raw["summary_json"]),
    )


def _maybe_masters(masters):
    try:
        return load_masters(masters)
    except FileNotFoundError:
        if masters is not None:
            raise
        return None
