"""The audit log: append-only, hash-chained, one JSON object per line.

Every read of personal data and every change of a worklist item appends one
entry saying who (user, role), when (UTC), what (action, office, subjects,
rows). Each entry carries the hash of the one before it, so an edited,
removed or reordered entry breaks the chain and :meth:`AuditLog.verify`
names the first line where it breaks. The C++ side (retention purges)
writes the same format; ``docs/audit.md`` is its definition.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator

__all__ = ["AuditLog", "VerifyReport", "Problem", "canonical", "entry_hash", "default_log_path",
           "SUBJECTS_LISTED_UP_TO"]

#: Subjects are listed one by one up to this many; above it only their count is written.
SUBJECTS_LISTED_UP_TO = 100

_KEYS = ("seq", "ts", "user", "role", "action", "office", "subjects", "rows", "prev_hash", "hash")


def canonical(entry: dict) -> bytes:
    """The bytes an entry's hash covers: the entry without ``hash``, sorted keys, no spaces, UTF-8."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: dict) -> str:
    """SHA-256 hex of :func:`canonical`."""
    return hashlib.sha256(canonical(entry)).hexdigest()


def default_log_path(beside: str | os.PathLike | None = None) -> str:
    """``RECEPTOR_AUDIT_LOG`` if set, else ``audit.log`` in the folder of ``beside`` (a result file)."""
    env = os.environ.get("RECEPTOR_AUDIT_LOG")
    if env:
        return env
    if beside is None:
        raise ValueError("no audit log: set RECEPTOR_AUDIT_LOG or name the log with --log")
    return os.path.join(os.path.dirname(os.path.abspath(os.fspath(beside))), "audit.log")


def _utc_now() -> str:
    # The host clock is kept in sync (NTP/chrony, see docs/audit.md); we only format it.
    now = _dt.datetime.now(_dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _subjects(subjects) -> list | int:
    if subjects is None:
        return []
    if isinstance(subjects, int):
        return subjects
    items = sorted({str(s) for s in subjects if s is not None and str(s) != ""})
    return items if len(items) <= SUBJECTS_LISTED_UP_TO else len(items)


@dataclass(frozen=True)
class Problem:
    """Why one line of the log fails verification."""

    line: int
    kind: str  # "malformed", "edited", "broken_chain", "seq_gap", "truncated"
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.message}"


@dataclass
class VerifyReport:
    """The outcome of :meth:`AuditLog.verify`: ``ok``, entries checked, the first problem."""

    path: str
    entries: int = 0
    problem: Problem | None = None
    warnings: list = field(default_factory=list)
    last_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def __str__(self) -> str:
        if self.ok:
            # The last hash, kept elsewhere, is what shows that no entries were cut off the end.
            return f"{self.path}: ok, {self.entries} entries, chain intact, last hash {self.last_hash or '-'}"
        return f"{self.path}: {self.problem}"


class AuditLog:
    """An append-only audit log file.

    >>> log = AuditLog("audit.log")
    >>> log.append(user="sato", role="office_staff", action="read_table:findings",
    ...            office="12011011", subjects=["P0000502"], rows=1)
    """

    def __init__(self, path: str | os.PathLike):
        self.path: str = os.fspath(path)

    def append(self, *, user: str, role: str, action: str, office: str = "",
               subjects: Iterable | int | None = None, rows: int = 0, **extra) -> dict:
        """Append one entry under an exclusive lock; returns it as written.

        The previous entry is read under the same lock, so appends from several
        processes keep one valid chain. The line is fsync'd before the lock is
        released. ``extra`` keys (e.g. ``table``, ``detail``) are kept and hashed.
        """
        for key in extra:
            if key in _KEYS:
                raise TypeError(f"{key} is set by the log itself")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            if last is not None and os.pread(fd, 1, os.lseek(fd, 0, os.SEEK_END) - 1) != b"\n":
                raise ValueError(f"{self.path}: last line is incomplete (a write that did not finish); "
                                 "run `receptor audit verify` before writing more")
            if last is None:
                seq, prev = 1, ""
            else:
                try:
                    before = json.loads(last)
                    seq, prev = int(before["seq"]) + 1, str(before["hash"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{self.path}: last line is not an audit entry ({exc}); "
                                     "run `receptor audit verify` before writing more") from None
            entry = {"seq": seq, "ts": _utc_now(), "user": str(user), "role": str(role), "action": str(action),
                     "office": str(office or ""), "subjects": _subjects(subjects), "rows": int(rows),
                     "prev_hash": prev, **extra}
            entry["hash"] = entry_hash(entry)
            line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
            return entry
        finally:
            os.close(fd)  # closing releases the lock

    def entries(self) -> Iterator[dict]:
        """The entries in file order (raises ValueError on a line that is not JSON)."""
        with open(self.path, "rb") as f:
            lines = f.read().splitlines()
        for n, raw in enumerate(lines, 1):
            try:
                yield json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise ValueError(f"{self.path}: line {n} is not a JSON object: {exc}") from None

    def verify(self, anchor: str | None = None) -> VerifyReport:
        """Check every line: well-formed, hash matches content, chain and seq continuous.

        Reports the first bad line: ``edited`` (the content does not give the
        stored hash), ``broken_chain`` (``prev_hash`` is not the hash of the line
        before: a line was removed, inserted or moved), ``seq_gap`` (numbering
        skips or repeats), ``malformed`` (not a complete JSON entry, e.g. a
        truncated write). ``anchor``: a hash an earlier verify reported as last;
        if no entry carries it, entries were cut off the end (``truncated``),
        which the chain alone cannot show.
        """
        report = VerifyReport(self.path)
        if not os.path.exists(self.path):
            report.problem = Problem(0, "malformed", "no such file")
            return report
        prev_hash, prev_seq, prev_ts = "", 0, ""
        with open(self.path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        elif lines:
            # A last line without its newline is a write that did not finish.
            report.problem = Problem(len(lines), "malformed", "last line has no newline (truncated write?)")
            return report
        for n, raw in enumerate(lines, 1):
            try:
                entry = json.loads(raw.decode("utf-8"))
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
            except (UnicodeDecodeError, ValueError) as exc:
                report.problem = Problem(n, "malformed", f"not a JSON object ({exc})")
                return report
            missing = [k for k in _KEYS if k not in entry]
            if missing:
                report.problem = Problem(n, "malformed", f"missing keys {', '.join(missing)}")
                return report
            if entry_hash(entry) != entry["hash"]:
                report.problem = Problem(n, "edited", f"entry seq {entry['seq']} does not match its hash")
                return report
            if entry["prev_hash"] != prev_hash:
                report.problem = Problem(n, "broken_chain",
                                         f"entry seq {entry['seq']} does not follow the line before it "
                                         "(an entry was removed, inserted or moved)")
                return report
            if entry["seq"] != prev_seq + 1:
                report.problem = Problem(n, "seq_gap", f"seq {entry['seq']} after {prev_seq}")
                return report
            if prev_ts and str(entry["ts"]) < prev_ts:
                report.warnings.append(f"line {n}: time {entry['ts']} is before the previous entry's {prev_ts}")
            prev_hash, prev_seq, prev_ts = entry["hash"], entry["seq"], str(entry["ts"])
            report.entries += 1
            report.last_hash = prev_hash
            if anchor and prev_hash == anchor:
                anchor = None
        if anchor:
            report.problem = Problem(report.entries + 1, "truncated",
                                     f"no entry has the anchor hash {anchor}: entries after it were removed")
        return report


def _last_line(fd: int) -> bytes | None:
    """The last complete line of the file open at ``fd`` (None for an empty file)."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return None
    chunk = 4096
    pos = size
    tail = b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        tail = os.pread(fd, step, pos) + tail
        body = tail[:-1] if tail.endswith(b"\n") else tail
        cut = body.rfind(b"\n")
        if cut >= 0:
            return body[cut + 1:]
    return tail[:-1] if tail.endswith(b"\n") else tail
