"""The 医療扶助実態調査 export: the June 審査分, anonymised, and aggregates that may leave the office.

Each office sends its prefecture the receipts of the June 審査分 (care of
April and May): 医科 入院/入院外, 歯科 入院外 and 調剤, with 傷病名, 診療実日数,
診療行為別点数 and, for 調剤, 受付回数, 処方 and 調剤点数. :func:`survey_export`
writes that extract with no direct identifier: people and receipts get random
ids that live only in this export. :func:`aggregate` counts it with cells of
fewer than 10 people suppressed, and suppresses more cells where a total would
give a suppressed one away. ``docs/audit.md`` describes both.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import secrets
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .access import AccessContext, age_band
from ._masters import load_masters
from .receipts import read_receipts
from .results import Results, open_results

__all__ = ["survey_export", "aggregate", "MIN_PEOPLE", "SURVEY_KINDS", "TOTAL"]

#: Cells counting fewer people than this are suppressed (the NDB publication rule).
MIN_PEOPLE = 10

#: The label of margin rows and columns in :func:`aggregate`.
TOTAL = "計"

SURVEY_KINDS: tuple[str, ...] = ("医科入院", "医科入院外", "歯科入院外", "調剤")

#: 医科 診療識別 (the first digit groups 投薬 2x, 注射 3x, 入院 9x).
SHIKIBETSU_NAMES = {
    11: "初診", 12: "再診", 13: "医学管理等", 14: "在宅医療", 20: "投薬", 30: "注射", 40: "処置", 50: "手術",
    54: "麻酔", 60: "検査・病理診断", 70: "画像診断", 80: "その他", 90: "入院料等", 97: "食事療養・生活療養(円)",
}

_FILES = {
    "receipts": "receipts.csv",
    "diseases": "diseases.csv",
    "points": "points.csv",
    "prescriptions": "prescriptions.csv",
    "manifest": "manifest.json",
}


def _month_shift(month: str, delta: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    n = y * 12 + (m - 1) + delta
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _survey_kind(kind: str, inpatient: bool) -> str:
    if kind in ("医科", "DPC"):
        return "医科入院" if inpatient else "医科入院外"
    if kind == "歯科":
        return "" if inpatient else "歯科入院外"
    if kind == "調剤":
        return "調剤"
    return ""


def _shikibetsu_group(code: int) -> int:
    if 21 <= code <= 29:
        return 20
    if 31 <= code <= 39:
        return 30
    if 90 <= code <= 96:
        return 90
    return code


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _as_results(items, ctx: AccessContext) -> list[Results]:
    if isinstance(items, (Results, str, os.PathLike)):
        items = [items]
    out = []
    for item in items:
        r = item if isinstance(item, Results) else open_results(item, ctx)
        if r.access.role != ctx.role or r.access.offices != ctx.offices:
            raise PermissionError(f"{r.path}: opened for another access context than the export's")
        out.append(r)
    return out


def survey_export(results_or_paths, review_month: str = "2024-06", *, out_dir: str | os.PathLike,
                  ctx: AccessContext | None = None) -> dict:
    """Write the 医療扶助実態調査 extract of one 審査月 for the offices ``ctx`` may see.

    Parameters
    ----------
    results_or_paths
        A result file (or :class:`Results`), or several; a receipt in more than
        one counts once.
    review_month
        The 審査月 (``YYYY-MM``). Receipts of files whose 請求年月 is this month
        and whose care month is one of the two before it are exported.
    out_dir
        Folder for ``receipts.csv``, ``diseases.csv``, ``points.csv``,
        ``prescriptions.csv`` and ``manifest.json`` (created; files replaced).
    ctx
        The exporting staff (role ``office_staff``); default from the environment.

    Returns
    -------
    dict
        The manifest: months, counts by kind, what was left out and why.

    The source receipt files named in the result file are read again (their
    SHA-256 must still match the run's), because the survey items are in
    their lines. Direct identifiers (name, カナ, birth date, 受給者番号,
    person id, address, 検索番号, カルテ番号, line numbers) are not written;
    each person and each receipt gets a random id valid in this export only.
    """
    ctx = ctx if ctx is not None else AccessContext.from_env()
    if ctx.role != "office_staff":
        raise PermissionError(f"the survey export is made by office staff, not role {ctx.role}")
    if len(review_month) != 7 or review_month[4] != "-":
        raise ValueError(f"review_month {review_month!r} is not YYYY-MM")
    care_months = (_month_shift(review_month, -2), _month_shift(review_month, -1))
    sources = _as_results(results_or_paths, ctx)

    chosen = []
    for r in sources:
        receipts = r.receipts  # scoped to ctx's offices and audited
        hashes = {i["path"]: i["sha256"] for i in r.inputs if i.get("role") == "receipts"}
        chosen.append((r, receipts, hashes))
    left_out: dict[str, int] = {}

    def drop(reason: str, n: int) -> None:
        if n:
            left_out[reason] = left_out.get(reason, 0) + int(n)

    wanted = []
    for r, receipts, hashes in chosen:
        welfare = receipts["law_no"] == 12
        drop("法別 other than 12 (中国残留邦人等 25 has a survey of its own)", (~welfare).sum())
        in_months = receipts["month"].isin(care_months)
        drop("care month outside the 審査分", (welfare & ~in_months).sum())
        keep = receipts[welfare & in_months].copy()
        keep["survey_kind"] = [_survey_kind(k, bool(i)) for k, i in zip(keep["kind"], keep["inpatient"])]
        drop("歯科入院 or 訪問看護 (not surveyed)", (keep["survey_kind"] == "").sum())
        keep = keep[keep["survey_kind"] != ""]
        keep["sha256"] = keep["source_file"].map(hashes)
        wanted.append(keep)
    wanted = pd.concat(wanted, ignore_index=True) if wanted else pd.DataFrame()
    if len(wanted):
        wanted = wanted.drop_duplicates("receipt_key").reset_index(drop=True)

    rows, diseases, points, prescriptions = [], [], [], []
    person_ids: dict[tuple, str] = {}
    person_tokens: set = set()
    receipt_ids: set = set()
    masters = _masters()
    for source, group in wanted.groupby("source_file", sort=True) if len(wanted) else []:
        expected = group["sha256"].iloc[0]
        if not isinstance(expected, str) or _sha256(source) != expected:
            raise ValueError(f"{source}: not the file the run read (SHA-256 differs); run the batch again")
        f = read_receipts(source, masters)
        if f.summary.get("billing_month") != review_month:
            drop(f"請求年月 {f.summary.get('billing_month')} is not the 審査月", len(group))
            continue
        at_line = pd.Series(np.arange(len(f.receipts)), index=f.receipts["source_line"].to_numpy())
        unknown = ~group["source_line"].isin(at_line.index)
        if unknown.any():
            line = int(group.loc[unknown, "source_line"].iloc[0])
            raise ValueError(f"{source}: line {line}: no receipt starts there, though the run read one")
        group = group.assign(index=at_line.reindex(group["source_line"].to_numpy()).to_numpy())
        src = f.receipts.iloc[group["index"].to_numpy()].reset_index(drop=True)
        group = group.reset_index(drop=True)
        who = [(o, p) if p else (o, "#" + n)
               for o, p, n in zip(group["office_no"], group["person_id"], group["recipient_no"])]
        for w in who:
            if w not in person_ids:
                person_ids[w] = _fresh(person_tokens)
                person_tokens.add(person_ids[w])
        rid = []
        for _ in range(len(group)):
            rid.append(_fresh(receipt_ids))
            receipt_ids.add(rid[-1])
        rid_of = pd.Series(rid, index=group["index"].to_numpy())
        first_days = f.coverages.dropna(subset=["days"]).groupby("receipt")["days"].first()
        accepted = pd.array(first_days.reindex(group["index"].to_numpy()).to_numpy(), dtype="Int64")
        pharmacy = (group["survey_kind"] == "調剤").to_numpy()
        accepted[~pharmacy] = pd.NA
        care = pd.to_numeric(src["month"], errors="coerce").fillna(0).astype(np.int64).to_numpy() * 100 + 1
        rows.append(pd.DataFrame({
            "receipt": rid, "person": [person_ids[w] for w in who], "office_no": group["office_no"],
            "survey_kind": group["survey_kind"], "kind": group["kind"], "care_month": group["month"],
            "pref": group["institution"].astype(str).str[:2], "sex": src["sex"].to_numpy(),
            "age_band": age_band(src["birth_date"], care), "days": group["days"].to_numpy(),
            "points": group["points"].to_numpy(), "accepted": accepted,
        }))
        d = f.diseases[f.diseases["receipt"].isin(rid_of.index)]
        diseases.append(pd.DataFrame({
            "receipt": rid_of.reindex(d["receipt"].to_numpy()).to_numpy(), "code": d["code"].to_numpy(),
            "disease_name": d["disease_name"].to_numpy() if "disease_name" in d else "",
            "icd10": d["icd10"].to_numpy() if "icd10" in d else "", "main": d["main"].astype(int).to_numpy()}))
        lines = f.lines[f.lines["receipt"].isin(rid_of.index)]
        kind_of = pd.Series(group["survey_kind"].to_numpy(), index=group["index"].to_numpy())
        is_pharmacy = (kind_of.reindex(lines["receipt"].to_numpy()) == "調剤").to_numpy()
        priced = lines["points"].notna().to_numpy()
        amount = (lines["points"].fillna(0).astype("int64") * lines["count"].fillna(1).astype("int64")).to_numpy()
        shikibetsu = pd.to_numeric(lines["shikibetsu"], errors="coerce").fillna(0).astype(int).map(_shikibetsu_group)
        item = np.where(is_pharmacy, lines["record"].astype(str).to_numpy(),
                        np.char.zfill(shikibetsu.astype(str).to_numpy().astype(str), 2)).astype(object)
        summed = (pd.DataFrame({"receipt": lines["receipt"].to_numpy()[priced], "item": item[priced],
                                "pharmacy": is_pharmacy[priced], "points": amount[priced]})
                  .groupby(["receipt", "item", "pharmacy"], sort=True)["points"].sum().reset_index())
        summed["item_name"] = [_PHARMACY_RECORDS.get(i, i) if ph else SHIKIBETSU_NAMES.get(int(i), "")
                               for i, ph in zip(summed["item"], summed["pharmacy"])]
        # DPC: the 包括 part is billed in records of its own, not as lines; it is what the lines leave.
        dpc = group[group["kind"] == "DPC"]
        if len(dpc):
            scored = summed[summed["item"] != "97"]  # 食事療養 is in yen, outside the points
            lined = scored.groupby("receipt")["points"].sum().reindex(dpc["index"].to_numpy()).fillna(0).to_numpy()
            rest = pd.to_numeric(dpc["points"], errors="coerce").fillna(0).to_numpy() - lined
            summed = pd.concat([summed, pd.DataFrame({
                "receipt": dpc["index"].to_numpy()[rest > 0], "item": "DPC", "pharmacy": False,
                "points": rest[rest > 0].astype(np.int64), "item_name": "DPC包括評価(出来高の行を除く)"})],
                ignore_index=True)
        summed["receipt"] = rid_of.reindex(summed["receipt"].to_numpy()).to_numpy()
        points.append(summed[["receipt", "item", "item_name", "points"]])
        drugs = lines[is_pharmacy & (lines["record"] == "IY").to_numpy()]
        prescriptions.append(pd.DataFrame({
            "receipt": rid_of.reindex(drugs["receipt"].to_numpy()).to_numpy(), "group": drugs["group"].to_numpy(),
            "code": drugs["code"].to_numpy(),
            "item_name": drugs["item_name"].to_numpy() if "item_name" in drugs else "",
            "quantity": drugs["quantity"].to_numpy(), "count": drugs["count"].to_numpy()}))
    exported_people = sorted(person_ids)

    out = os.fspath(out_dir)
    os.makedirs(out, exist_ok=True)
    frames = {name: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
              for name, parts, columns in (("receipts", rows, _COLUMNS["receipts"]),
                                           ("diseases", diseases, _COLUMNS["diseases"]),
                                           ("points", points, _COLUMNS["points"]),
                                           ("prescriptions", prescriptions, _COLUMNS["prescriptions"]))}
    # Random ids, sorted: the row order says nothing about the source files.
    order = {rid: n for n, rid in enumerate(sorted(receipt_ids))}
    for name, df in frames.items():
        if len(df):
            df = df.assign(_o=df["receipt"].map(order)).sort_values(["_o"], kind="stable").drop(columns="_o")
        _write_csv(df, os.path.join(out, _FILES[name]))
    receipts_df = frames["receipts"]
    manifest = {
        "survey": "医療扶助実態調査",
        "review_month": review_month,
        "care_months": list(care_months),
        "created_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "offices": sorted({str(o) for o in receipts_df["office_no"]}),
        "receipts": int(len(receipts_df)),
        "people": int(receipts_df["person"].nunique()),
        "by_kind": {k: int((receipts_df["survey_kind"] == k).sum()) for k in SURVEY_KINDS},
        "left_out": left_out,
        "files": {k: v for k, v in _FILES.items() if k != "manifest"},
        "note": "no direct identifiers; receipt and person are random ids of this export only",
    }
    with open(os.path.join(out, _FILES["manifest"]), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")
    for r in sources:
        r.audit_log.append(user=ctx.user, role=ctx.role, action="export.survey", office=",".join(manifest["offices"]),
                           subjects=[f"{o}|{p}" for o, p in exported_people], rows=len(receipts_df),
                           file=os.path.abspath(r.path), out_dir=os.path.abspath(out), review_month=review_month)
    return manifest


_PHARMACY_RECORDS = {"SH": "処方基本(薬剤料)", "CZ": "調剤技術料", "IY": "医薬品", "TO": "特定器材", "KI": "基本料・加算",
                     "TK": "特定器材"}


_COLUMNS = {
    "receipts": ["receipt", "person", "office_no", "survey_kind", "kind", "care_month", "pref", "sex", "age_band",
                 "days", "points", "accepted"],
    "diseases": ["receipt", "code", "disease_name", "icd10", "main"],
    "points": ["receipt", "item", "item_name", "points"],
    "prescriptions": ["receipt", "group", "code", "item_name", "quantity", "count"],
}


def _masters():
    try:
        return load_masters()
    except FileNotFoundError:
        return None  # codes without names; the survey items are the codes


def _fresh(taken: set) -> str:
    while True:
        candidate = secrets.token_hex(8)
        if candidate not in taken:
            return candidate


def _write_csv(df: pd.DataFrame, path: str) -> None:
    tmp = path + ".tmp"
    df.to_csv(tmp, index=False, encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# --- aggregates with small-cell suppression ---------------------------------------------------------------------

def aggregate(df: pd.DataFrame, by: Sequence[str], *, person: str = "person", sums: Iterable[str] = ("points",),
              min_people: int = MIN_PEOPLE) -> pd.DataFrame:
    """Counts of ``df`` by one or two columns, with margins, safe to leave the office.

    Every cell (and margin) counting fewer than ``min_people`` distinct people
    is suppressed (``primary``), including empty cells. Then more cells are
    suppressed (``secondary``) until no suppressed value can be worked out
    exactly from the published ones and the totals: first so that no row or
    column has exactly one suppressed entry, then, where several lines together
    still pin one down, until a linear-algebra check finds none.
    Suppressed values are blank (NA) and ``suppressed`` says why.

    Returns
    -------
    pandas.DataFrame
        One row per cell and margin: the ``by`` columns (``計`` in margins),
        ``people``, ``receipts``, the ``sums`` columns, ``suppressed``.
    """
    by = list(by)
    if len(by) not in (1, 2):
        raise ValueError("aggregate() makes one- or two-way tables: give one or two columns in by")
    sums = list(sums)
    missing = [c for c in by + [person] + sums if c not in df.columns]
    if missing:
        raise ValueError(f"aggregate(): no column {', '.join(missing)}")
    keys = [sorted(df[c].astype(str).unique(), key=_natural) for c in by]
    data = df.assign(**{c: df[c].astype(str) for c in by})

    def measure(sub: pd.DataFrame) -> dict:
        return {"people": int(sub[person].nunique()), "receipts": int(len(sub)),
                **{s: int(pd.to_numeric(sub[s], errors="coerce").fillna(0).sum()) for s in sums}}

    entries: list[dict] = []
    index: dict[tuple, int] = {}

    def add(label: tuple, sub: pd.DataFrame) -> None:
        index[label] = len(entries)
        entries.append({**dict(zip(by, label)), **measure(sub)})

    lines: list[list[int]] = []  # each: [members..., total] with sum(members) == total
    if len(by) == 1:
        for k in keys[0]:
            add((k,), data[data[by[0]] == k])
        add((TOTAL,), data)
        lines.append([index[(k,)] for k in keys[0]] + [index[(TOTAL,)]])
    else:
        a, b = by
        for i in keys[0]:
            for j in keys[1]:
                add((i, j), data[(data[a] == i) & (data[b] == j)])
        for i in keys[0]:
            add((i, TOTAL), data[data[a] == i])
        for j in keys[1]:
            add((TOTAL, j), data[data[b] == j])
        add((TOTAL, TOTAL), data)
        for i in keys[0]:
            lines.append([index[(i, j)] for j in keys[1]] + [index[(i, TOTAL)]])
        for j in keys[1]:
            lines.append([index[(i, j)] for i in keys[0]] + [index[(TOTAL, j)]])
        lines.append([index[(i, TOTAL)] for i in keys[0]] + [index[(TOTAL, TOTAL)]])
        lines.append([index[(TOTAL, j)] for j in keys[1]] + [index[(TOTAL, TOTAL)]])

    people = np.array([e["people"] for e in entries])
    state = np.where(people < min_people, "primary", "").astype(object)
    is_total = np.array([TOTAL in tuple(e[c] for c in by) for e in entries])
    _secondary(state, people, is_total, lines)

    out = pd.DataFrame(entries)
    for column in ["people", "receipts", *sums]:
        out[column] = pd.array(out[column], dtype="Int64")
        out.loc[state != "", column] = pd.NA
    out["suppressed"] = state
    return out


def _natural(label: str):
    """Sort "5-9" before "10-14": by the leading number, then the text."""
    digits = ""
    for ch in label:
        if not ch.isdigit():
            break
        digits += ch
    return (int(digits) if digits else float("inf"), label)


def _secondary(state: np.ndarray, people: np.ndarray, is_total: np.ndarray, lines: list) -> None:
    """Suppress more entries until no suppressed one is determined by the published values and the lines."""
    def pick(line: list) -> int:
        # The entry that costs least to hide: an inner cell before a total, fewest people first.
        free = [k for k in line[:-1] if state[k] == ""] or [k for k in line if state[k] == ""]
        return min(free, key=lambda k: (is_total[k], people[k], k))

    while True:
        changed = False
        for line in lines:
            if sum(state[k] != "" for k in line) == 1:
                state[pick(line)] = "secondary"
                changed = True
        if changed:
            continue
        exposed = _determined(state, lines)
        if exposed is None:
            return
        candidates = [line for line in lines if exposed in line and any(state[k] == "" for k in line)]
        if not candidates:
            return  # everything on its lines is hidden already; nothing more to do
        state[pick(candidates[0])] = "secondary"


def _determined(state: np.ndarray, lines: list) -> int | None:
    """A suppressed entry whose value follows from the lines and the published values, or None.

    With x the hidden values, the lines give A x = c. x_k is determined
    exactly when the unit vector e_k lies in the row space of A.
    """
    hidden = [k for k in range(len(state)) if state[k] != ""]
    if not hidden:
        return None
    col = {k: n for n, k in enumerate(hidden)}
    a = np.zeros((len(lines), len(hidden)))
    for r, line in enumerate(lines):
        members, total = line[:-1], line[-1]
        for k in members:
            if k in col:
                a[r, col[k]] += 1.0
        if total in col:
            a[r, col[total]] -= 1.0
    a = a[np.abs(a).sum(axis=1) > 0]
    if not len(a):
        return None
    rank = np.linalg.matrix_rank(a)
    for k in hidden:
        unit = np.zeros(len(hidden))
        unit[col[k]] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            return k
    return None
