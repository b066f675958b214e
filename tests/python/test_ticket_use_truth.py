"""The engine reports exactly the unused tickets the generator issued: nothing missed, nothing extra.

A three-month scenario whose feed holds, beside the tickets its receipts use, tickets no receipt uses (extra ones
naming another institution, and the tickets of the INSTITUTION_MISMATCH and CARE_TYPE_MISMATCH cases), cancelled
tickets and tickets corrected by a reissue (`replaces`). `ticket_use_truth.csv` gives the expected `use_status` of
every ticket, derived by the generator from what it issued and which receipts it wrote: TICKET_UNUSED for unused
tickets of the first month (two further months read), `pending` for those of the last two months; cancelled and
corrected tickets are never unused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import receptor
from receptor import _core


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ticket_use")
    made = _core.generate_scenario(str(out), receipts=3000, seed=31, months=3, month=202405)
    feed = out / "feed"
    with receptor.Engine(shards=3) as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=[feed / "tickets.csv", feed / "tickets_late.csv"],
                    other_schemes=feed / "other_schemes.csv")
        results = engine.run(sorted(str(d) for d in Path(made["receipts_dir"]).iterdir()), out / "results.h5")
    truth = pd.read_csv(out / "ticket_use_truth.csv", dtype=str, keep_default_na=False)
    return out, results, truth


def test_the_truth_lists_every_ticket_of_the_feed_once(run):
    out, results, truth = run
    issued = pd.concat([pd.read_csv(out / "feed" / name, dtype=str, keep_default_na=False)
                        for name in ("tickets.csv", "tickets_late.csv")])
    assert truth.ticket_id.is_unique
    assert set(truth.ticket_id) == set(issued.ticket_id) == set(results.tickets.ticket_id)
    assert set(truth.use_status) == {"used", "TICKET_UNUSED", "cancelled", "pending"}


def test_every_ticket_gets_its_expected_use_status(run):
    _, results, truth = run
    got = results.tickets.set_index("ticket_id")["use_status"].sort_index()
    want = truth.set_index("ticket_id")["use_status"].sort_index()
    diff = got.compare(want, result_names=("engine", "truth"))
    assert diff.empty, diff.join(truth.set_index("ticket_id")[["injection", "detail"]]).head(20).to_string()


def test_ticket_unused_findings_equal_the_truth(run):
    _, results, truth = run
    found = results.findings[results.findings.code == "TICKET_UNUSED"]
    expected = truth[truth.use_status == "TICKET_UNUSED"]
    assert found.ticket_id.is_unique
    missed, extra = set(expected.ticket_id) - set(found.ticket_id), set(found.ticket_id) - set(expected.ticket_id)
    assert not missed and not extra, f"missed {sorted(missed)}, extra {sorted(extra)}"
    # Each finding names its ticket's person, month and institution.
    got = found.set_index("ticket_id")[["office_no", "person_id", "month", "institution"]].sort_index()
    want = expected.set_index("ticket_id")[["office_no", "person_id", "month", "institution"]].sort_index()
    assert got.astype(str).equals(want.astype(str))
    # Injected on purpose and left unused by receipt cases alike.
    assert {"unused_ticket", "other_institution", "wrong_care_type"} <= set(expected.injection)
    assert set(expected.month) == {"2024-05"}


def test_near_misses_are_not_reported(run):
    _, results, truth = run
    reported = set(results.findings[results.findings.code == "TICKET_UNUSED"].ticket_id)
    # Unused, but fewer than two further months read.
    recent = truth[(truth.injection == "unused_ticket") & (truth.use_status == "pending")]
    assert set(recent.month) == {"2024-06", "2024-07"}
    # Cancelled, and corrected by a reissue (the correction itself is used).
    cancelled = truth[truth.injection == "cancelled_ticket"]
    replaced = truth[truth.injection == "replaced_ticket"]
    assert (cancelled.use_status == "cancelled").all() and len(cancelled) >= 3
    assert sorted(replaced.use_status.value_counts().items()) == [("cancelled", len(replaced) // 2),
                                                                   ("used", len(replaced) // 2)]
    near_misses = pd.concat([recent, cancelled, replaced])
    assert len(near_misses) >= 9
    assert not set(near_misses.ticket_id) & reported
