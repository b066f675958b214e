"""Worklists: every finding can be worked, and the work is kept beside the results.

Offices that produce error lists and never work them are what auditors find
(welfare-domain.md §6). A :class:`Worklist` gives every finding of a result
file a state (status, outcome, owner, due date, note) and keeps each decision,
with who made it and when, in an append-only JSON-lines log beside the
results. Decisions follow a finding across re-runs through its stable
``finding_id``; a finding that a later run no longer reports (the data were
corrected) is shown as ``resolved_by_data``, never dropped.

The log is the only state: one JSON object per line, never rewritten, each
append flushed to disk (``fsync``) before :meth:`Worklist.update` returns.
Two kinds of entries:

``{"event": "seen", "finding_id", "at", "user", "finding": {...}}``
    the first time a finding appears in a result file opened with this log;
    ``finding`` keeps its office, person, code, month and detail so that the
    finding can still be shown once the data no longer report it.
``{"event": "update", "finding_id", "at", "user", "changes": {...}}``
    a decision: the fields given and their new values.

Worklists are worked by office staff (role ``office_staff``): the findings
come through the access layer (:meth:`Results.table`), so staff see their
offices' findings and the institution-level ones about institutions their
people used; findings that only the log still knows are scoped by the same
:func:`~receptor.access.apply_access`. Every decision is also written to the
audit log (action ``worklist.update``) before it is written to the worklist.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .access import AccessContext, apply_access
from .results import Results, open_results

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, appends still go to the end
    fcntl = None

__all__ = ["OUTCOMES", "STATUSES", "Worklist"]

#: States a caseworker sets. ``resolved_by_data`` is computed, never set.
STATUSES: tuple[str, ...] = ("open", "in_review", "done")
#: What was done about a finding.
OUTCOMES: tuple[str, ...] = (
    "再審査請求",  # ask 支払基金 to review the receipt again
    "過誤調整",  # recover the payment through 過誤 adjustment
    "指導",  # guidance to the recipient or the institution
    "他法へ切替",  # another scheme pays first (他法優先)
    "返還請求",  # recover from the recipient (生活保護法 63条/78条)
    "医療機関照会",  # asked the institution
    "問題なし",  # checked, nothing wrong
    "その他",
)
RESOLVED_BY_DATA = "resolved_by_data"
AGE_BUCKETS = ("0-30", "31-60", "61-90", ">90")

# Finding columns copied into the "seen" entry: enough to show a finding after it left the data.
_KEPT = ("code", "severity", "office_no", "person_id", "recipient_no", "month", "institution", "receipt_key",
         "value", "detail")
_FIELDS = ("status", "outcome", "owner", "due", "note")
_STATE_COLUMNS = ["caseworker", "status", "outcome", "owner", "due", "note", "first_seen", "updated_at",
                  "updated_by", "in_results"]


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _plain(value):
    """NumPy scalars and NA as JSON values."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _due(value) -> str:
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = str(value).strip()
    if text == "":
        return ""
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"due: {value!r} is not a date (YYYY-MM-DD)") from None


def _read_caseworkers(path: str | os.PathLike) -> dict[tuple[str, str], str]:
    """(office_no, person_id) → 地区担当員 from a recipients feed (UTF-8 or CP932, header-driven)."""
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}: neither UTF-8 nor CP932")
    import csv
    import io

    rows = csv.DictReader(io.StringIO(text, newline=""))
    missing = {"office_no", "person_id"} - set(rows.fieldnames or ())
    if missing:
        raise ValueError(f"{path}: line 1: no column {', '.join(sorted(missing))}")
    out: dict[tuple[str, str], str] = {}
    for row in rows:  # later rows (increments) win
        worker = (row.get("caseworker") or "").strip()
        if worker:
            out[(row["office_no"].strip(), row["person_id"].strip())] = worker
    return out


class Worklist:
    """The findings of one result file with the decisions taken on them.

    Open with :meth:`Worklist.open`; read with :meth:`items` and the views;
    record decisions with :meth:`update`.

    >>> wl = Worklist.open("results.h5")
    >>> wl.update("97b35558cd308eba", user="k.sato", status="in_review", owner="K05")
    >>> wl.items(office_no="12111019", status="open")
    """

    def __init__(self, results: Results, log_path: Path, caseworkers: Mapping[tuple[str, str], str] | None,
                 user: str):
        ctx = results.access
        if ctx.role != "office_staff":
            results.audit_log.append(user=ctx.user, role=ctx.role, action="worklist.denied",
                                     office=",".join(ctx.offices), file=os.path.abspath(results.path))
            raise PermissionError(
                f"role {ctx.role} does not work findings: worklists name the people behind them and are for "
                "role office_staff (RECEPTOR_ROLE=office_staff, RECEPTOR_OFFICES=...)")
        self.results: Results = results
        self.log_path: Path = log_path
        self.user: str = user
        self._caseworkers = dict(caseworkers or {})
        self._findings = results.findings.copy()  # scoped and audited by the access layer
        self._seen: dict[str, dict] = {}  # finding_id -> the "seen" entry
        self._state: dict[str, dict] = {}  # finding_id -> current fields + updated_at/by
        self._history: list[dict] = []
        self._offset = 0  # bytes of the log applied so far
        self._lines = 0
        self._load_log()
        self._record_new_findings()
        self._audit_gone()

    # -- opening ---------------------------------------------------------

    @classmethod
    def open(cls, results: Results | str | os.PathLike, log_path: str | os.PathLike | None = None, *,
             recipients: str | os.PathLike | None = None, user: str | None = None,
             access: AccessContext | None = None) -> "Worklist":
        """Open the worklist of a result file.

        Parameters
        ----------
        results
            A :class:`~receptor.Results` or the path of a result file.
        log_path
            The decision log; default ``<results>.worklist.jsonl`` beside the
            result file. Created when missing. Keep the same log across
            re-runs: decisions follow findings by ``finding_id``.
        recipients
            The office's ``recipients.csv``: its ``caseworker`` column
            (地区担当員) assigns findings to caseworkers. Without it (and
            without a ``caseworker`` column in the findings) the owner is the
            caseworker.
        user
            Who opens it: recorded on the "seen" entries of new findings;
            default the access context's user.
        access
            Who reads, when ``results`` is a path (default
            :meth:`AccessContext.from_env`); a :class:`~receptor.Results`
            brings its own. Role ``office_staff`` only (``PermissionError``
            otherwise, logged as ``worklist.denied``).

        Findings not yet in the log are recorded as seen now (their
        ``first_seen``, from which :meth:`ageing` counts).
        """
        if not isinstance(results, Results):
            results = open_results(results, access)
        elif access is not None and access != results.access:
            raise ValueError("access: the Results were opened with another access context")
        log = Path(log_path) if log_path is not None else Path(results.path + ".worklist.jsonl")
        caseworkers = _read_caseworkers(recipients) if recipients is not None else None
        return cls(results, log, caseworkers, _check_user(user if user is not None else results.access.user))

    def _load_log(self) -> None:
        if self.log_path.exists():
            with open(self.log_path, "rb") as f:
                self._catch_up(f)

    def _catch_up(self, f) -> None:
        """Apply the entries written since this object last read the log (by anyone)."""
        f.seek(self._offset)
        data = f.read()
        if data and not data.endswith(b"\n"):
            line = self._lines + data.count(b"\n") + 1
            raise ValueError(f"{self.log_path}: line {line}: incomplete last entry "
                             "(a write was cut off); the log is append-only, repair it by hand")
        for number, line in enumerate(data.decode("utf-8").splitlines(), start=self._lines + 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                event, fid = entry["event"], entry["finding_id"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.log_path}: line {number}: not a worklist entry ({exc})") from None
            self._apply(entry, event, fid)
        self._offset += len(data)
        self._lines += data.count(b"\n")

    def _apply(self, entry: dict, event: str, fid: str) -> None:
        self._history.append(entry)
        if event == "seen":
            self._seen.setdefault(fid, entry)
            self._state.setdefault(fid, {"status": "open"})
        elif event == "update":
            state = self._state.setdefault(fid, {"status": "open"})
            state.update(entry["changes"])
            state["updated_at"] = entry["at"]
            state["updated_by"] = entry["user"]

    @contextmanager
    def _writing(self):
        """Hold the log exclusively, caught up with every entry others appended meanwhile.

        Several caseworkers may work one office's findings at once: each
        decision is validated against the latest state, and lines never
        interleave. Yields a function that appends entries (one write, fsync).
        """
        # O_APPEND: the kernel puts every write at the end, never over earlier bytes.
        fd = os.open(self.log_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b", buffering=0) as f:
            if fcntl is not None:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # released when the file closes
            self._catch_up(f)

            def append(entries: list[dict]) -> None:
                if not entries:
                    return
                payload = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n"
                                  for e in entries).encode("utf-8")
                f.write(payload)
                os.fsync(f.fileno())
                for e in entries:
                    self._apply(e, e["event"], e["finding_id"])
                self._offset += len(payload)
                self._lines += len(entries)

            yield append

    def _gone(self) -> pd.DataFrame:
        """Findings only the log knows (no longer reported), as this context may see them."""
        present = set(self._findings["finding_id"])
        gone_ids = [fid for fid in self._seen if fid not in present]
        gone = pd.DataFrame([{"finding_id": fid, **self._seen[fid].get("finding", {})} for fid in gone_ids],
                            columns=["finding_id", *_KEPT])
        for column in ("office_no", "person_id", "institution"):
            gone[column] = gone[column].fillna("").astype(str)
        # The log was written by whoever opened it first (maybe staff of every office): scope it here too.
        ctx = self.results.access
        institutions = None if ctx.all_offices or gone.empty else self.results._office_institutions()
        return apply_access("findings", gone, ctx, institutions=institutions)

    def _visible(self) -> set:
        return set(self._findings["finding_id"]) | set(self._gone()["finding_id"])

    def _audit_gone(self) -> None:
        """Findings shown from the log rather than the results are a read of personal data too."""
        gone = self._gone()
        if len(gone):
            ctx = self.results.access
            self.results.audit_log.append(
                user=ctx.user, role=ctx.role, action="worklist.read",
                office=",".join(sorted({o for o in gone["office_no"] if o})), subjects=list(gone["finding_id"]),
                rows=len(gone), file=os.path.abspath(self.results.path), worklist=os.path.abspath(self.log_path))

    def _record_new_findings(self) -> None:
        if self.log_path.exists() and self._findings["finding_id"].isin(list(self._seen)).all():
            return  # nothing new: opening only reads
        with self._writing() as append:
            now = _utc_now()
            new = self._findings[~self._findings["finding_id"].isin(list(self._seen))]
            append([{"event": "seen", "finding_id": str(row["finding_id"]), "at": now, "user": self.user,
                     "results": self.results.path,
                     "finding": {k: _plain(row.get(k)) for k in _KEPT if k in row}}
                    for row in new.to_dict("records")])

    # -- decisions -------------------------------------------------------

    def update(self, finding_id: str, *, user: str | None = None, status: str | None = None,
               outcome: str | None = None, owner: str | None = None, due: str | _dt.date | None = None,
               note: str | None = None) -> dict:
        """Record a decision on one finding; returns its state afterwards.

        Only the fields given change (``""`` clears owner, outcome, due or
        note). ``status`` is one of :data:`STATUSES`, ``outcome`` one of
        :data:`OUTCOMES`; a finding is ``done`` only with an outcome.
        ``finding_id`` must be a finding of the results or of the log that
        this context may see (``KeyError`` otherwise, the same for a finding
        of another office). ``user`` (default: the access context's user) is
        who decided. The decision is written to the audit log (``worklist.update``,
        subjects ``[finding_id]``, the names of the changed fields, not their
        values) and then to the worklist; both are on disk when this returns,
        and nothing is written to the worklist if the audit log cannot be.
        """
        ctx = self.results.access
        user = _check_user(user if user is not None else ctx.user)
        changes: dict[str, str] = {}
        if status is not None:
            if status not in STATUSES:
                raise ValueError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
            changes["status"] = status
        if outcome is not None:
            if outcome != "" and outcome not in OUTCOMES:
                raise ValueError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
            changes["outcome"] = outcome
        if owner is not None:
            changes["owner"] = str(owner).strip()
        if due is not None:
            changes["due"] = _due(due)
        if note is not None:
            changes["note"] = str(note)
        if not changes:
            raise ValueError("update: nothing to change (give status, outcome, owner, due or note)")
        with self._writing() as append:  # checked against the latest state, others' decisions included
            if finding_id not in self._seen or finding_id not in self._visible():
                raise KeyError(f"no finding {finding_id!r} in {self.results.path} or {self.log_path}")
            after = {**self._state.get(finding_id, {}), **changes}
            if after.get("status") == "done" and not after.get("outcome"):
                raise ValueError(f"{finding_id}: a finding is done only with an outcome ({', '.join(OUTCOMES)})")
            office = str(self._seen[finding_id].get("finding", {}).get("office_no") or "")
            extra = {"decided_by": user} if user != ctx.user else {}
            self.results.audit_log.append(  # first: no decision without its audit entry
                user=ctx.user, role=ctx.role, action="worklist.update", office=office, subjects=[finding_id],
                rows=1, item=finding_id, fields=sorted(changes), file=os.path.abspath(self.results.path),
                worklist=os.path.abspath(self.log_path), **extra)
            append([{"event": "update", "finding_id": finding_id, "at": _utc_now(), "user": user,
                     "changes": changes}])
        return self.state(finding_id)

    def state(self, finding_id: str) -> dict:
        """The current fields of one finding (status, outcome, owner, due, note, updated_at, updated_by)."""
        if finding_id not in self._seen or finding_id not in self._visible():
            raise KeyError(f"no finding {finding_id!r} in {self.results.path} or {self.log_path}")
        state = {k: "" for k in _FIELDS}
        state.update(self._state.get(finding_id, {}))
        if not self._findings["finding_id"].eq(finding_id).any():
            state["status"] = RESOLVED_BY_DATA
        return state

    def history(self, finding_id: str | None = None) -> pd.DataFrame:
        """Every log entry (or those of one finding): event, finding_id, at, user, changes."""
        visible = self._visible()
        rows = [e for e in self._history if e["finding_id"] in visible
                and (finding_id is None or e["finding_id"] == finding_id)]
        frame = pd.DataFrame(rows, columns=["event", "finding_id", "at", "user", "changes"])
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame

    # -- views -----------------------------------------------------------

    def items(self, *, office_no: str | None = None, caseworker: str | None = None,
              status: str | Iterable[str] | None = None, code: str | Iterable[str] | None = None) -> pd.DataFrame:
        """Findings with their current state, one row each, filtered by the arguments given.

        Findings of the results come first with their columns; findings only
        the log knows (no longer reported) follow with the columns kept when
        they were first seen and status ``resolved_by_data``. Added columns:
        ``caseworker``, ``status``, ``outcome``, ``owner``, ``due``, ``note``,
        ``first_seen``, ``updated_at``, ``updated_by``, ``in_results``.
        """
        present = self._findings.copy()
        present["in_results"] = True
        gone = self._gone()
        gone["in_results"] = False
        frames = [f for f in (present, gone) if len(f)] or [present]
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
        ids = df["finding_id"].astype(str).tolist()
        states = [self._state.get(fid, {}) for fid in ids]
        for name in _FIELDS:
            df[name] = [s.get(name, "") for s in states]
        df["status"] = np.where(df["in_results"].astype(bool), df["status"].replace("", "open"), RESOLVED_BY_DATA)
        df["first_seen"] = pd.to_datetime([self._seen[fid]["at"] if fid in self._seen else None for fid in ids],
                                          utc=True)
        df["updated_at"] = pd.to_datetime([s.get("updated_at") for s in states], utc=True)
        df["updated_by"] = [s.get("updated_by", "") for s in states]
        df["caseworker"] = self._caseworker_column(df)
        df = df[[c for c in df.columns if c not in _STATE_COLUMNS] + _STATE_COLUMNS]
        mask = np.ones(len(df), dtype=bool)
        if office_no is not None:
            mask &= (df["office_no"] == office_no).to_numpy(dtype=bool)
        if caseworker is not None:
            mask &= (df["caseworker"] == caseworker).to_numpy(dtype=bool)
        if status is not None:
            mask &= df["status"].isin([status] if isinstance(status, str) else list(status)).to_numpy(dtype=bool)
        if code is not None:
            mask &= df["code"].isin([code] if isinstance(code, str) else list(code)).to_numpy(dtype=bool)
        return df[mask].reset_index(drop=True)

    def _caseworker_column(self, df: pd.DataFrame) -> list[str]:
        if "caseworker" in self._findings.columns:  # a future results schema may carry it
            known = dict(zip(self._findings["finding_id"], self._findings["caseworker"]))
        else:
            known = {}
        out = []
        for fid, office, person, owner in zip(df["finding_id"], df["office_no"], df["person_id"], df["owner"]):
            worker = known.get(fid) or self._caseworkers.get((str(office), str(person)), "")
            out.append(worker or owner or "")
        return out

    def _counts(self, by: str) -> pd.DataFrame:
        df = self.items()
        table = pd.crosstab(df[by], df["status"]) if len(df) else pd.DataFrame()
        columns = [*STATUSES, RESOLVED_BY_DATA]
        table = table.reindex(columns=columns, fill_value=0)
        table.columns.name = None
        table["total"] = table[columns].sum(axis=1)
        return table

    def by_office(self) -> pd.DataFrame:
        """Findings per office (rows) by status (columns), with a total."""
        return self._counts("office_no")

    def by_caseworker(self) -> pd.DataFrame:
        """Findings per caseworker (rows; ``""`` = nobody assigned) by status (columns), with a total."""
        return self._counts("caseworker")

    def ageing(self, as_of: str | _dt.date | None = None, *, detail: bool = False) -> pd.DataFrame:
        """How long the findings still to be worked (open or in review) have been waiting.

        Days count from ``first_seen`` to ``as_of`` (default: today, UTC).
        Returns one row per office with the buckets ``0-30``, ``31-60``,
        ``61-90``, ``>90`` days as columns; ``detail=True`` returns the items
        themselves with ``days_open`` and ``age`` columns, oldest first.
        """
        day = pd.Timestamp(_due(as_of) if as_of is not None else _dt.datetime.now(_dt.timezone.utc).date())
        df = self.items(status=("open", "in_review"))
        seen = df["first_seen"].dt.tz_convert(None).dt.normalize()
        df["days_open"] = (day - seen).dt.days.astype("int64")
        df["age"] = pd.Categorical(pd.cut(df["days_open"], [-np.inf, 30, 60, 90, np.inf], labels=AGE_BUCKETS),
                                   categories=AGE_BUCKETS)
        if detail:
            return df.sort_values("days_open", ascending=False, kind="stable").reset_index(drop=True)
        table = pd.crosstab(df["office_no"], df["age"], dropna=False) if len(df) else pd.DataFrame()
        table = table.reindex(columns=list(AGE_BUCKETS), fill_value=0)
        table.columns = list(AGE_BUCKETS)
        return table

    def supervisor_summary(self, as_of: str | _dt.date | None = None) -> pd.DataFrame:
        """Unworked findings (status ``open``) per office and code: count, oldest first_seen, over 90 days."""
        aged = self.ageing(as_of, detail=True)
        aged = aged[aged["status"] == "open"]
        columns = ["unworked", "oldest", "over_90_days"]
        if aged.empty:
            return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_tuples([], names=["office_no", "code"]))
        grouped = aged.groupby(["office_no", "code"], sort=True)
        return pd.DataFrame({
            "unworked": grouped.size(),
            "oldest": grouped["first_seen"].min(),
            "over_90_days": grouped["days_open"].apply(lambda d: int((d > 90).sum())),
        })[columns]

    # -- export ----------------------------------------------------------

    def export_csv(self, path: str | os.PathLike, items: pd.DataFrame | None = None) -> Path:
        """Write the items (or the given frame) as CSV that Excel opens correctly: UTF-8 with BOM, CRLF; mode 600."""
        frame = _for_export(self.items() if items is None else items)
        path = _private(path)
        frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        return path

    def export_xlsx(self, path: str | os.PathLike, items: pd.DataFrame | None = None) -> Path:
        """Write the items (or the given frame) as an ``.xlsx`` workbook (needs openpyxl); mode 600."""
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            raise ImportError("export_xlsx needs openpyxl: pip install openpyxl") from None
        frame = _for_export(self.items() if items is None else items)
        path = _private(path)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="worklist", index=False)
            sheet = writer.sheets["worklist"]
            sheet.freeze_panes = "A2"
            for cells in sheet.columns:  # wide enough to read, not wider than a screen
                width = max((len(str(c.value)) for c in cells if c.value is not None), default=8)
                sheet.column_dimensions[cells[0].column_letter].width = min(max(width + 2, 8), 60)
        return path

    def __len__(self) -> int:
        """Findings this context sees: in the results, or only in the log (resolved by data)."""
        return len(self._visible())

    def __repr__(self) -> str:
        return f"Worklist({self.results.path!r}, log={str(self.log_path)!r}, findings={len(self)})"


def _private(path: str | os.PathLike) -> Path:
    """An empty file at ``path`` that only its owner may read: exports name people."""
    path = Path(path)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)
    return path


def _check_user(user) -> str:
    if not isinstance(user, str) or not user.strip():
        raise ValueError("user: say who does this (a non-empty name)")
    return user.strip()


def _for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as local-free text: Excel has no time zones."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
        elif isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(str)
    return out
