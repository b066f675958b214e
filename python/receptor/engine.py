"""The Engine: the actor runtime behind a context manager."""

from __future__ import annotations

import os
import threading
from typing import Callable, Iterable

from . import _core
from ._masters import default_masters_dir
from .access import AccessContext
from .results import Results, open_results

__all__ = ["Engine"]

Paths = "str | os.PathLike | Iterable[str | os.PathLike]"


def _paths(p) -> list[str]:
    if p is None:
        return []
    if isinstance(p, (str, os.PathLike)):
        return [os.fspath(p)]
    return [os.fspath(x) for x in p]


class Engine:
    """Load the office's feed, then match receipt deliveries against it.

    >>> with Engine(shards=8, threads=2) as engine:
    ...     engine.load(recipients="recipients.csv", tickets=["tickets.csv", "tickets_late.csv"])
    ...     results = engine.run(["deliveries/2024-07"], "results.h5")

    Work happens in C++ actors with the GIL released. ``close()`` stops them
    and is safe to call twice; leaving the ``with`` block calls it.

    After each run ``last_summary`` holds its counts: ``files``, ``parsed``,
    ``skipped``, ``receipts``, ``rematched``, ``quarantined``, ``by_status``,
    ``findings_by_code``, ``seconds`` (read, match, write, total) and
    ``peak_shard_mailbox`` (the most messages any SHARD had waiting while
    claims arrived: the READERs' windows bound it).
    """

    def __init__(self, shards: int = 8, threads: int = 2, batch_size: int = 2048, window: int = 8, *,
                 masters: str | os.PathLike | None = None, config: str | os.PathLike | None = None):
        """Start the actor system.

        Parameters
        ----------
        shards, threads, batch_size, window
            How the work is spread; results never depend on them.
        masters
            Folder of the 支払基金 master files the checks read (default:
            :func:`receptor.default_masters_dir`).
        config
            Thresholds of the checks and scores (``data/config/receptor.conf``
            lists the built-in defaults).
        """
        if masters is None:
            found = default_masters_dir()
            masters = found if found is not None else ""
        self._engine = _core.Engine(shards=shards, threads=threads, batch_size=batch_size, window=window,
                                    masters=os.fspath(masters), config=os.fspath(config) if config else "")
        self._cancel_load = threading.Event()
        self.last_summary: dict | None = None

    def load(self, recipients=None, tickets=None, other_schemes=None, *,
             progress: Callable[[str, int, int], None] | None = None) -> list[dict]:
        """Load feed files (each argument a path or a list of paths); returns their row counts.

        ``progress("load", done, total)`` is called after each file;
        ``cancel()`` from another thread stops before the next file with
        ``RuntimeError("load cancelled")`` (files loaded so far stay loaded).
        """
        files = [(kind, path) for kind, paths in (("recipients", recipients), ("tickets", tickets),
                                                  ("other_schemes", other_schemes)) for path in _paths(paths)]
        self._cancel_load.clear()
        reports = []
        if progress is not None:
            progress("load", 0, len(files))
        for done, (kind, path) in enumerate(files, start=1):
            if self._cancel_load.is_set():
                raise RuntimeError("load cancelled")
            reports.append(self._engine.load_feed(kind, path))
            if progress is not None:
                progress("load", done, len(files))
        return reports

    def run(self, receipts, out: str | os.PathLike,
            progress: Callable[[str, int, int], None] | None = None, *,
            access: AccessContext | None = None) -> Results:
        """Match receipt files (files or folders) and write the result file ``out``.

        ``progress(stage, done, total)`` is called from this thread while the
        run goes on; ``cancel()`` from another thread stops it. The result is
        opened for ``access`` (default :meth:`AccessContext.from_env`, checked
        before the run starts).
        """
        ctx = access if access is not None else AccessContext.from_env()
        self.last_summary = self._engine.run(_paths(receipts), os.fspath(out), progress)
        return open_results(out, ctx)

    def ingest(self, store: str | os.PathLike, receipts=None, out: str | os.PathLike = None, *,
               recipients=None, tickets=None, other_schemes=None,
               progress: Callable[[str, int, int], None] | None = None,
               access: AccessContext | None = None) -> Results:
        """Store mode, the nightly batch: add new deliveries to the store, then match all it holds.

        A delivery whose content the store already holds is skipped; receipts
        read on an earlier night are not parsed again, and only the people the
        new deliveries touch are matched again. The result equals :meth:`run`
        over the same files with the same feed. ``access`` as in :meth:`run`.
        """
        return self._ingest(store, receipts, out, recipients, tickets, other_schemes, progress, [], [], access)

    def rematch(self, store: str | os.PathLike, out: str | os.PathLike, *,
                people: Iterable[tuple[str, str]] = (), months: Iterable[int] = (),
                tickets=None, recipients=None, other_schemes=None,
                progress: Callable[[str, int, int], None] | None = None,
                access: AccessContext | None = None) -> Results:
        """Match again the given people ``(office_no, person_id)`` and months (``YYYYMM``).

        With corrected feed files (e.g. ``tickets=``), the people those touch
        are matched again too. Everything else keeps its outcome. ``access`` as in :meth:`run`.
        """
        return self._ingest(store, None, out, recipients, tickets, other_schemes, progress,
                            [(str(o), str(p)) for o, p in people], [int(m) for m in months], access)

    def _ingest(self, store, receipts, out, recipients, tickets, other_schemes, progress, people, months, access):
        ctx = access if access is not None else AccessContext.from_env()
        feed = [(kind, p) for kind, paths in (("recipients", recipients), ("tickets", tickets),
                                              ("other_schemes", other_schemes)) for p in _paths(paths)]
        self.last_summary = self._engine.ingest(os.fspath(store), _paths(receipts), feed, os.fspath(out), progress,
                                                people, months)
        return open_results(out, ctx)

    def purge(self, store: str | os.PathLike, older_than_months: int) -> dict:
        """Retention: remove old receipt deliveries from the store (docs/privacy.md).

        Every receipt delivery whose care months all lie more than
        ``older_than_months`` months before the newest care month held is
        removed with its kept claims, and so is the store's ``latest.h5``
        (the next :meth:`ingest` matches what remains in full). One entry is
        appended to the audit log (``RECEPTOR_AUDIT_LOG``, else
        ``store/audit.jsonl``).

        Returns
        -------
        dict
            ``newest_month``, ``cutoff_month`` (YYYYMM), ``deliveries`` (the
            SHA-256 of each removed), ``receipts`` removed, ``kept``,
            ``unknown`` (kept because not read yet) and ``orphans`` (files a
            crash left unnamed in the store, removed).
        """
        return self._engine.purge(os.fspath(store), int(older_than_months))

    def cancel(self) -> None:
        """Ask a running :meth:`load`, :meth:`run` or :meth:`ingest` (in another thread) to stop."""
        self._cancel_load.set()
        self._engine.cancel()

    def close(self) -> None:
        """Stop the actors and free the loaded feed; safe to call twice."""
        self._engine.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._engine.closed

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
