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

__all__ = ["Results", "open_results", "read_table"]

TABLES = ("receipts", "tickets", "findings", "scores_person", "scores_institution", "quarantine", "summary")


def _column(obj) -> np.ndarray | pd.api.extensions.ExtensionArray:
    kind = obj.attrs.get("encoding-type", "array")
    if kind == "string-array":
        return obj.asstr()[()]
    if kind == "nullable-integer":
        return pd.arrays.IntegerArray(obj["values"][()], obj["mask"][()])
    return obj[()]


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def read_table(path: str | os.PathLike, name: str) -> pd.DataFrame:
    """One table of a result file as a DataFrame (anndata dataframe encoding).

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
    df = pd.DataFrame(columns, columns=order)
    df.attrs["sealed"] = left_sealed
    return df


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
    def sealed(self) -> bool:
        """True when the file has sealed identifier columns and no master key
        is configured to open them: they read as their sealed text."""
        return "key_id" in self.attrs and _core.privacy.key_id() is None

    @property
    def schema_version(self) -> int:
        return int(self.attrs["schema_version"])

    @property
    def config(self) -> dict:
        return json.loads(self.attrs["config"])

    @property
    def inputs(self) -> list:
        return json.loads(self.attrs["inputs"])

    def table(self, name: str) -> pd.DataFrame:
        return read_table(self.path, name)

    @cached_property
    def receipts(self) -> pd.DataFrame:
        return self.table("receipts")

    @cached_property
    def tickets(self) -> pd.DataFrame:
        return self.table("tickets")

    @cached_property
    def findings(self) -> pd.DataFrame:
        return self.table("findings")

    @cached_property
    def scores_person(self) -> pd.DataFrame:
        return self.table("scores_person")

    @cached_property
    def scores_institution(self) -> pd.DataFrame:
        return self.table("scores_institution")

    @cached_property
    def quarantine(self) -> pd.DataFrame:
        return self.table("quarantine")

    @cached_property
    def summary(self) -> pd.DataFrame:
        return self.table("summary")

    def __repr__(self) -> str:
        return f"Results({self.path!r}, schema_version={self.schema_version})"


def open_results(path: str | os.PathLike) -> Results:
    """Open a result file written by `receptor run` or :meth:`Engine.run`."""
    return Results(path)
