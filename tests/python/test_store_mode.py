"""Store mode: deliveries accumulate; a delivery already held is skipped; the
result after each night equals a full run over the same files and feed."""

import shutil
from pathlib import Path

import pandas as pd

import receptor
from receptor import _core
from receptor.results import read_table

TABLES = ("receipts", "tickets", "findings", "quarantine", "summary")


def _same(a, b):
    for table in TABLES:
        pd.testing.assert_frame_equal(read_table(a, table), read_table(b, table), check_like=False, obj=table)


def test_nightly_deliveries_equal_a_full_run(tmp_path):
    made = _core.generate_scenario(str(tmp_path / "s"), receipts=3000, seed=8)
    feed = tmp_path / "s" / "feed"
    files = sorted((tmp_path / "s" / "receipts").iterdir())
    inbox = tmp_path / "inbox"  # the folder deliveries arrive in
    inbox.mkdir()
    for f in files[: len(files) // 2]:
        shutil.copy(f, inbox)
    store = tmp_path / "store"
    with receptor.Engine(shards=4) as engine:
        night1 = engine.ingest(store, [inbox], tmp_path / "night1.h5", recipients=feed / "recipients.csv",
                               tickets=feed / "tickets.csv", other_schemes=feed / "other_schemes.csv")
        assert engine.last_summary["parsed"] == len(files) // 2
        # Night 2: the rest of the receipts and the late tickets arrive; night 1's files are still there.
        for f in files[len(files) // 2:]:
            shutil.copy(f, inbox)
        night2 = engine.ingest(store, [inbox], tmp_path / "night2.h5", recipients=feed / "recipients.csv",
                               tickets=[feed / "tickets.csv", feed / "tickets_late.csv"],
                               other_schemes=feed / "other_schemes.csv")
        summary = engine.last_summary
        assert summary["parsed"] == len(files) - len(files) // 2
        assert summary["skipped"] == len(files) // 2 + 3  # receipts of night 1 and three feed files
        # Night 3: nothing new.
        engine.ingest(store, [inbox], tmp_path / "night3.h5", tickets=feed / "tickets_late.csv")
        assert engine.last_summary["parsed"] == 0
    with receptor.Engine(shards=2) as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=[feed / "tickets.csv", feed / "tickets_late.csv"],
                    other_schemes=feed / "other_schemes.csv")
        full = engine.run([inbox], tmp_path / "full.h5")
    assert len(night1.receipts) < len(night2.receipts) == len(full.receipts) == made["receipts"]
    _same(tmp_path / "night2.h5", tmp_path / "full.h5")
    _same(tmp_path / "night3.h5", tmp_path / "full.h5")


def test_late_tickets_rematch_only_the_people_they_touch(tmp_path):
    made = _core.generate_scenario(str(tmp_path / "s"), receipts=3000, seed=13)
    feed = tmp_path / "s" / "feed"
    store = tmp_path / "store"
    receipts = made["receipts_dir"]
    with receptor.Engine(shards=3) as engine:
        engine.ingest(store, [receipts], tmp_path / "n1.h5", recipients=feed / "recipients.csv",
                      tickets=feed / "tickets.csv", other_schemes=feed / "other_schemes.csv")
        assert engine.last_summary["rematched"] == made["receipts"]
        late = engine.ingest(store, [receipts], tmp_path / "n2.h5", tickets=feed / "tickets_late.csv")
        touched = engine.last_summary["rematched"]
    late_people = pd.read_csv(feed / "tickets_late.csv", dtype=str)["person_id"].nunique()
    assert 0 < touched < made["receipts"] / 10
    assert late_people > 0
    with receptor.Engine() as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=[feed / "tickets.csv", feed / "tickets_late.csv"],
                    other_schemes=feed / "other_schemes.csv")
        engine.run([receipts], tmp_path / "full.h5")
    _same(tmp_path / "n2.h5", tmp_path / "full.h5")
    assert (late.receipts["match_status"] == "NO_TICKET").sum() < (
        receptor.open_results(tmp_path / "n1.h5").receipts["match_status"] == "NO_TICKET").sum()


def test_rematch_given_people_and_months(tmp_path):
    made = _core.generate_scenario(str(tmp_path / "s"), receipts=2000, seed=17)
    feed = tmp_path / "s" / "feed"
    store = tmp_path / "store"
    with receptor.Engine() as engine:
        first = engine.ingest(store, [made["receipts_dir"]], tmp_path / "a.h5", recipients=feed / "recipients.csv",
                              tickets=feed / "tickets.csv")
        person = first.receipts.query("person_id != ''").iloc[0]
        engine.rematch(store, tmp_path / "b.h5", people=[(person.office_no, person.person_id)])
        n_people = (first.receipts.person_id == person.person_id).sum()
        assert engine.last_summary["rematched"] == n_people
        engine.rematch(store, tmp_path / "c.h5", months=[202406])
        assert engine.last_summary["rematched"] == made["receipts"]
    _same(tmp_path / "a.h5", tmp_path / "b.h5")
    _same(tmp_path / "a.h5", tmp_path / "c.h5")


def test_store_files_are_owner_only(tmp_path):
    made = _core.generate_scenario(str(tmp_path / "s"), receipts=200, seed=3)
    store = tmp_path / "store"
    with receptor.Engine() as engine:
        engine.ingest(store, [made["receipts_dir"]], tmp_path / "r.h5",
                      tickets=tmp_path / "s" / "feed" / "tickets.csv")
    assert store.stat().st_mode & 0o077 == 0
    for p in (store / "deliveries").iterdir():
        assert p.stat().st_mode & 0o077 == 0, p


def test_month_by_month_the_checks_read_every_month_the_store_holds(tmp_path):
    """One month's receipts a night: multi-month rules (the 頻回 window, next-month dispensing) see the earlier
    months the store holds, and every night's findings and scores equal a full run over what has arrived."""
    masters = receptor.load_masters()
    made = _core.generate_scenario(str(tmp_path / "s"), receipts=2000, seed=29, months=3, month=202405,
                                   masters=masters, behaviours=2)
    feed = tmp_path / "s" / "feed"
    months = sorted(p for p in Path(made["receipts_dir"]).iterdir() if p.is_dir())
    assert [m.name for m in months] == ["2024-05", "2024-06", "2024-07"]
    inbox, store = tmp_path / "inbox", tmp_path / "store"
    inbox.mkdir()
    tables = TABLES + ("scores_person", "scores_institution")
    for night, month in enumerate(months, start=1):
        shutil.copytree(month, inbox / month.name)
        with receptor.Engine(shards=3) as engine:
            nightly = engine.ingest(store, [inbox], tmp_path / f"night{night}.h5",
                                    recipients=feed / "recipients.csv",
                                    tickets=[feed / "tickets.csv", feed / "tickets_late.csv"],
                                    other_schemes=feed / "other_schemes.csv")
            assert engine.last_summary["parsed"] == len(list(month.iterdir()))  # only the new month is read
        with receptor.Engine(shards=2) as engine:
            engine.load(recipients=feed / "recipients.csv", tickets=[feed / "tickets.csv", feed / "tickets_late.csv"],
                        other_schemes=feed / "other_schemes.csv")
            engine.run([inbox], tmp_path / f"full{night}.h5")
        for table in tables:
            pd.testing.assert_frame_equal(read_table(tmp_path / f"night{night}.h5", table),
                                          read_table(tmp_path / f"full{night}.h5", table), obj=f"night {night} {table}")
    codes = set(nightly.findings.code)
    # Only the third night holds a full 頻回 window.
    assert "FREQUENT_VISITS" in codes
    assert "FREQUENT_VISITS" not in set(read_table(tmp_path / "night2.h5", "findings").code)
    assert {"PRESCRIPTION_NOT_DISPENSED", "LONG_STAY"} <= codes
