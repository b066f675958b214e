"""The engine's matching (資格点検) as an analyst writes it with pandas.

Reading: one pass over each receipt file in plain Python (split on commas: the format never
quotes), keeping per receipt only what matching needs. Matching: vectorised pandas (merges,
group-bys, bit masks for days), rule by rule as runtime/src/match/person_book.cpp states it.

    python3 bench/peers/pandas_match.py --receipts DIR --recipients F --tickets F [--tickets F] [--out CSV]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peers.common import (  # noqa: E402  (the path above makes `peers` importable as a script)
    KIND_LETTER,
    NOT_WELFARE,
    STATUS_ORDER,
    check_digit_ok,
    decode,
    is_dpc,
    is_payer_side,
    normalize_name,
    parse_date,
    parse_month,
    receipt_files,
    run_cli,
)

# First of the 31 day columns per record, by kind (runtime/src/uke/layout.cpp make_line).
DAY_COLUMNS = {
    "medical": {"SI": 13, "IY": 13, "TO": 17},
    "dpc": {"SI": 13, "IY": 13, "TO": 17},
    "dental": {"SS": 78, "SI": 7, "IY": 8, "TO": 14},
    "pharmacy": {},
}
# RE 検索番号 and KO 負担金額 positions by kind (layout.cpp make_re / make_coverage).
SEARCH_FIELD = {"medical": 18, "dpc": 18, "dental": 19, "pharmacy": 37}
KO_COPAY = {"medical": 6, "dpc": 6, "dental": 6, "pharmacy": 7}
# Numeric fields of HO / KO (実日数, 合計点数, 負担金額, 食事 回数/金額): a record with a non-number
# there is quarantined by the reader and does not count.
HO_NUMBERS = {"medical": (4, 5, 11, 7, 8), "dpc": (4, 5, 11, 7, 8), "dental": (4, 5, 10, 6, 7), "pharmacy": (4, 5, 9)}
KO_NUMBERS = {"medical": (4, 5, 6, 10, 11), "dpc": (4, 5, 6, 10, 11), "dental": (4, 5, 6, 8, 9), "pharmacy": (4, 5, 7)}

CLAIM_COLUMNS = [
    "file_idx", "line", "kind", "receipt_type", "month", "institution", "receipt_no", "search_no",
    "name", "sex", "birth", "insured", "excluded", "law_no", "office_no", "recipient_no",
    "office_ok", "recipient_ok", "copay", "care_days",
]

# 全角 ASCII → ASCII and U+3000 → space, as the engine folds every feed value.
WIDTH_FOLD = str.maketrans({**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "\u3000": " "})


def _number(text: str) -> int | None:
    """A レセ電 数字 field: None if empty, -1 if it is no number (at most 9 ASCII digits)."""
    if not text:
        return None
    return int(text) if len(text) <= 9 and text.isascii() and text.isdigit() else -1


def _day_mask(tail: str) -> int:
    """Bit d-1 for each written day column of the 31 at the head of `tail`; -1 if one is no count."""
    mask = 0
    for day, value in enumerate(tail.split(",")[:31]):
        if value:
            count = _number(value)
            if count is None or count < 0 or count > 65535:
                return -1
            mask |= 1 << day
    return mask


def _field(fields: list[str], at: int) -> str:
    """A field of a record; a short record's missing trailing fields are empty."""
    return fields[at] if at < len(fields) else ""


def _institution_key(fields: list[str]) -> str:
    """都道府県 (2 digits) + 点数表 + 医療機関コード of an IR/UK/YK record, as claim.cpp prints it."""
    pref = _number(_field(fields, 2))
    table = _number(_field(fields, 3))
    pref = pref if pref is not None and 0 <= pref <= 99 else 0
    table = table if table is not None and 0 < table <= 255 else 0
    return f"{pref:02d}{table}{_field(fields, 4)}"


def parse_file(path: str, file_idx: int, claims: list[tuple], day_masks: dict[str, int]) -> None:
    """Appends one tuple (CLAIM_COLUMNS) per receipt of an institution-side file to `claims`.

    `day_masks` caches the bit mask of each distinct run of day columns: the same few patterns
    recur on millions of SI/IY/TO records.
    """
    raw = Path(path).read_bytes()
    text = decode(raw)
    if is_payer_side(text):
        raise ValueError(f"{path}: payer-side files are not read by this peer")
    dpc = is_dpc(raw)
    lines = text.split("\n")
    if lines[-1].endswith("\x1a"):
        lines[-1] = lines[-1][:-1]

    header: str | None = None  # medical, dental or pharmacy: fixed by the first IR/UK/YK
    kind = "medical"
    days_at: dict[str, int] = DAY_COLUMNS[kind]
    institution = ""
    receipt: list | None = None  # the open receipt: CLAIM_COLUMNS values, care_days last
    days = 0
    payers: list[list[bool] | None] = []  # HO, KO#1..#4: [has JD] once the record is seen
    ko_seen = 0

    def close() -> None:
        nonlocal receipt
        if receipt is not None:
            receipt[-1] = days
            claims.append(tuple(receipt))
            receipt = None

    for number, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        comma = line.find(",")
        record = line[:comma] if comma >= 0 else line
        first_day = days_at.get(record)
        if first_day is not None:  # SI / IY / TO / SS: most lines
            if receipt is not None:
                parts = line.split(",", first_day)
                if len(parts) > first_day:
                    tail = parts[first_day]
                    mask = day_masks.get(tail)
                    if mask is None:
                        mask = day_masks[tail] = _day_mask(tail)
                    if mask > 0:
                        days |= mask
            continue
        if record == "CZ" and kind == "pharmacy":  # 調剤年月日 is a day of care
            if receipt is not None:
                date = parse_date(_field(line.split(",", 4), 3))
                if date and date // 100 == receipt[4]:
                    days |= 1 << (date % 100 - 1)
            continue
        if record in ("IR", "UK", "YK"):
            fields = line.split(",")
            if header is None:
                table = _field(fields, 3)
                header = ("dental" if record == "UK" or (record == "IR" and table == "3")
                          else "pharmacy" if record == "YK" or (record == "IR" and table == "4") else "medical")
                kind = "dpc" if header == "medical" and dpc else header
                days_at = DAY_COLUMNS[kind]
            close()
            institution = _institution_key(fields)
        elif record == "RE":
            close()
            if header is None:
                header = "medical"
                kind = "dpc" if dpc else "medical"
                days_at = DAY_COLUMNS[kind]
            fields = line.split(",")
            receipt_type = _field(fields, 2)
            month = parse_month(_field(fields, 3))
            receipt_no, ratio, sex = (_number(_field(fields, i)) for i in (1, 7, 5))
            if not (len(receipt_type) == 4 and receipt_type.isascii() and receipt_type.isdigit()) or month == 0 \
                    or -1 in (receipt_no, ratio, sex):
                continue  # a quarantined RE: its records belong to no receipt
            receipt = [file_idx, number, kind, int(receipt_type), month, institution, receipt_no or 0,
                       _field(fields, SEARCH_FIELD[kind]), _field(fields, 4), sex or 0,
                       parse_date(_field(fields, 6)), False, False, 0, "", "", True, True, 0, 0]
            days = 0
            payers = [None] * 5
            ko_seen = 0
        elif record == "GO":
            close()
        elif receipt is None:
            continue
        elif record == "HO":
            fields = line.split(",")
            if any(_number(_field(fields, i)) == -1 for i in HO_NUMBERS[kind]):
                continue
            payer = _field(fields, 1)
            digits = payer.lstrip(" ")
            receipt[11] = True
            receipt[12] = len(digits) == 6 or (len(digits) == 8 and digits[:2] == "39")
            if payers[0] is None:
                payers[0] = [False]
        elif record == "KO":
            fields = line.split(",")
            ko_seen += 1
            if any(_number(_field(fields, i)) == -1 for i in KO_NUMBERS[kind]):
                continue
            position = min(ko_seen, 4)
            if payers[position] is None:
                payers[position] = [False]
            payer = _field(fields, 1)
            digits = payer.lstrip(" ")
            law = int(digits[:2]) if len(digits) == 8 and digits[:2].isascii() and digits[:2].isdigit() else 0
            if receipt[13] == 0 and law in (12, 25):  # 12 and 25 by 法別, never by position
                member = _field(fields, 2)
                receipt[13:16] = [law, payer, member]
                receipt[16] = check_digit_ok(payer)
                receipt[17] = member == "" or check_digit_ok(member)
                receipt[18] = max(_number(_field(fields, KO_COPAY[kind])) or 0, 0)
        elif record == "JD":
            fields = line.split(",")
            payer_kind = _field(fields, 1)
            if payer_kind not in ("1", "2", "3", "4", "5"):
                continue
            row = payers[int(payer_kind) - 1]
            if row is None or row[0]:
                continue  # a payer the receipt lacks, or its second JD: kept aside by the reader
            row[0] = True
            for day, flag in enumerate(fields[2:33]):
                if flag == "1":
                    days |= 1 << day
    close()


def read_claims(paths: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Every receipt of the files under `paths`, one row each, and the file list (by file_idx)."""
    files = receipt_files(paths)
    rows: list[tuple] = []
    day_masks: dict[str, int] = {}
    for idx, path in enumerate(files):
        parse_file(path, idx, rows, day_masks)
    claims = pd.DataFrame.from_records(rows, columns=CLAIM_COLUMNS)
    return claims, files


def _read_feed_csv(path: str) -> pd.DataFrame:
    """A feed file as strings: UTF-8 (BOM or not) or CP932, width-folded and trimmed like the engine."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp932")
    frame.columns = [c.strip() for c in frame.columns]
    for column in frame.columns:
        frame[column] = frame[column].str.translate(WIDTH_FOLD).str.strip(" \t\r\n")
    return frame


def _iso_date(values: pd.Series) -> pd.Series:
    """YYYY-MM-DD → YYYYMMDD as int (0 where empty or not a date)."""
    parsed = pd.to_datetime(values.where(values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d",
                            errors="coerce")
    out = parsed.dt.year * 10000 + parsed.dt.month * 100 + parsed.dt.day
    return out.where(parsed.dt.year >= 1868).fillna(0).astype("int64")


def _office_ok(values: pd.Series) -> pd.Series:
    """公費負担者番号 of the feed: 8 digits, 法別 12 or 25, 都道府県 01–47, check digit."""
    shape = values.str.fullmatch(r"(12|25)(0[1-9]|[1-3][0-9]|4[0-7])\d{4}")
    return shape & values.map(check_digit_ok)


def load_tickets(paths: list[str]) -> pd.DataFrame:
    """tickets.csv deliveries in load order; bad rows dropped, a later row with a ticket_id wins.

    Columns: ticket_id, office_no, recipient_no, person_id, month (YYYYMM), care, institution,
    from_day, to_day, copay, with_insurance, in_force, pos (where the ticket_id was first loaded).
    """
    frames = [_read_feed_csv(p) for p in paths]
    t = pd.concat(frames, ignore_index=True)
    for optional in ("copay", "insurer_no", "replaces"):
        if optional not in t:
            t[optional] = ""
    required = ["ticket_id", "office_no", "recipient_no", "person_id", "month", "care_type",
                "institution_pref", "institution_code", "valid_from", "valid_to", "issued_on", "status"]
    month = t["month"].where(t["month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])"), "")
    t["month_n"] = pd.to_numeric(month.str.replace("-", "", regex=False), errors="coerce").fillna(0).astype("int64")
    valid_from, valid_to, issued = _iso_date(t["valid_from"]), _iso_date(t["valid_to"]), _iso_date(t["issued_on"])
    ok = (
        (t[required] != "").all(axis=1)
        & _office_ok(t["office_no"])
        & t["recipient_no"].str.fullmatch(r"\d{7}")
        & (t["month_n"] >= 186801)
        & t["care_type"].isin(["1", "2", "3", "4", "5"])
        & t["institution_pref"].str.fullmatch(r"0[1-9]|[1-3][0-9]|4[0-7]")
        & t["institution_code"].str.fullmatch(r"\d{7}")
        & (valid_from // 100 == t["month_n"]) & (valid_to // 100 == t["month_n"]) & (valid_from <= valid_to)
        & t["copay"].str.fullmatch(r"\d{0,9}")
        & t["insurer_no"].str.fullmatch(r"(\d{6}|\d{8})?")
        & (issued > 0)
        & t["status"].isin(["issued", "cancelled"])
        & (t["replaces"] != t["ticket_id"])
    )
    t = t.assign(from_day=valid_from % 100, to_day=valid_to % 100, pos=np.arange(len(t)))[ok]
    t["pos"] = t.groupby("ticket_id")["pos"].transform("min")  # where the ticket_id was first loaded
    t = t.drop_duplicates("ticket_id", keep="last")
    replaced = set(t.loc[t["replaces"] != "", "replaces"])
    table = t["care_type"].map({"1": "1", "2": "1", "3": "3", "4": "4", "5": "6"})
    return pd.DataFrame({
        "ticket_id": t["ticket_id"], "office_no": t["office_no"], "recipient_no": t["recipient_no"],
        "person_id": t["person_id"], "month": t["month_n"], "care": t["care_type"].astype("int64"),
        "institution": t["institution_pref"] + table + t["institution_code"],
        "from_day": t["from_day"], "to_day": t["to_day"],
        "copay": pd.to_numeric(t["copay"], errors="coerce").fillna(0).astype("int64"),
        "with_insurance": t["insurer_no"] != "",
        "in_force": (t["status"] == "issued") & ~t["ticket_id"].isin(replaced),
        "pos": t["pos"],
    }).reset_index(drop=True)


def load_recipients(path: str) -> pd.DataFrame:
    """recipients.csv: one row per protection period; bad rows dropped, a later row with the same
    (office_no, person_id, protected_from) wins.

    A period overlapping one loaded earlier for the same person (another protected_from) is
    dropped, as the engine quarantines it. The engine compares with the periods it kept; this
    compares with every earlier row, which differs only for chains of three overlapping rows.
    """
    r = _read_feed_csv(path)
    for optional in ("protected_to", "insurer_no"):
        if optional not in r:
            r[optional] = ""
    birth, start, end = _iso_date(r["birth_date"]), _iso_date(r["protected_from"]), _iso_date(r["protected_to"])
    ok = (
        (r[["office_no", "person_id", "name", "sex", "birth_date", "protected_from"]] != "").all(axis=1)
        & _office_ok(r["office_no"])
        & r["sex"].isin(["1", "2"])
        & (birth > 0) & (start > 0) & ((r["protected_to"] == "") | (end > 0))
        & ((end == 0) | (end >= start)) & (start >= birth)
        & r["insurer_no"].str.fullmatch(r"(\d{6}|\d{8})?")
    )
    r = r.assign(birth=birth, protected_from=start, protected_to=end)[ok]
    r = r.assign(load=np.arange(len(r)), until=r["protected_to"].where(r["protected_to"] != 0, 99999999))
    periods = r[["office_no", "person_id", "protected_from", "until", "load"]]
    pairs = periods.merge(periods, on=["office_no", "person_id"], suffixes=("", "_earlier"))
    overlapping = pairs[(pairs["load_earlier"] < pairs["load"])
                        & (pairs["protected_from_earlier"] != pairs["protected_from"])
                        & (pairs["protected_from"] <= pairs["until_earlier"])
                        & (pairs["protected_from_earlier"] <= pairs["until"])]
    r = r[~r["load"].isin(overlapping["load"])]
    out = pd.DataFrame({
        "office_no": r["office_no"], "person_id": r["person_id"], "name_key": r["name"].map(normalize_name),
        "birth": r["birth"], "sex": r["sex"].astype("int64"),
        "protected_from": r["protected_from"], "protected_to": r["protected_to"],
    })
    return out.drop_duplicates(["office_no", "person_id", "protected_from"], keep="last").reset_index(drop=True)


def _group_or(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """Bitwise OR of `values` per key."""
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return pd.Series(np.bitwise_or.reduceat(values, starts), index=keys[starts])


def _day_range_mask(first: pd.Series, last: pd.Series) -> pd.Series:
    """Bits of days first..last (1-based, inclusive); 0 where first > last."""
    first, last = first.clip(1, 32).astype("int64"), last.clip(0, 31).astype("int64")
    mask = (np.left_shift(1, last) - 1) & ~(np.left_shift(1, first - 1) - 1)
    return mask.where(first <= last, 0)


def match_claims(claims: pd.DataFrame, tickets: pd.DataFrame, recipients: pd.DataFrame) -> pd.Series:
    """The match status of every claim (index of `claims`), as person_book.cpp decides it."""
    c = claims[claims["law_no"] != 0].copy()
    c["idx"] = c.index
    c["name_key"] = c["name"].map(normalize_name)
    c["care"] = np.select(
        [c["kind"] == "dental", c["kind"] == "pharmacy", c["kind"] == "dpc", c["receipt_type"] % 2 == 1],
        [3, 4, 1, 1], 2)
    # Care days as dates; a receipt without day information counts as care on the 1st.
    c["days"] = c["care_days"].where(c["care_days"] != 0, 1).astype("int64")

    # Who: the ticket printed with the receipt's numbers (one in force first, then load order) ...
    by_number = (tickets.sort_values(["in_force", "pos"], ascending=[False, True])
                 .drop_duplicates(["office_no", "recipient_no", "month"])
                 [["office_no", "recipient_no", "month", "person_id"]])
    c = c.merge(by_number, on=["office_no", "recipient_no", "month"], how="left")
    c["by_number"] = c["person_id"].notna()
    # ... else the one recipient of the office with this name, birth date and sex.
    people = recipients.groupby(["office_no", "name_key", "birth", "sex"])["person_id"].agg(["nunique", "first"])
    people = people[people["nunique"] == 1]["first"].rename("by_name").reset_index()
    c = c.merge(people, on=["office_no", "name_key", "birth", "sex"], how="left")
    c["person_id"] = c["person_id"].fillna(c["by_name"]).fillna("")
    identified = c["person_id"] != ""
    has_feed = c["office_no"].isin(set(tickets["office_no"]))
    checked = has_feed & identified

    # 重複請求: the same person, institution, month and care type; the first in file order keeps its status.
    c["who"] = c["person_id"].where(identified, "#" + c["recipient_no"])
    c = c.sort_values(["file_idx", "line"])
    duplicate = c.groupby(["office_no", "who", "institution", "month", "care"]).cumcount() > 0

    # The person's tickets in force for the month: any, at this institution, of this care type.
    live = tickets[tickets["in_force"]]
    person_month = ["office_no", "person_id", "month"]
    n_live = c[person_month].merge(live.groupby(person_month).size().rename("n").reset_index(),
                                   on=person_month, how="left")["n"].fillna(0).to_numpy()
    here_keys = person_month + ["institution"]
    n_here = c[here_keys].merge(live.groupby(here_keys).size().rename("n").reset_index(),
                                on=here_keys, how="left")["n"].fillna(0).to_numpy()
    fit = c[["idx", "recipient_no", *here_keys, "care"]].merge(
        live.drop(columns=["recipient_no"]).assign(ticket_recipient=live["recipient_no"]),
        on=[*here_keys, "care"], how="inner")
    # The ticket printed with the receipt's 受給者番号 first, then the first by id.
    fit["other_number"] = fit["ticket_recipient"] != fit["recipient_no"]
    fit = fit.sort_values(["idx", "other_number", "ticket_id"]).drop_duplicates("idx").set_index("idx")
    ticket = fit.reindex(c["idx"].to_numpy())
    has_ticket = ticket["ticket_id"].notna().to_numpy()
    valid = _day_range_mask(ticket["from_day"].fillna(1), ticket["to_day"].fillna(31)).to_numpy()
    outside = has_ticket & ((c["days"].to_numpy() & ~valid) != 0)
    copay_differs = has_ticket & (ticket["copay"].fillna(0).to_numpy() != c["copay"].to_numpy())
    insurance_differs = has_ticket & (ticket["with_insurance"].fillna(False).to_numpy().astype(bool)
                                      != c["insured"].to_numpy())

    # Protection periods: every care day inside one; with a ticket's numbers, the same person.
    p = c[["idx", "office_no", "person_id", "month", "name_key", "birth", "sex"]].merge(
        recipients, on=["office_no", "person_id"], suffixes=("", "_p"))
    base = p["month"] * 100
    first = (p["protected_from"] - base).where(p["protected_from"] > base, 1)
    last = (p["protected_to"] - base).where(p["protected_to"] != 0, 31)
    covered = _group_or(p["idx"].to_numpy(), _day_range_mask(first, last).to_numpy())
    same = p.assign(same=(p["name_key"] == p["name_key_p"]) & (p["birth"] == p["birth_p"]) & (p["sex"] == p["sex_p"]))
    same = same.groupby("idx")["same"].any()
    idx = c["idx"].to_numpy()
    has_periods = np.isin(idx, covered.index)
    uncovered = has_periods & ((c["days"].to_numpy() & ~covered.reindex(idx).fillna(0).astype("int64").to_numpy()) != 0)
    person_differs = has_periods & c["by_number"].to_numpy() & ~same.reindex(idx).fillna(False).to_numpy().astype(bool)

    checked = checked.loc[c.index].to_numpy()
    problems = {  # in order of precedence
        "NO_TICKET": checked & (n_live == 0),
        "INSTITUTION_MISMATCH": checked & (n_live > 0) & (n_here == 0),
        "CARE_TYPE_MISMATCH": checked & (n_here > 0) & ~has_ticket,
        "OUTSIDE_VALIDITY": checked & outside,
        "NOT_PROTECTED": checked & uncovered,
        "PERSON_MISMATCH": checked & person_differs,
        "COPAY_MISMATCH": checked & copay_differs,
        "UNKNOWN_RECIPIENT": (has_feed & ~identified).loc[c.index].to_numpy(),
        "INVALID_NUMBER": ~(c["office_ok"] & c["recipient_ok"]).to_numpy(),
        "DUPLICATE_CLAIM": duplicate.loc[c.index].to_numpy(),
        "INSURANCE_INCONSISTENT": c["excluded"].to_numpy() | (checked & insurance_differs),
        "NO_TICKET_FEED": ~has_feed.loc[c.index].to_numpy(),
    }
    assert list(problems) == list(STATUS_ORDER[1:])
    status = np.select(list(problems.values()), list(problems), default="MATCHED")
    return pd.Series(status, index=idx).reindex(claims.index).fillna(NOT_WELFARE)


def match(receipts: list[str], recipients: str, tickets: list[str]) -> pd.DataFrame:
    """End to end: files in, one row per receipt out (file, line, match_status).

    A receipt whose key (institution, month, kind, 検索番号 — or レセプト番号 within its file)
    repeats a receipt read earlier replaces it, as a resubmission replaces its original in the engine.
    """
    claims, files = read_claims(receipts)
    search = claims["search_no"]
    claims["key"] = (claims["institution"] + "-" + claims["month"].astype(str) + "-"
                     + claims["kind"].map(KIND_LETTER)
                     + np.where(search != "", "S" + search,
                                "R" + claims["receipt_no"].astype(str) + "@" + claims["file_idx"].astype(str)))
    claims = claims.drop_duplicates("key", keep="last").reset_index(drop=True)
    status = match_claims(claims, load_tickets(tickets), load_recipients(recipients))
    return pd.DataFrame({
        "file": claims["file_idx"].map(dict(enumerate(files))),
        "line": claims["line"],
        "match_status": status,
    })


if __name__ == "__main__":
    run_cli(match, __doc__)
