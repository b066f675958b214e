"""The month's batch, engine against its peers: time, throughput and receipt-by-receipt agreement.

Generates (or reuses) a scenario month, then in one process runs ``receptor run`` with
--threads 1 and 2, the pandas peer and the DuckDB peer on the same files; checks that every
peer gives every receipt the engine's status; prints a table and writes it as JSON.

    PYTHONPATH=build/dev/python python3 bench/batch.py --receipts 20000 --json /tmp/batch-20k.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

import receptor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import duckdb_match, pandas_match  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RECEPTOR = ROOT / "build" / "dev" / "actors" / "receptor"
# `receptor run` ends with `... -> OUT (X s: read a, match b, write c; at most N messages waiting at a SHARD)`.
ENGINE_SUMMARY = re.compile(r"\(([\d.]+) s: read ([\d.]+), match ([\d.]+), write ([\d.]+)[;)]")
SHOWN_DISAGREEMENTS = 20


@dataclass
class Run:
    """One tool's run over the month."""

    tool: str
    threads: int
    seconds: float
    receipts: int
    split: dict[str, float] = field(default_factory=dict)  # the engine's own read/match/write
    agreement: dict | None = None  # peers: against the engine
    truth: float | None = None  # share of receipts with the status of expected_status.csv


@dataclass
class Scenario:
    """The generated month and the paths a run needs."""

    root: Path

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    @property
    def recipients(self) -> Path:
        return self.root / "feed" / "recipients.csv"

    @property
    def tickets(self) -> list[Path]:
        return [self.root / "feed" / "tickets.csv", self.root / "feed" / "tickets_late.csv"]

    @property
    def other_schemes(self) -> Path:
        return self.root / "feed" / "other_schemes.csv"

    @property
    def expected(self) -> Path:
        return self.root / "expected_status.csv"


def prepare(receptor_exe: Path, out: Path, receipts: int, seed: int, reuse: bool) -> Scenario:
    """The scenario in `out`: generated, unless --reuse finds one there already."""
    scenario = Scenario(out)
    if reuse and scenario.expected.exists():
        print(f"reusing {out}", file=sys.stderr)
        return scenario
    subprocess.run([str(receptor_exe), "generate", "--scenario", "--out", str(out), "--receipts", str(receipts),
                    "--seed", str(seed)], check=True)
    return scenario


def run_engine(receptor_exe: Path, scenario: Scenario, threads: int) -> tuple[Run, pd.DataFrame]:
    """`receptor run` with `threads`; wall time, its own time split, and its statuses."""
    out = scenario.root / f"results-t{threads}.h5"
    command = [str(receptor_exe), "run", "--receipts", str(scenario.receipts),
               "--recipients", str(scenario.recipients),
               *[arg for t in scenario.tickets for arg in ("--tickets", str(t))],
               "--other-schemes", str(scenario.other_schemes), "--out", str(out), "--threads", str(threads)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, errors="replace")
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"receptor run failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = ENGINE_SUMMARY.search(done.stderr)
    if summary is None:
        raise RuntimeError(f"no time summary in receptor's stderr: {done.stderr[-500:]}")
    total, read, match, write = (float(x) for x in summary.groups())
    # Statuses are compared receipt by receipt with the truth: read as staff of every office.
    bench = receptor.AccessContext("bench", "office_staff", offices=("*",))
    receipts = receptor.open_results(str(out), bench).receipts
    statuses = pd.DataFrame({"file": receipts["source_file"].map(os.path.normpath),
                             "line": receipts["source_line"].astype("int64"),
                             "match_status": receipts["match_status"].astype(str),
                             "receipt_key": receipts["receipt_key"]})
    split = {"reported": total, "read": read, "match": match, "write": write}
    return Run("receptor run", threads, seconds, len(statuses), split), statuses


def run_peer(name: str, threads: int, peer: Callable[[list[str], str, list[str]], pd.DataFrame],
             scenario: Scenario) -> tuple[Run, pd.DataFrame]:
    """A peer's `match` end to end, timed by the wall clock."""
    started = time.perf_counter()
    result = peer([str(scenario.receipts)], str(scenario.recipients), [str(t) for t in scenario.tickets])
    seconds = time.perf_counter() - started
    result = result.assign(file=result["file"].map(os.path.normpath), line=result["line"].astype("int64"))
    return Run(name, threads, seconds, len(result)), result


def compare(engine: pd.DataFrame, peer: pd.DataFrame) -> dict:
    """Receipt-by-receipt agreement of a peer with the engine, keyed by (file, line)."""
    both = engine.merge(peer[["file", "line", "match_status"]], on=["file", "line"], how="outer",
                        suffixes=("_engine", "_peer"), indicator=True)
    differ = both[(both["_merge"] == "both") & (both["match_status_engine"] != both["match_status_peer"])]
    agreeing = int(((both["_merge"] == "both") & (both["match_status_engine"] == both["match_status_peer"])).sum())
    return {
        "receipts": len(both),
        "agreeing": agreeing,
        "percent": round(100.0 * agreeing / max(len(both), 1), 4),
        "only_engine": int((both["_merge"] == "left_only").sum()),
        "only_peer": int((both["_merge"] == "right_only").sum()),
        "disagreements": differ[["file", "line", "receipt_key", "match_status_engine", "match_status_peer"]]
        .head(SHOWN_DISAGREEMENTS).to_dict("records"),
        "disagreement_count": len(differ),
    }


def truth_share(expected: pd.DataFrame, statuses: pd.DataFrame) -> float:
    """Share of the generated receipts whose status equals the scenario's expected one."""
    mine = statuses.assign(file=statuses["file"].map(os.path.basename))
    both = expected.merge(mine, on=["file", "line"], how="left", suffixes=("", "_got"))
    return round(100.0 * float((both["match_status"] == both["match_status_got"]).mean()), 4)


def machine_facts() -> dict:
    """What the numbers were measured on."""
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True)
    return {
        "nproc": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "cpu": next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), platform.processor()),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "duckdb": duckdb.__version__,
        "git": head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else ""),
    }


def print_table(runs: list[Run], baseline: float) -> None:
    """The table: tool, threads, seconds, receipts/s, ratio vs engine (1 thread), split, agreement."""
    print(f"{'tool':<14} {'threads':>7} {'seconds':>9} {'receipts/s':>11} {'x engine':>9}  "
          f"{'engine split (read/match/write s)':<34} {'agreement':>10} {'truth':>8}")
    for r in runs:
        split = f"{r.split['read']:.2f} / {r.split['match']:.2f} / {r.split['write']:.2f}" if r.split else ""
        agreement = f"{r.agreement['percent']:.2f}%" if r.agreement else "-"
        truth = f"{r.truth:.2f}%" if r.truth is not None else "-"
        print(f"{r.tool:<14} {r.threads:>7} {r.seconds:>9.2f} {r.receipts / r.seconds:>11,.0f} "
              f"{r.seconds / baseline:>9.2f}  {split:<34} {agreement:>10} {truth:>8}")


def print_disagreements(runs: list[Run]) -> None:
    """Every peer's receipts that differ from the engine's, or that only one side has."""
    for r in runs:
        a = r.agreement
        if not a or not (a["disagreement_count"] or a["only_engine"] or a["only_peer"]):
            continue
        print(f"\n{r.tool}: {a['disagreement_count']} disagreements, {a['only_engine']} receipts only in the "
              f"engine, {a['only_peer']} only in the peer")
        for d in a["disagreements"]:
            print(f"  {d['file']}:{d['line']} {d['receipt_key']} engine {d['match_status_engine']!r} "
                  f"peer {d['match_status_peer']!r}")


def main() -> None:
    """Generate or reuse, run all four, compare, print, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=300_000, help="receipts of the month (default 300000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="scenario folder (default /tmp/receptor-batch-N-sS)")
    parser.add_argument("--reuse", action="store_true", help="reuse the scenario in --out if it is there")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--receptor", type=Path, default=DEFAULT_RECEPTOR, help="the receptor executable")
    args = parser.parse_args()
    out = args.out or Path(f"/tmp/receptor-batch-{args.receipts}-s{args.seed}")

    scenario = prepare(args.receptor, out, args.receipts, args.seed, args.reuse)
    facts = machine_facts()
    expected = pd.read_csv(scenario.expected, dtype={"match_status": str}, keep_default_na=False)

    runs: list[Run] = []
    engine_statuses = None
    for threads in (1, 2):
        run, statuses = run_engine(args.receptor, scenario, threads)
        run.truth = truth_share(expected, statuses)
        runs.append(run)
        if engine_statuses is None:
            engine_statuses = statuses
        print(f"engine --threads {threads}: {run.seconds:.2f} s", file=sys.stderr)
    peers = [("pandas", 1, pandas_match.match),
             ("duckdb", int(duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]),
              duckdb_match.match)]
    for name, threads, peer in peers:
        run, statuses = run_peer(name, threads, peer, scenario)
        run.agreement = compare(engine_statuses, statuses)
        run.truth = truth_share(expected, statuses)
        runs.append(run)
        print(f"{name}: {run.seconds:.2f} s, {run.agreement['percent']}% agreement", file=sys.stderr)
    facts["loadavg_after"] = os.getloadavg()

    print(f"\n{len(expected):,} receipts in {scenario.root}; nproc {facts['nproc']}, "
          f"load average {facts['loadavg'][0]:.2f} before, {facts['loadavg_after'][0]:.2f} after; "
          f"engine {facts['git']}")
    print_table(runs, runs[0].seconds)
    print_disagreements(runs)
    if args.json:
        args.json.write_text(json.dumps({
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": facts,
            "scenario": {"dir": str(scenario.root), "receipts": len(expected), "seed": args.seed},
            "runs": [asdict(r) for r in runs],
        }, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
