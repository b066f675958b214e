"""Who sees what: access contexts, the one scoping function, keyed pseudonyms.

Every read of a result table goes through :func:`guarded_read`, which checks
the role, applies :func:`apply_access` (the only place rows and columns are
scoped) and appends an entry to the audit log. ``docs/audit.md`` has the
roles × tables matrix this module implements.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import hmac
import os
import stat
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .audit import AuditLog, default_log_path

__all__ = ["ROLES", "ALL_OFFICES", "AccessContext", "apply_access", "guarded_read", "pseudonymise",
           "keyed_id", "age_band"]

ROLES: tuple[str, ...] = ("operator", "office_staff", "analyst", "auditor")

#: In ``offices``: every office (staff of a 本庁 that supervises all offices; the test suite).
ALL_OFFICES = "*"

#: Columns that name or locate a person, or point at the raw receipt that does: never in the analyst view.
DIRECT_IDENTIFIERS = frozenset({
    "recipient_no", "name", "name_kana", "name_kanji", "kana", "patient_name", "person_name", "recipient_name",
    "address", "case_no", "chart_no", "search_no", "management_no", "phone", "source_line", "re_line", "raw",
    "detail", "reason", "note",
})

#: Identifier columns the analyst view replaces with keyed pseudonyms (domain → column).
KEYED_COLUMNS = ("receipt_key", "ticket_id", "finding_id")

#: Operator view: each table as counts over these keys (only those the table has).
OPERATOR_GROUPS = {
    "receipts": ["office_no", "month", "kind", "match_status"],
    "tickets": ["office_no", "month", "care_type", "use_status"],
    "findings": ["office_no", "month", "code", "severity"],
    "scores_person": ["office_no", "month", "peer_group"],
    "scores_institution": ["month", "peer_group"],
}

#: Operator view of these tables: the listed columns row by row (nothing in them is personal).
OPERATOR_COLUMNS = {"quarantine": ["source_file", "source_line"]}

_PERSONAL_HINTS = ("kana", "address", "birth", "phone", "name_")
_MIN_KEY_BYTES = 16


def _is_direct(column: str) -> bool:
    """Named in DIRECT_IDENTIFIERS, or named like one (``name_*``, ``*kana*``, ``*address*``, ``*phone*``)."""
    c = column.lower()
    return c in DIRECT_IDENTIFIERS or any(c.startswith(h) if h == "name_" else h in c
                                          for h in _PERSONAL_HINTS if h != "birth")


def pseudonymise(office_no: str, person_id: str, key: bytes) -> str:
    """The keyed pseudonym of a person: HMAC-SHA-256(key, ``office_no|person_id``), 32 hex digits.

    Stable for one key, unrelated across keys; an empty ``person_id`` (an
    unidentified receipt) stays empty.
    """
    if not person_id:
        return ""
    return hmac.new(_key_bytes(key), f"{office_no}|{person_id}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def keyed_id(domain: str, value: str, key: bytes) -> str:
    """A keyed pseudonym for another identifier (``receipt_key``, ``ticket_id``, ...), domain-separated."""
    if not value:
        return ""
    return hmac.new(_key_bytes(key), f"{domain}#{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _key_bytes(key) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"a pseudonym key must be at least {_MIN_KEY_BYTES} bytes")
    return bytes(key)


def age_band(birth_dates, on, width: int = 5, top: int = 90) -> np.ndarray:
    """Age bands (``"40-44"``, ``"90+"``) of ``YYYYMMDD`` birth dates at the dates ``on`` (same form).

    0 or empty birth dates give ``""``.
    """
    b = pd.to_numeric(pd.Series(birth_dates), errors="coerce").fillna(0).astype(np.int64).to_numpy()
    o = np.broadcast_to(np.asarray(on, dtype=np.int64), b.shape)
    age = (o // 10000 - b // 10000) - ((o % 10000) < (b % 10000)).astype(np.int64)
    lo = (age // width) * width
    out = np.where(age >= top, f"{top}+",
                   np.char.add(np.char.add(lo.astype(str), "-"), (lo + width - 1).astype(str)))
    return np.where((b <= 0) | (age < 0), "", out).astype(object)


@dataclass(frozen=True)
class AccessContext:
    """Who is reading: user, role and what the role is scoped to.

    Parameters
    ----------
    user
        The person at the keyboard (written to the audit log).
    role
        ``operator`` (runs batches; counts only), ``office_staff`` (their
        offices' people by name), ``analyst`` (pseudonymised), ``auditor``
        (the audit log only).
    offices
        office_staff: the 公費負担者番号 they may see; ``"*"`` for all.
        analyst: optional; when given, only these offices' rows.
    caseworker
        office_staff: a 地区担当員 code; tables that carry a ``caseworker``
        column are narrowed to that caseworker's people.
    pseudonym_key
        analyst: the secret HMAC key (at least 16 bytes).
    """

    user: str
    role: str
    offices: tuple = ()
    caseworker: str | None = None
    pseudonym_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}: one of {', '.join(ROLES)}")
        if isinstance(self.offices, str):
            object.__setattr__(self, "offices", tuple(o for o in self.offices.split(",") if o))
        object.__setattr__(self, "offices", tuple(str(o).strip() for o in self.offices if str(o).strip()))
        if not self.user:
            raise ValueError("an access context needs a user")
        if self.role == "office_staff" and not self.offices:
            raise PermissionError("role office_staff needs offices (RECEPTOR_OFFICES=12011011,12021010 or '*')")
        if self.role == "analyst":
            if self.pseudonym_key is None:
                raise PermissionError("role analyst needs a pseudonym key: set RECEPTOR_PSEUDONYM_KEY_FILE "
                                      "to a file only you can read holding at least 16 secret bytes")
            object.__setattr__(self, "pseudonym_key", _key_bytes(self.pseudonym_key))

    @property
    def all_offices(self) -> bool:
        """True when ``offices`` holds ``"*"``: every office of the file."""
        return ALL_OFFICES in self.offices

    def sees_office(self, office_no: str) -> bool:
        """Whether rows of office ``office_no`` are in this context's scope (for any role but the auditor)."""
        return self.all_offices or office_no in self.offices

    @classmethod
    def from_env(cls, environ=None) -> "AccessContext":
        """The context the environment configures.

        ``RECEPTOR_ROLE`` (required), ``RECEPTOR_USER`` (default: the OS user),
        ``RECEPTOR_OFFICES`` (comma list, or ``*``), ``RECEPTOR_CASEWORKER``,
        ``RECEPTOR_PSEUDONYM_KEY_FILE`` or ``RECEPTOR_PSEUDONYM_KEY``.
        """
        env = os.environ if environ is None else environ
        role = env.get("RECEPTOR_ROLE", "").strip()
        if not role:
            raise PermissionError(
                "no access role configured: reading results needs one. Set RECEPTOR_ROLE to operator, "
                "office_staff (with RECEPTOR_OFFICES=office numbers), analyst (with RECEPTOR_PSEUDONYM_KEY_FILE) "
                "or auditor, or pass access=receptor.AccessContext(user, role, ...)")
        user = env.get("RECEPTOR_USER", "").strip() or getpass.getuser()
        key = None
        if env.get("RECEPTOR_PSEUDONYM_KEY_FILE"):
            key = _read_key_file(env["RECEPTOR_PSEUDONYM_KEY_FILE"])
        elif env.get("RECEPTOR_PSEUDONYM_KEY"):
            key = env["RECEPTOR_PSEUDONYM_KEY"].encode("utf-8")
        return cls(user=user, role=role, offices=env.get("RECEPTOR_OFFICES", ""),
                   caseworker=env.get("RECEPTOR_CASEWORKER") or None, pseudonym_key=key)


def _read_key_file(path: str) -> bytes:
    st = os.stat(path)
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(f"{path}: the pseudonym key file must be readable by its owner only (chmod 600)")
    with open(path, "rb") as f:
        return f.read().strip()


# --- the one place scoping happens -------------------------------------------------------------------------------

def apply_access(table_name: str, df: pd.DataFrame, ctx: AccessContext, *,
                 institutions: Iterable[str] | None = None) -> pd.DataFrame:
    """The view of one result table that ``ctx`` may see.

    Parameters
    ----------
    table_name
        ``receipts``, ``tickets``, ``findings``, ``scores_person``,
        ``scores_institution``, ``quarantine``, ``summary`` (others: only
        office_staff and analyst, and only when rows carry ``office_no``).
    df
        The table as stored.
    ctx
        The reader.
    institutions
        office_staff: institutions their offices' receipts name; rows about an
        institution rather than a person are shown for these only.

    Raises
    ------
    PermissionError
        The role may not read this table.
    """
    role = ctx.role
    if role == "auditor":
        raise PermissionError(f"role auditor reads the audit log only, not the {table_name} table")
    if role == "operator":
        return _operator_view(table_name, df)
    if role == "office_staff":
        return _office_view(table_name, df, ctx, set(institutions or ()))
    if ctx.offices and not ctx.all_offices and "office_no" in df.columns:
        # An analyst given offices sees those (and rows about institutions), pseudonymised.
        office = df["office_no"].astype(str)
        df = df[office.isin(ctx.offices) | (office == "")]
    return _analyst_view(table_name, df, ctx.pseudonym_key)


def _operator_view(name: str, df: pd.DataFrame) -> pd.DataFrame:
    if name == "summary":
        return df.copy()
    if name in OPERATOR_COLUMNS:
        return df[[c for c in OPERATOR_COLUMNS[name] if c in df.columns]].copy()
    if name not in OPERATOR_GROUPS:
        raise PermissionError(f"role operator has no view of the {name} table")
    keys = [c for c in OPERATOR_GROUPS[name] if c in df.columns]
    counted = df.groupby(keys, dropna=False, sort=True).size().rename("rows") if keys else \
        pd.Series([len(df)], name="rows")
    out = counted.reset_index() if keys else counted.to_frame()
    if name == "receipts" and "points" in df.columns:
        out["points"] = df.groupby(keys, dropna=False, sort=True)["points"].sum().to_numpy()
    return out


def _office_view(name: str, df: pd.DataFrame, ctx: AccessContext, institutions: set) -> pd.DataFrame:
    if ctx.all_offices:
        keep = np.ones(len(df), dtype=bool)
    elif "office_no" in df.columns:
        office = df["office_no"].astype(str)
        keep = office.isin(ctx.offices).to_numpy().copy()
        # Rows about an institution, not a person (no office, no person): those their people used.
        if "institution" in df.columns:
            person = df["person_id"].astype(str) if "person_id" in df.columns else pd.Series("", index=df.index)
            about_institution = (office == "") & (person == "")
            keep |= (about_institution & df["institution"].astype(str).isin(institutions)).to_numpy()
    elif "institution" in df.columns and "person_id" not in df.columns:
        keep = df["institution"].astype(str).isin(institutions).to_numpy()
    elif name == "quarantine" and "raw" in df.columns:
        # A rejected row is shown when one of its fields is one of the offices' numbers; what
        # cannot be attributed stays with the operator (who sees its file and line).
        offices = set(ctx.offices)
        keep = np.array([any(f.strip('" ') in offices for f in str(r).replace("\t", ",").split(","))
                         for r in df["raw"]], dtype=bool)
    else:
        raise PermissionError(f"role office_staff has no view of the {name} table (its rows name no office)")
    if ctx.caseworker and "caseworker" in df.columns:
        keep &= (df["caseworker"].astype(str) == ctx.caseworker).to_numpy()
    return df[keep].reset_index(drop=True)


def _analyst_view(name: str, df: pd.DataFrame, key: bytes) -> pd.DataFrame:
    out = df.copy()
    if "person_id" in out.columns:
        offices = out["office_no"].astype(str) if "office_no" in out.columns else pd.Series("", index=out.index)
        pairs = offices + "|" + out["person_id"].astype(str)  # one HMAC per person, not per row
        codes, uniques = pd.factorize(pairs)
        made = np.array([pseudonymise(*u.split("|", 1), key) for u in uniques] + [""], dtype=object)
        out["person_id"] = made[codes]
    for column in KEYED_COLUMNS:
        if column in out.columns:
            codes, uniques = pd.factorize(out[column].astype(str))
            out[column] = np.array([keyed_id(column, v, key) for v in uniques] + [""], dtype=object)[codes]
    for column in [c for c in out.columns if "birth" in c.lower()]:
        on = _reference_dates(out)
        out.insert(out.columns.get_loc(column), column.replace("birth_date", "age_band") if "birth_date" in column
                   else "age_band", age_band(out[column], on))
        out = out.drop(columns=column)
    return out.drop(columns=[c for c in out.columns if _is_direct(c)]).reset_index(drop=True)


def _reference_dates(df: pd.DataFrame) -> np.ndarray:
    """Age is taken on the first day of the row's month, or today for rows without one."""
    today = int(_dt.date.today().strftime("%Y%m%d"))
    if "month" not in df.columns:
        return np.full(len(df), today, dtype=np.int64)
    digits = df["month"].astype(str).str.replace("-", "", regex=False).str[:6]
    months = pd.to_numeric(digits, errors="coerce").fillna(today // 100).astype(np.int64).to_numpy()
    return months * 100 + 1


# --- reading with role check, scoping and audit ------------------------------------------------------------------

def guarded_read(path: str, name: str, ctx: AccessContext, read: Callable[[str, str], pd.DataFrame], *,
                 log: AuditLog | None = None, institutions: Callable[[], Iterable[str]] | None = None
                 ) -> pd.DataFrame:
    """Read table ``name`` of result file ``path`` as ``ctx`` may see it, and write it to the audit log.

    A refused read is logged too (``read_table.denied``). When the audit log
    cannot be written, the table is not returned.
    """
    log = log or AuditLog(default_log_path(path))
    common = {"user": ctx.user, "role": ctx.role, "table": name, "file": os.path.abspath(path)}
    if ctx.role == "auditor":
        log.append(action="read_table.denied", office=_offices_text(ctx), rows=0, **common)
        apply_access(name, pd.DataFrame(), ctx)  # raises with the reason
    stored = read(path, name)
    try:
        needed = institutions and ctx.role == "office_staff" and not ctx.all_offices and "institution" in stored
        view = apply_access(name, stored, ctx, institutions=institutions() if needed else None)
    except PermissionError:
        log.append(action="read_table.denied", office=_offices_text(ctx), rows=0, **common)
        raise
    log.append(action="read_table", office=_row_offices(view, ctx), subjects=_subjects(name, stored, view, ctx),
               rows=len(view), **common)
    return view


def _offices_text(ctx: AccessContext) -> str:
    return ",".join(ctx.offices)


def _row_offices(view: pd.DataFrame, ctx: AccessContext) -> str:
    if "office_no" in view.columns:
        return ",".join(sorted({str(o) for o in view["office_no"] if str(o)}))
    return _offices_text(ctx)


def _subjects(name: str, stored: pd.DataFrame, view: pd.DataFrame, ctx: AccessContext):
    """Whose data was read: real person ids (or finding ids), also for analysts who saw pseudonyms."""
    if ctx.role == "operator":
        return []
    if ctx.role == "analyst":
        # Log the people behind the pseudonyms: the rows of the stored table the view kept.
        rows = stored
        if ctx.offices and not ctx.all_offices and "office_no" in stored.columns:
            office = stored["office_no"].astype(str)
            rows = stored[office.isin(ctx.offices) | (office == "")]
    else:
        rows = view
    if name == "findings" and "finding_id" in rows.columns:
        return list(rows["finding_id"].astype(str))
    if "person_id" in rows.columns:
        office = rows["office_no"].astype(str) if "office_no" in rows.columns else pd.Series("", index=rows.index)
        return [f"{o}|{p}" for o, p in zip(office, rows["person_id"].astype(str)) if p]
    return []
