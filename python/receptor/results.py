"""Reading result files: plain h5py, no engine needed."""

from __future__ import annotations

import json
import os
from functools import cached_property

import h5py
import numpy as np
import pandas as pd

__all__ = ["Results", "open_results", "read_table"]

TABLES = ("receipts", "tickets", "findings", "scores_person", "scores_institution", "quarantine", "summary")


def _column(obj) -> np.ndarray | pd.api.extensions.ExtensionArray:
    kind = obj.attrs.get("encoding-type", "array")
    if kind == "string-array":
        return obj.asstr()[()]
    if kind == "nullable-integer":
        return pd.arrays.IntegerArray(obj["values"][()], obj["mask"][()])
    return obj[()]


def read_table(path: str | os.PathLike, name: str) -> pd.DataFrame:
    """One table of a result file as a DataFrame (anndata dataframe encoding)."""
    with h5py.File(path, "r") as f:
        g = f[name]
        if g.attrs.get("encoding-type") != "dataframe":
            raise ValueError(f"{path}: /{name} is not a dataframe group")
        order = [str(c) for c in g.attrs["column-order"]]
        # copy=False: each column stays the array h5py read, not a second copy in a pandas block.
        return pd.DataFrame({k: _column(g[k]) for k in order}, columns=order, copy=False)


class Results:
    """A result file of `receptor run`: tables as DataFrames, read on first use.

    The file is opened only while a table is read, so a batch may replace it
    (write to a temporary name, then rename) while an analyst holds this object.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        with h5py.File(self.path, "r") as f:
            if f.attrs.get("format") != "receptor-results":
                raise ValueError(f"{self.path}: not a receptor result file")
            self.attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

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
        """Any table of the file by name, read now (not cached)."""
        return read_table(self.path, name)

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
        return f"Results({self.path!r}, schema_version={self.schema_version})"


def open_results(path: str | os.PathLike) -> Results:
    """Open a result file written by `receptor run` or :meth:`Engine.run`."""
    return Results(path)
