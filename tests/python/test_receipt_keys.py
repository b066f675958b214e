"""Receipt keys: unique across files, so no sharding can lose a receipt."""

import shutil

import pandas as pd

import receptor
from receptor import _core
from receptor.results import read_table


def test_a_late_file_numbered_from_one_keeps_its_receipts(tmp_path):
    made = _core.generate_scenario(str(tmp_path / "s"), receipts=600, seed=30)
    feed = tmp_path / "s" / "feed"
    month = tmp_path / "month"
    shutil.copytree(made["receipts_dir"], month)
    # A 月遅れ file from the same institution for the same month: numbered from 1
    # again, no 検索番号, other bytes (here: one name changed).
    original = sorted(month.glob("*_RECEIPTC.UKE"))[0]
    data = bytearray(original.read_bytes())
    at = data.index(b"\nRE,1,") + 1
    line_end = data.index(b"\r\n", at)
    fields = data[at:line_end].split(b",")
    fields[4] = "別人　花子".encode("cp932")
    data[at:line_end] = b",".join(fields)
    late = month / original.name.replace("_RECEIPTC", "_LATE_RECEIPTC")
    late.write_bytes(bytes(data))
    outs = []
    for shards in (1, 8):
        with receptor.Engine(shards=shards) as engine:
            engine.load(recipients=feed / "recipients.csv", tickets=feed / "tickets.csv")
            r = engine.run([month], tmp_path / f"r{shards}.h5")
        outs.append(tmp_path / f"r{shards}.h5")
        assert len(r.receipts) == made["receipts"] + r.receipts["source_file"].str.endswith(late.name).sum()
        # The late file's receipts bill the same people again: duplicates, not lost.
        assert (r.receipts["match_status"] == "DUPLICATE_CLAIM").sum() >= 1
        assert r.receipts["receipt_key"].is_unique
        from_late = r.receipts["source_file"].str.endswith(late.name).sum()
        assert from_late == r.receipts["source_file"].str.endswith(original.name).sum() > 0
    for table in ("receipts", "findings", "summary"):
        pd.testing.assert_frame_equal(read_table(outs[0], table), read_table(outs[1], table), obj=table)
