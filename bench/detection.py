"""Does Receptor find what matters? Rules and scores against a generated truth.

Generates (or reuses) a multi-month scenario with injected behaviour (`receptor generate --scenario --months N`:
`behaviour_truth.csv` lists every expected finding and every near miss, `anomaly_truth.csv` every injected person and
institution), runs the engine over it, then reports

* per rule: precision and recall against the truth, and how many near misses were (wrongly) found;
* for the anomaly scores: the rank of every injected person and institution and the ROC AUC, beside scikit-learn's
  IsolationForest on the same features (the `f_` columns of the score tables) as a baseline.

    python3 bench/detection.py --receipts 300000 --months 3 --offices 24 --prefecture 27 \
        --json /tmp/detection.json                                        # Osaka-city scale

Needs scikit-learn (`pip install -r bench/requirements.txt`). The numbers in docs/detection.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RECEPTOR = ROOT / "build" / "dev" / "actors" / "receptor"


def read_table(path: Path, name: str) -> pd.DataFrame:
    """A result table with plain h5py (the data is generated: no access context needed)."""
    with h5py.File(path, "r") as f:
        group = f[name]
        columns = {}
        for key in group.attrs["column-order"]:
            values = group[key][()]
            if values.dtype.kind in "OS":
                values = [v.decode() if isinstance(v, bytes) else v for v in values]
            columns[key] = values
        return pd.DataFrame(columns)


def generate(receptor: Path, out: Path, receipts: int, months: int, month: str, seed: int,
             extra: list[str]) -> float:
    if (out / "behaviour_truth.csv").exists():
        return 0.0
    started = time.perf_counter()
    subprocess.run([str(receptor), "generate", "--scenario", "--out", str(out), "--receipts", str(receipts),
                    "--months", str(months), "--month", month, "--seed", str(seed),
                    "--masters", str(ROOT / "data" / "masters"), *extra], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run_engine(receptor: Path, scenario: Path, out: Path, threads: int) -> tuple[float, str]:
    feed = scenario / "feed"
    command = [str(receptor), "run", "--receipts", str(scenario / "receipts"),
               "--recipients", str(feed / "recipients.csv"), "--tickets", str(feed / "tickets.csv"),
               "--other-schemes", str(feed / "other_schemes.csv"), "--out", str(out), "--threads", str(threads),
               "--masters", str(ROOT / "data" / "masters")]
    late = feed / "tickets_late.csv"
    if late.exists():
        command[command.index("--other-schemes"):command.index("--other-schemes")] = ["--tickets", str(late)]
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stderr.strip().splitlines()[-1] if done.stderr else ""


def rule_report(truth: pd.DataFrame, findings: pd.DataFrame, receipts: pd.DataFrame) -> list[dict]:
    """Precision and recall per code; near misses (expected = 0) must not be found."""
    # Truth names files relative to the receipts folder (YYYY-MM/NAME when there are several months).
    named = truth["file"].dropna()
    depth = 1 + (named.str.count("/").max() if len(named) else 0)
    place = {("/".join(Path(f).parts[-depth:]), int(line)): key
             for f, line, key in zip(receipts.source_file, receipts.source_line, receipts.receipt_key)}
    rows = []
    for code, cases in truth.groupby("code"):
        found = findings[findings.code == code]
        receipt_level = cases["file"].notna().any()

        def key_of(r) -> tuple:
            if receipt_level:
                return (place.get((r["file"], int(r["line"])), f"missing:{r['file']}:{r['line']}"),)
            institution = r["institution"] if isinstance(r["institution"], str) else ""
            return (r["office_no"], r["person_id"], r["month"].replace("-", ""), institution)

        def found_key(f, with_institution: bool) -> tuple:
            if receipt_level:
                return (f.receipt_key,)
            return (f.office_no, f.person_id, str(f.month).replace("-", ""), f.institution if with_institution else "")

        with_institution = (cases["institution"].fillna("") != "").any()
        found_keys = {found_key(f, with_institution) for f in found.itertuples()}
        positives = {key_of(r) for _, r in cases[cases.expected == "1"].iterrows()}
        near = {key_of(r) for _, r in cases[cases.expected == "0"].iterrows()}
        hit = positives & found_keys
        rows.append({
            "code": code, "injected": len(positives), "near_misses": len(near), "found": len(found_keys),
            "true_positives": len(hit),
            "precision": len(hit) / len(found_keys) if found_keys else float("nan"),
            "recall": len(hit) / len(positives) if positives else float("nan"),
            "near_misses_found": len(near & found_keys),
        })
    return rows


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC by the rank statistic (ties count half)."""
    order = pd.Series(scores).rank(method="average").to_numpy()
    n_pos, n_neg = positive.sum(), (~positive).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((order[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def ranks(scores: np.ndarray) -> np.ndarray:
    """1 = highest score."""
    return pd.Series(-scores).rank(method="min").to_numpy().astype(int)


def isolation_forest(features: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=200, random_state=seed, n_jobs=1)
    forest.fit(features)
    return -forest.score_samples(features)  # higher = more anomalous


def anomaly_report(scores: pd.DataFrame, truth: pd.DataFrame, kind: str, seed: int) -> dict:
    features = scores[[c for c in scores.columns if c.startswith("f_")]].to_numpy(dtype=float)
    if kind == "person":
        keys = list(zip(scores.office_no, scores.person_id))
        wanted = {(o, p) for o, p in zip(truth.office_no, truth.person_id)}
        injection = {(o, p): i for o, p, i in zip(truth.office_no, truth.person_id, truth.injection)}
    else:
        keys = list(scores.institution)
        wanted = set(truth.institution)
        injection = dict(zip(truth.institution, truth.injection))
    positive = np.array([k in wanted for k in keys])
    started = time.perf_counter()
    forest = isolation_forest(features, seed)
    forest_seconds = time.perf_counter() - started
    engine_rank, forest_rank = ranks(scores.score.to_numpy()), ranks(forest)
    subjects = []
    for key in sorted(wanted, key=str):
        at = [i for i, k in enumerate(keys) if k == key]
        if not at:
            subjects.append({"subject": "|".join(key) if isinstance(key, tuple) else key, "months": 0})
            continue
        best = min(at, key=lambda i: engine_rank[i])
        subjects.append({
            "subject": "|".join(key) if isinstance(key, tuple) else key, "injection": injection[key],
            "month": scores.month.iloc[best], "engine_rank": int(engine_rank[best]),
            "forest_rank": int(min(forest_rank[i] for i in at)), "score": float(scores.score.iloc[best]),
            "top_features": scores.top_features.iloc[best],
        })
    return {
        "rows": len(scores), "injected_rows": int(positive.sum()),
        "engine_auc": auc(scores.score.to_numpy(), positive), "forest_auc": auc(forest, positive),
        "forest_seconds": forest_seconds, "subjects": subjects,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=20000, help="receipts per month")
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--month", default="202405", help="first care month (YYYYMM)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--offices", type=int, help="welfare offices (Osaka city: 24)")
    parser.add_argument("--prefecture", help="people and institutions of one 都道府県 (Osaka: 27)")
    parser.add_argument("--dir", type=Path, help="scenario folder (default: /tmp/receptor-detection-<receipts>)")
    parser.add_argument("--receptor", type=Path, default=Path(os.environ.get("RECEPTOR_BIN", DEFAULT_RECEPTOR)))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scenario = args.dir or Path(f"/tmp/receptor-detection-{args.receipts}x{args.months}-{args.seed}")
    extra = (["--offices", str(args.offices)] if args.offices else []) + \
        (["--prefecture", args.prefecture] if args.prefecture else [])
    generated = generate(args.receptor, scenario, args.receipts, args.months, args.month, args.seed, extra)
    out = scenario.with_suffix(".h5")
    seconds, summary = run_engine(args.receptor, scenario, out, args.threads)
    truth = pd.read_csv(scenario / "behaviour_truth.csv", dtype=str)
    anomalies = pd.read_csv(scenario / "anomaly_truth.csv", dtype=str)
    findings, receipts = read_table(out, "findings"), read_table(out, "receipts")
    report = {
        "scenario": str(scenario), "receipts": len(receipts), "generate_seconds": generated,
        "run_seconds": seconds, "run_summary": summary,
        "rules": rule_report(truth, findings, receipts),
        "person_scores": anomaly_report(read_table(out, "scores_person"),
                                        anomalies[anomalies.subject_type == "person"], "person", args.seed),
        "institution_scores": anomaly_report(read_table(out, "scores_institution"),
                                             anomalies[anomalies.subject_type == "institution"], "institution",
                                             args.seed),
    }
    print(f"{report['receipts']:,} receipts, run {seconds:.1f} s ({summary})")
    print(f"{'code':34} {'injected':>8} {'found':>6} {'precision':>9} {'recall':>6} {'near misses found':>18}")
    for r in report["rules"]:
        print(f"{r['code']:34} {r['injected']:>8} {r['found']:>6} {r['precision']:>9.3f} {r['recall']:>6.3f} "
              f"{r['near_misses_found']:>5} of {r['near_misses']:<4}")
    for kind in ("person_scores", "institution_scores"):
        a = report[kind]
        print(f"{kind}: {a['rows']:,} rows, AUC engine {a['engine_auc']:.3f}, IsolationForest {a['forest_auc']:.3f}")
        for s in a["subjects"]:
            print(f"  {s.get('injection', ''):32} rank engine {s.get('engine_rank', '-'):>6} forest "
                  f"{s.get('forest_rank', '-'):>6}  {s.get('top_features', '')}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=float))
    exact = all(r["precision"] == 1.0 and r["recall"] == 1.0 and r["near_misses_found"] == 0
                for r in report["rules"])
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
