"""The checks find exactly the behaviour the generator injected: nothing missed, nothing extra.

A three-month scenario (so the 頻回 window, stays and next-month dispensing all have their months), its
`behaviour_truth.csv` listing every expected finding and every near miss just below a threshold; the
engine's findings of each check code must equal the expected rows. bench/detection.py runs the same
comparison at Osaka-city scale (docs/detection.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import receptor
from receptor import _core

ROOT = Path(__file__).resolve().parents[2]
CHECK_CODES = {
    "FREQUENT_VISITS", "MULTI_INSTITUTION", "SAME_DAY_VISITS", "PSYCHOTROPIC_MULTI_SOURCE", "POLYPHARMACY",
    "LONG_PRESCRIPTION", "BRAND_OVER_GENERIC", "LONG_STAY", "DISPENSING_WITHOUT_PRESCRIPTION",
    "PRESCRIPTION_NOT_DISPENSED", "OTHER_SCHEME_FIRST", "OTHER_SCHEME_CANDIDATE",
}


@pytest.fixture(scope="module")
def detection(tmp_path_factory):
    out = tmp_path_factory.mktemp("detection")
    masters = receptor.load_masters(ROOT / "data" / "masters")
    made = _core.generate_scenario(str(out), receipts=3000, seed=17, months=3, month=202405, masters=masters,
                                   behaviours=2)
    feed = out / "feed"
    with receptor.Engine(shards=5, masters=ROOT / "data" / "masters") as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=[feed / "tickets.csv", feed / "tickets_late.csv"],
                    other_schemes=feed / "other_schemes.csv")
        results = engine.run([made["receipts_dir"]], out / "results.h5")
    truth = pd.read_csv(out / "behaviour_truth.csv", dtype=str, keep_default_na=False)
    return made, results, truth


def keys(frame: pd.DataFrame, receipts_dir: Path, receipts: pd.DataFrame, receipt_level: bool) -> set:
    if receipt_level:
        place = {(Path(os.path.relpath(f, receipts_dir)).as_posix(), int(line)): key
                 for f, line, key in zip(receipts.source_file, receipts.source_line, receipts.receipt_key)}
        return {place[(f, int(line))] for f, line in zip(frame["file"], frame["line"])}
    return set(zip(frame.office_no, frame.person_id, frame.month, frame.institution))


def test_every_check_code_is_injected(detection):
    _, _, truth = detection
    assert CHECK_CODES <= set(truth.code)
    assert (truth.expected == "0").sum() > 0, "near misses just below the thresholds"


@pytest.mark.parametrize("code", sorted(CHECK_CODES))
def test_findings_equal_the_injected_truth(detection, code):
    made, results, truth = detection
    cases = truth[truth.code == code]
    if cases.empty:
        pytest.fail(f"the scenario injected no {code}")
    found = results.findings[results.findings.code == code].copy()
    receipt_level = (cases["file"] != "").any()
    receipts_dir = Path(made["receipts_dir"])
    if receipt_level:
        found_keys = set(found.receipt_key)
    else:
        # Institution only where the truth names one (FREQUENT_VISITS, LONG_STAY).
        if (cases.institution == "").all():
            found["institution"] = ""
        found_keys = keys(found, receipts_dir, results.receipts, False)
    expected = keys(cases[cases.expected == "1"], receipts_dir, results.receipts, receipt_level)
    near_misses = keys(cases[cases.expected == "0"], receipts_dir, results.receipts, receipt_level)
    assert expected, f"no positive {code} case"
    assert found_keys == expected, f"missed {expected - found_keys}, extra {found_keys - expected}"
    assert not near_misses & found_keys


def test_anomalous_people_and_institutions_rank_high(detection):
    """Injected institutions (an up-coding clinic, one whose patients are mostly frequent visitors) lead their month."""
    _, results, _ = detection
    scores = results.scores_institution
    assert len(scores) > 0 and scores.score.notna().all()
    anomalies = pd.read_csv(Path(results.path).parent / "anomaly_truth.csv", dtype=str, keep_default_na=False)
    injected = set(anomalies[anomalies.subject_type == "institution"].institution)
    assert injected
    ranked = scores.sort_values("score", ascending=False).institution.tolist()
    best = min(ranked.index(i) for i in injected if i in ranked)
    assert best < max(10, len(ranked) // 20), f"best injected institution ranks {best + 1} of {len(ranked)}"
    people = results.scores_person
    assert len(people) > 0 and people.score.between(0, 1e9).all()
