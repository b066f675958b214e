"""The engine reports exactly the injected cases: nothing missed, nothing extra."""

import os
from pathlib import Path

import pandas as pd
import pytest

import receptor
from receptor import _core


def _compare(results, expected_csv):
    got = results.receipts.assign(file=results.receipts["source_file"].map(os.path.basename))
    got = got.set_index(["file", "source_line"])["match_status"].sort_index()
    want = pd.read_csv(expected_csv, dtype={"file": str}).rename(columns={"line": "source_line"})
    want = want.set_index(["file", "source_line"])["match_status"].sort_index()
    assert len(got) == len(want)
    diff = got.compare(want, result_names=("engine", "truth"))
    assert diff.empty, diff.head(20).to_string()


@pytest.mark.parametrize("payer_side", [False, True])
def test_every_receipt_gets_its_expected_status(tmp_path, payer_side):
    made = _core.generate_scenario(str(tmp_path), receipts=4000, seed=21, payer_side=payer_side)
    feed = tmp_path / "feed"
    with receptor.Engine(shards=5) as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=feed / "tickets.csv",
                    other_schemes=feed / "other_schemes.csv")
        first = engine.run([made["receipts_dir"]], tmp_path / "first.h5")
        _compare(first, tmp_path / "expected_status_first_delivery.csv")
        # The late tickets arrive with the next delivery: a re-run matches them.
        engine.load(tickets=feed / "tickets_late.csv")
        final = engine.run([made["receipts_dir"]], tmp_path / "final.h5")
        _compare(final, tmp_path / "expected_status.csv")
    truth = pd.read_csv(tmp_path / "truth.csv")
    statuses = set(truth["expected_status"])
    for code in ("NO_TICKET", "INSTITUTION_MISMATCH", "CARE_TYPE_MISMATCH", "OUTSIDE_VALIDITY", "NOT_PROTECTED",
                 "PERSON_MISMATCH", "COPAY_MISMATCH", "UNKNOWN_RECIPIENT", "INVALID_NUMBER", "DUPLICATE_CLAIM",
                 "INSURANCE_INCONSISTENT", "NO_TICKET_FEED", "MATCHED"):
        assert code in statuses, code
    # Each injected non-MATCHED case also stands in the findings with its code.
    findings = final.findings
    for _, case in truth[truth["expected_status"] != "MATCHED"].iterrows():
        assert case["expected_status"] in set(findings["code"])


def test_feed_rows_that_do_not_load_are_quarantined_with_file_and_line(tmp_path):
    made = _core.generate_scenario(str(tmp_path), receipts=300, seed=2)
    bad = tmp_path / "bad_tickets.csv"
    rows = (tmp_path / "feed" / "tickets.csv").read_text(encoding="utf-8").splitlines()
    rows.insert(2, rows[1].replace(",2024-06,", ",2024-13,"))
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with receptor.Engine() as engine:
        engine.load(recipients=tmp_path / "feed" / "recipients.csv", tickets=bad)
        r = engine.run([made["receipts_dir"]], tmp_path / "r.h5")
    q = r.quarantine
    hit = q[q["source_file"].str.endswith("bad_tickets.csv")]
    assert list(hit["source_line"]) == [3]


def test_several_months_of_one_feed_get_their_expected_statuses(tmp_path):
    made = _core.generate_scenario(str(tmp_path), receipts=2500, seed=23, months=2)
    assert made["months"] == [202406, 202407]
    receipts = Path(made["receipts_dir"])
    feed = tmp_path / "feed"
    with receptor.Engine(shards=3) as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=feed / "tickets.csv",
                    other_schemes=feed / "other_schemes.csv")
        engine.load(tickets=feed / "tickets_late.csv")
        final = engine.run(sorted(str(d) for d in receipts.iterdir()), tmp_path / "final.h5")
    got = final.receipts.assign(
        file=final.receipts["source_file"].map(lambda p: Path(os.path.relpath(p, receipts)).as_posix()))
    got = got.set_index(["file", "source_line"])["match_status"].sort_index()
    want = pd.read_csv(tmp_path / "expected_status.csv", dtype={"file": str}).rename(columns={"line": "source_line"})
    want = want.set_index(["file", "source_line"])["match_status"].sort_index()
    assert len(got) == len(want) == made["receipts"]
    diff = got.compare(want, result_names=("engine", "truth"))
    assert diff.empty, diff.head(20).to_string()
    behaviours = pd.read_csv(tmp_path / "behaviour_truth.csv", dtype={"institution": str, "file": str})
    assert set(behaviours["month"]) <= {"2024-06", "2024-07"}
    assert {"PRESCRIPTION_NOT_DISPENSED", "LONG_STAY", "OTHER_SCHEME_FIRST"} <= set(behaviours["code"])
