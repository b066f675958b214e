"""Result files as results.md defines them, readable with plain h5py."""

import json

import h5py
import pytest

import receptor
from receptor import _core

REQUIRED = {
    "receipts": ["receipt_key", "source_file", "source_line", "kind", "office_no", "recipient_no", "law_no",
                 "person_id", "month", "institution", "inpatient", "days", "points", "copay", "match_status",
                 "ticket_id"],
    "tickets": ["ticket_id", "office_no", "person_id", "month", "institution", "care_type", "use_status"],
    "findings": ["finding_id", "code", "severity", "office_no", "person_id", "recipient_no", "month",
                 "institution", "receipt_key", "value", "detail"],
    "scores_person": ["office_no", "person_id", "month", "score", "peer_group", "top_features"],
    "scores_institution": ["institution", "month", "score", "peer_group", "top_features"],
    "quarantine": ["source_file", "source_line", "reason", "raw"],
    "summary": ["office_no", "month"],
}


@pytest.fixture(scope="module")
def results_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    _core.generate(str(out / "month"), receipts=500, seed=4)
    with receptor.Engine(shards=2) as engine:
        engine.run([out / "month"], out / "results.h5")
    return out / "results.h5"


def test_layout_with_plain_h5py(results_path):
    with h5py.File(results_path, "r") as f:
        assert f.attrs["format"] == "receptor-results"
        assert int(f.attrs["schema_version"]) >= 1
        for key in ("engine_version", "created_at", "config", "inputs"):
            assert key in f.attrs
        inputs = json.loads(f.attrs["inputs"])
        assert all(len(i["sha256"]) == 64 for i in inputs)
        for table, columns in REQUIRED.items():
            g = f[table]
            assert g.attrs["encoding-type"] == "dataframe"
            order = [str(c) for c in g.attrs["column-order"]]
            assert set(columns) <= set(order), (table, set(columns) - set(order))
            lengths = {g[c].shape[0] for c in order if isinstance(g[c], h5py.Dataset)}
            assert len(lengths) <= 1


def test_open_results_gives_dataframes(results_path):
    r = receptor.open_results(results_path)
    assert len(r.receipts) == 500
    assert r.receipts["match_status"].str.len().gt(0).all()
    assert r.config["shards"] == 2
    assert set(r.summary["office_no"]) <= set(r.receipts["office_no"])
    assert r.receipts["receipt_key"].is_unique


def test_not_a_result_file(tmp_path):
    p = tmp_path / "other.h5"
    with h5py.File(p, "w") as f:
        f.attrs["format"] = "something else"
    with pytest.raises(ValueError, match="not a receptor result file"):
        receptor.open_results(p)


def test_result_files_are_owner_only(results_path):
    assert results_path.stat().st_mode & 0o077 == 0
