"""Retention (docs/privacy.md): `receptor store purge` and Engine.purge remove
receipt deliveries whose care months are all older than the cutoff, with an
audit entry in the hash-chained log; the next ingest works and equals a full
run over what remains."""

import hashlib
import json
import os
import shutil
import subprocess

import pandas as pd
import pytest

import receptor
from receptor import _core
from receptor.results import read_table

BIN = os.environ.get("RECEPTOR_BIN", "receptor")
TABLES = ("receipts", "tickets", "findings", "quarantine", "summary")


def _verify_chain(path):
    """The documented rule: hash = SHA-256 of the canonical JSON without hash.

    Checked here by hand and by the project's one verifier (AuditLog.verify),
    since the purge entry is written by C++ and the reads around it by Python.
    """
    report = receptor.AuditLog(path).verify()
    assert report.ok, report
    previous = ""
    entries = []
    for seq, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        entry = json.loads(line)
        body = {k: v for k, v in entry.items() if k != "hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert entry["hash"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        assert entry["prev_hash"] == previous and entry["seq"] == seq
        assert set(entry) >= {"seq", "ts", "user", "role", "action", "office", "subjects", "rows", "prev_hash", "hash"}
        previous = entry["hash"]
        entries.append(entry)
    return entries


@pytest.fixture()
def two_months(tmp_path):
    old = _core.generate_scenario(str(tmp_path / "m01"), receipts=400, seed=51, month=202401)
    new = _core.generate_scenario(str(tmp_path / "m06"), receipts=400, seed=51, month=202406)
    inbox = tmp_path / "inbox"
    shutil.copytree(old["receipts_dir"], inbox / "2024-01")
    shutil.copytree(new["receipts_dir"], inbox / "2024-06")
    return tmp_path, inbox, tmp_path / "m06" / "feed"


@pytest.mark.parametrize("via", ["engine", "cli"])
def test_purge_removes_old_months_with_an_audit_entry_and_the_next_ingest_works(two_months, monkeypatch, via):
    base, inbox, feed = two_months
    store = base / "store"
    log = base / "audit.jsonl"
    monkeypatch.setenv("RECEPTOR_AUDIT_LOG", str(log))
    with receptor.Engine() as engine:
        engine.ingest(store, [inbox], base / "before.h5", recipients=feed / "recipients.csv",
                      tickets=feed / "tickets.csv")
    before = read_table(base / "before.h5", "receipts")
    assert set(before.month) >= {"2024-01", "2024-06"}
    copies_before = len(list((store / "deliveries").iterdir()))
    old_files = sorted(p.name for p in (inbox / "2024-01").iterdir())

    if via == "engine":
        with receptor.Engine() as engine:
            report = engine.purge(store, older_than_months=3)
        assert report["newest_month"] == 202406 and report["cutoff_month"] == 202403
        assert len(report["deliveries"]) == len(old_files)
        assert report["receipts"] == (before.month == "2024-01").sum()
    else:
        run = subprocess.run([BIN, "store", "purge", "--store", str(store), "--older-than-months", "3"],
                             capture_output=True, text=True, env=dict(os.environ))
        assert run.returncode == 0, run.stderr
        assert f"removed {len(old_files)} deliveries" in run.stderr

    held = (store / "deliveries.tsv").read_text()
    assert "/2024-01/" not in held and "/2024-06/" in held
    assert len(list((store / "deliveries").iterdir())) == copies_before - len(old_files)
    assert len(list((store / "claims").iterdir())) == len(list((inbox / "2024-06").iterdir()))
    assert not (store / "latest.h5").exists()
    (entry,) = [e for e in _verify_chain(log) if e["action"] == "store.purge"]
    assert entry["action"] == "store.purge" and entry["older_than_months"] == 3
    assert entry["rows"] == (before.month == "2024-01").sum()
    assert len(entry["deliveries"]) == len(old_files)

    # The next night works, holds only the recent month, and equals a full run over it.
    shutil.rmtree(inbox / "2024-01")
    with receptor.Engine() as engine:
        after = engine.ingest(store, [inbox], base / "after.h5", tickets=feed / "tickets.csv")
        assert engine.last_summary["parsed"] == 0
    assert set(after.receipts.month) == {"2024-06"}
    with receptor.Engine() as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=[feed / "tickets.csv", feed / "tickets.csv"])
        engine.run([inbox / "2024-06"], base / "full.h5")
    for table in TABLES:
        pd.testing.assert_frame_equal(read_table(base / "after.h5", table), read_table(base / "full.h5", table),
                                      obj=table)

    # A second purge finds nothing old and writes no entry.
    with receptor.Engine() as engine:
        again = engine.purge(store, older_than_months=3)
    purges = lambda: [e for e in _verify_chain(log) if e["action"] == "store.purge"]  # noqa: E731
    assert again["deliveries"] == [] and again["orphans"] == 0 and len(purges()) == 1

    # What a crash leaves unnamed (a copy written before its index line, a
    # temporary) is removed by the next purge, with an entry.
    held_copy = next((store / "deliveries").iterdir())
    shutil.copy(held_copy, store / "deliveries" / "0123456789abcdef-LEFT_BY_A_CRASH.UKE")
    (store / "latest.h5.tmp-4242").write_bytes(b"partial")
    with receptor.Engine() as engine:
        swept = engine.purge(store, older_than_months=3)
    assert swept["deliveries"] == [] and swept["orphans"] == 2
    assert not (store / "deliveries" / "0123456789abcdef-LEFT_BY_A_CRASH.UKE").exists()
    assert not (store / "latest.h5.tmp-4242").exists()
    assert held_copy.exists() and (store / "latest.h5").exists()
    entries = purges()
    assert len(entries) == 2 and entries[1]["orphans"] == 2 and entries[1]["rows"] == 0


def test_purge_needs_a_store(tmp_path):
    run = subprocess.run([BIN, "store", "purge", "--store", str(tmp_path / "none"), "--older-than-months", "3"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "no such store" in run.stderr
    bad = subprocess.run([BIN, "store", "purge", "--store", str(tmp_path), "--older-than-months", "x"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--older-than-months" in bad.stderr
