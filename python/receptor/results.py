"""Reading result files: plain h5py, no engine needed.

Identifier columns (``recipient_no``, quarantined ``raw`` rows, names,
addresses, birth dates) are sealed at rest (docs/privacy.md). They are opened
here when a master key is configured (``RECEPTOR_KEY_FILE``,
``RECEPTOR_MASTER_KEY`` or the default key file) and left as their sealed text
otherwise; ``Results.sealed`` and ``DataFrame.attrs["sealed"]`` say which.
"""

from __future__ import annotations

import json
import os
from functools import cached_property

import h5py
import numpy as np
import pandas as pd

from . import _core
from .access import AccessContext, guarded_read
from .audit import AuditLog, default_log_path

__all__ = ["Results", "open_results", "read_table"]

TABLES = ("receipts", "tickets", "findings", "scores_person", "scores_institution", "quarantine", "summary")


def _column(obj) -> np.ndarray | pd.api.extensions.ExtensionArray:
    kind = obj.attrs.get("encoding-type", "array")
    if kind == "string-array":
        return obj.asstr()[()]
    if kind == "nullable-integer":
        return pd.arrays.IntegerArray(obj["values"][()], obj["mask"][()])
    return obj[()]


def read_table(path: str | os.PathLike, name: str, access: AccessContext | None = None) -> pd.DataFrame:
    """One table of a result file as ``access`` may see it (see :func:`open_results`)."""
    return open_results(path, access).table(name)


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _read_stored(path: str | os.PathLike, name: str) -> pd.DataFrame:
    """One table as stored (anndata dataframe encoding). Unscoped: only :class:`Results` calls it.

    Sealed columns are opened with the configured master key; without one
    they keep their sealed text and are listed in ``DataFrame.attrs["sealed"]``.

    Raises
    ------
    ValueError
        If the file was sealed under another master key, or a sealed value
        was altered; the message names the file and column.
    """
    with h5py.File(path, "r") as f:
        g = f[name]
        if g.attrs.get("encoding-type") != "dataframe":
            raise ValueError(f"{path}: /{name} is not a dataframe group")
        order = [str(c) for c in g.attrs["column-order"]]
        columns = {k: _column(g[k]) for k in order}
        sealed = [k for k in order if int(g[k].attrs.get("sealed", 0)) == 1]
        key_id, wrapped = _text(f.attrs.get("key_id")), _text(f.attrs.get("data_key"))
    left_sealed = []
    if sealed and _core.privacy.key_id() is not None:
        for k in sealed:
            values = _core.privacy.open_values(f"{os.fspath(path)}: /{name}/{k}", key_id, wrapped, list(columns[k]))
            columns[k] = np.array(values, dtype=object)
    else:
        left_sealed = sealed
    # copy=False: each column stays the array h5py read, not a second copy in a pandas block.
    df = pd.DataFrame(columns, columns=order, copy=False)
    df.attrs["sealed"] = left_sealed
    return df


class Results:
    """A result file of `receptor run`: tables as DataFrames, read on first use.

    Every table is the view the access context may see, and every read is
    written to the audit log (see :mod:`receptor.access`).
    The file is opened only while a table is read, so a batch may replace it
    (write to a temporary name, then rename) while an analyst holds this object.
    """

    def __init__(self, path: str | os.PathLike, access: AccessContext, audit_log: AuditLog | None = None):
        self.path: str = os.fspath(path)
        self.access: AccessContext = access
        self.audit_log: AuditLog = audit_log or AuditLog(default_log_path(self.path))
        with h5py.File(self.path, "r") as f:
            if f.attrs.get("format") != "receptor-results":
                raise ValueError(f"{self.path}: not a receptor result file")
            self.attrs: dict = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        self.audit_log.append(user=access.user, role=access.role, action="open_results",
                              office=",".join(access.offices), file=os.path.abspath(self.path))

    @property
    def sealed(self) -> bool:
        """True when the file has sealed identifier columns and no master key
        is configured to open them: they read as their sealed text."""
        return "key_id" in self.attrs and _core.privacy.key_id() is None

    @property
    def schema_version(self) -> int:
        """The result file's ``schema_version`` (bumped when a meaning changes)."""
        return int(self.attrs["schema_version"])

    @property
    def config(self) -> dict:
        """Every threshold and option the run used."""
        return json.loads(self.attrs["config"])

    @property
    def inputs(self) -> list:
        """The input files: path, role, size and SHA-256 each."""
        return json.loads(self.attrs["inputs"])

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` as this context may see it; the read is audited."""
        return guarded_read(self.path, name, self.access, _read_stored, log=self.audit_log,
                            institutions=self._office_institutions)

    @cached_property
    def _institutions(self) -> frozenset:
        stored = _read_stored(self.path, "receipts")
        mine = stored["office_no"].astype(str).isin(self.access.offices)
        return frozenset(stored.loc[mine, "institution"].astype(str))

    def _office_institutions(self) -> frozenset:
        """Institutions named on the receipts of the context's offices (for institution-level rows)."""
        return self._institutions

    @cached_property
    def receipts(self) -> pd.DataFrame:
        """One row per receipt (after payer-side corrections): keys, source, person, match status."""
        return self.table("receipts")

    @cached_property
    def tickets(self) -> pd.DataFrame:
        """One row per ticket of the feed, with its use status."""
        return self.table("tickets")

    @cached_property
    def findings(self) -> pd.DataFrame:
        """One row per finding: finding_id, code, severity, who, where, value, detail."""
        return self.table("findings")

    @cached_property
    def scores_person(self) -> pd.DataFrame:
        """Anomaly score per person and month (empty until the engine scores)."""
        return self.table("scores_person")

    @cached_property
    def scores_institution(self) -> pd.DataFrame:
        """Anomaly score per institution and month (empty until the engine scores)."""
        return self.table("scores_institution")

    @cached_property
    def quarantine(self) -> pd.DataFrame:
        """Input rows that could not be read, with file, line and reason."""
        return self.table("quarantine")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per office and month: receipts by match status, points, findings."""
        return self.table("summary")

    def __repr__(self) -> str:
        return f"Results({self.path!r}, schema_version={self.schema_version}, role={self.access.role!r})"


def open_results(path: str | os.PathLike, access: AccessContext | None = None, *,
                 audit_log: str | os.PathLike | None = None) -> Results:
    """Open a result file written by `receptor run` or :meth:`Engine.run`.

    Parameters
    ----------
    path
        The result file.
    access
        Who reads: an :class:`~receptor.access.AccessContext`; None means
        :meth:`AccessContext.from_env` (``RECEPTOR_ROLE`` and friends), which
        raises PermissionError when no role is configured.
    audit_log
        Where reads are logged; default ``RECEPTOR_AUDIT_LOG``, else
        ``audit.log`` beside the result file.
    """
    ctx = access if access is not None else AccessContext.from_env()
    return Results(path, ctx, AuditLog(audit_log) if audit_log is not None else None)
