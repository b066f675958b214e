"""Data for the notebooks: an office's result file, or a generated scenario run once and cached.

Set ``RECEPTOR_NOTEBOOK_DATA`` to a result file (and optionally
``RECEPTOR_NOTEBOOK_RECIPIENTS`` to its ``recipients.csv``) to look at real
results. Otherwise :func:`load` generates a payer-side scenario with
``receptor generate --scenario`` (several months where the generator offers
``--months``), runs the Engine over it, and keeps both in a cache folder
(``RECEPTOR_NOTEBOOK_CACHE``, default ``~/.cache/receptor/notebooks``) so the
next notebook starts at once.

Notebooks are an analyst's tool: unless ``RECEPTOR_ROLE`` is set, results are
opened as role ``analyst`` (pseudonymised person and receipt ids, no names,
受給者番号 or free text) with a pseudonym key that :func:`load` creates in the
cache folder (``pseudonym.key``, mode 600) the first time. Set
``RECEPTOR_ROLE`` (and its companions, see docs/audit.md) to read otherwise,
e.g. as office staff, who also see the worklist and the receipt view.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import receptor
from receptor import _core

RECEIPTS = 3000  # per month: enough for every injected case, small enough to run in seconds
SEED = 7
MONTHS = 3
RECEIPT_PATTERNS = ("*RECODEINFO*.CSV", "*.UKE", "*.CYO")


@dataclass
class NotebookData:
    """Where the notebook's data are."""

    results_path: Path
    masters_dir: Path | None
    recipients: Path | None  # the office's recipients.csv (caseworkers), when known
    scenario_dir: Path | None  # the generated scenario, None for given results
    months: int
    access: receptor.AccessContext | None = None  # None: from RECEPTOR_ROLE and friends

    @property
    def results(self) -> receptor.Results:
        """The result file as this notebook's access context sees it (every read audited)."""
        return receptor.open_results(self.results_path, self.access)

    @property
    def role(self) -> str:
        return (self.access or receptor.AccessContext.from_env()).role


def _cache() -> Path:
    return Path(os.environ.get("RECEPTOR_NOTEBOOK_CACHE") or Path.home() / ".cache" / "receptor" / "notebooks")


def _user() -> str:
    try:
        return os.environ.get("RECEPTOR_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "analyst"


def access() -> receptor.AccessContext | None:
    """The notebook's reader: None when ``RECEPTOR_ROLE`` says who reads, else an analyst with the cache's key.

    The key (32 random bytes as hex) is made once, readable by its owner only;
    ``AccessContext.from_env`` refuses it if its mode was loosened since.
    """
    if os.environ.get("RECEPTOR_ROLE", "").strip():
        return None
    key = _cache() / "pseudonym.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    return receptor.AccessContext.from_env({"RECEPTOR_ROLE": "analyst", "RECEPTOR_USER": _user(),
                                            "RECEPTOR_PSEUDONYM_KEY_FILE": str(key)})


def _native() -> str | None:
    exe = os.environ.get("RECEPTOR_BIN") or shutil.which("receptor")
    return exe if exe and Path(exe).exists() else None


def _generate(folder: Path, masters: Path | None) -> int:
    """Write the scenario into ``folder``; returns the number of months generated."""
    exe = _native()
    if exe:
        help_text = subprocess.run([exe, "generate", "--help"], capture_output=True, text=True).stdout
        months = MONTHS if "--months" in help_text else 1
        cmd = [exe, "generate", "--out", str(folder), "--scenario", "--payer-side", "--receipts", str(RECEIPTS),
               "--seed", str(SEED)]
        if masters is not None:
            cmd += ["--masters", str(masters)]
        if months > 1:
            cmd += ["--months", str(months)]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        return months
    m = receptor.load_masters(masters) if masters is not None else None
    _core.generate_scenario(str(folder), receipts=RECEIPTS, seed=SEED, payer_side=True, masters=m)
    return 1


def _receipt_files(folder: Path) -> list[Path]:
    """Receipt files anywhere under the scenario (one folder per month or one for all)."""
    return sorted({p for pattern in RECEIPT_PATTERNS for p in folder.rglob(pattern)})


def _feed(folder: Path, pattern: str) -> list[Path]:
    """Feed files of one kind, month by month; within a folder the first delivery before the late ones."""
    return sorted(folder.rglob(pattern), key=lambda p: (str(p.parent), "_" in p.stem, p.name))


def _run(folder: Path, out: Path, ctx: receptor.AccessContext | None) -> None:
    with receptor.Engine(shards=4, threads=2) as engine:
        engine.load(recipients=_feed(folder, "recipients*.csv"), tickets=_feed(folder, "tickets*.csv"),
                    other_schemes=_feed(folder, "other_schemes*.csv"))
        engine.run(_receipt_files(folder), out, access=ctx)


def load(refresh: bool = False) -> NotebookData:
    """The data every notebook starts from (generated and cached on first use)."""
    masters = receptor.default_masters_dir()
    ctx = access()
    given = os.environ.get("RECEPTOR_NOTEBOOK_DATA")
    if given:
        recipients = os.environ.get("RECEPTOR_NOTEBOOK_RECIPIENTS")
        return NotebookData(Path(given), masters, Path(recipients) if recipients else None, None, 0, ctx)
    folder = _cache() / f"scenario-{receptor.__version__}-{RECEIPTS}-{SEED}"
    done = folder / "done.json"
    if refresh or not done.exists():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        months = _generate(folder, masters)
        _run(folder, folder / "results.h5", ctx)
        done.write_text(json.dumps({"months": months}), encoding="utf-8")
    recipients = _feed(folder, "recipients*.csv")
    months = json.loads(done.read_text(encoding="utf-8"))["months"]
    return NotebookData(folder / "results.h5", masters, recipients[-1] if recipients else None, folder, months, ctx)


def nothing_found(what: str, why: str | None = None) -> None:
    """Say clearly in the notebook that there is nothing to show, and why that may be."""
    from IPython.display import Markdown, display

    why = why or "the result file has no rows for it: nothing crossed the check's threshold"
    display(Markdown(f"**Nothing found: {what}.** ({why})"))


DRUG_COLUMNS = ["office_no", "person_id", "month", "kind", "institution", "prescriber", "receipt_key", "code",
                "item_name", "quantity", "days", "total", "psychotropic", "generic", "brand_with_generic",
                "generic_name_code"]


def drug_lines(results: receptor.Results, masters=None) -> pd.DataFrame:
    """Every drug (IY) line of the results' receipts, with who, where and the drug's master flags.

    Columns: office_no, person_id, month, kind, institution, prescriber (the
    prescribing institution: the claim's own for 医科/DPC, the RE prescriber
    for 調剤), receipt_key, code, item_name, quantity, days, total (quantity ×
    days), psychotropic, generic, brand_with_generic, generic_name_code.

    The lines are read from the receipt files and joined to their receipts by
    file and line, which only the stored table has; the joined table then goes
    through the access layer like any result table (``drug_lines``: scoped to
    the offices of office staff, person_id and receipt_key as pseudonyms for
    analysts, refused to the operator), and the read is audited.
    """
    m = receptor.load_masters(masters) if not isinstance(masters, _core.Masters) else masters
    ctx = results.access
    needs = ctx.role == "office_staff" and not ctx.all_offices
    return receptor.access.guarded_read(results.path, "drug_lines", ctx, lambda path, _: _drug_lines(path, m),
                                        log=results.audit_log,
                                        institutions=results._office_institutions if needs else None)


def _drug_lines(path, m) -> pd.DataFrame:
    from receptor.results import _read_stored  # unscoped: guarded_read scopes and logs what this returns

    keyed = _read_stored(path, "receipts")[["receipt_key", "source_file", "source_line", "office_no", "person_id",
                                            "month", "kind", "institution"]]
    frames = []
    for source in keyed["source_file"].unique():
        where = Path(source)
        if not where.is_absolute() and not where.exists():
            where = Path(path).parent / where
        f = receptor.read_receipts(where, m)
        lines = f.lines[f.lines["record"] == "IY"]
        if lines.empty:
            continue
        rec = f.receipts.iloc[lines["receipt"].to_numpy()]
        frames.append(pd.DataFrame({
            "source_file": source,
            "source_line": rec["source_line"].to_numpy(),
            "prescriber": np.where(rec["kind"].to_numpy() == "調剤", rec["prescriber"].to_numpy(),
                                   rec["institution"].to_numpy()),
            "code": lines["code"].to_numpy(),
            "item_name": lines["item_name"].to_numpy(),
            "quantity": lines["quantity"].to_numpy(),
            "days": lines["count"].fillna(1).to_numpy(dtype=np.int64),
        }))
    if not frames:
        return pd.DataFrame(columns=DRUG_COLUMNS)
    out = pd.concat(frames, ignore_index=True).merge(keyed, on=["source_file", "source_line"], how="inner")
    out["total"] = out["quantity"].fillna(0) * out["days"]
    flags = m.drug_flags(out["code"].to_numpy(dtype=np.uint32))
    for name in ("psychotropic", "generic", "brand_with_generic"):
        out[name] = flags[name].astype(bool)
    out["generic_name_code"] = flags["generic_name_code"]
    return out[DRUG_COLUMNS]
