"""The generator and the reader agree: every generated file reads back to its truth."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import receptor
from receptor import _core


def _check(files):
    for f in files:
        r = receptor.read_receipts(f["path"], resolve_names=False)
        assert len(r.receipts) == f["receipts"], f["path"]
        assert int(r.receipts["points"].sum()) == f["points"], f["path"]
        assert int(r.receipts["claimed_points"].sum()) == f["claimed_points"], f["path"]
        assert r.summary["errors"] == [] and r.summary["warnings"] == [], f["path"]
        assert len(r.quarantine) == 0
        ko = r.coverages[r.coverages["record"] == "KO"]["law_no"].value_counts().to_dict()
        assert {int(k): int(v) for k, v in ko.items()} == {int(k): v for k, v in f["ko_by_law"].items()}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(1, 2**32), receipts=st.integers(1, 400), payer_side=st.booleans(),
       wareki=st.booleans(), utf8=st.booleans(), crlf=st.booleans(),
       only=st.sampled_from([None, "medical", "dpc", "dental", "pharmacy"]))
def test_generated_months_read_back_to_their_truth(tmp_path_factory, seed, receipts, payer_side, wareki, utf8,
                                                   crlf, only):
    out = tmp_path_factory.mktemp("month")
    files = _core.generate(str(out), receipts=receipts, seed=seed, payer_side=payer_side, only=only,
                           correction_rate=0.3, wareki=wareki, utf8=utf8, crlf=crlf)
    assert sum(f["receipts"] for f in files) == receipts
    _check(files)


def test_generation_is_deterministic(tmp_path):
    a = _core.generate(str(tmp_path / "a"), receipts=300, seed=5, payer_side=True)
    b = _core.generate(str(tmp_path / "b"), receipts=300, seed=5, payer_side=True)
    c = _core.generate(str(tmp_path / "c"), receipts=300, seed=6, payer_side=True)
    from pathlib import Path

    def read(fs):
        return [Path(f["path"]).read_bytes() for f in fs]

    assert read(a) == read(b)
    assert read(a) != read(c)


def test_codes_from_the_masters_have_names(tmp_path, masters):
    files = _core.generate(str(tmp_path), receipts=200, seed=3, only="medical", masters=masters)
    _check(files)
    lines = receptor.read_receipts(files[0]["path"], masters).lines
    coded = lines[lines["code"] > 0]
    assert (coded["item_name"] != "").mean() > 0.95


def test_manifest_lists_every_file(tmp_path):
    files = _core.generate(str(tmp_path), receipts=100, seed=2)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [m["file"] for m in manifest["files"]] == [f["path"].split("/")[-1] for f in files]
    assert sum(m["receipts"] for m in manifest["files"]) == 100


def test_data_generate_script(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "data" / "generate.py"
    p = subprocess.run([sys.executable, str(script), "--out", str(tmp_path), "--receipts", "50", "--payer-side"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["receipts"] == 50


def test_scenario_months_and_behaviours_from_the_command_line(tmp_path):
    import csv
    import os
    import shutil
    import subprocess

    import pytest

    binary = os.environ.get("RECEPTOR_BIN") or shutil.which("receptor")
    if binary is None:
        pytest.fail("the receptor executable is neither in RECEPTOR_BIN nor on PATH")
    p = subprocess.run([binary, "generate", "--scenario", "--out", str(tmp_path), "--receipts", "1500", "--months",
                        "2", "--month", "202405", "--behaviours", "0", "--behaviour", "long_stays=2"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert sorted(d.name for d in (tmp_path / "receipts").iterdir()) == ["2024-05", "2024-06"]
    with open(tmp_path / "behaviour_truth.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["code"], r["expected"], r["month"]) for r in rows] == [("LONG_STAY", "1", "2024-06"),
                                                                        ("LONG_STAY", "0", "2024-06")] * 2
    bad = subprocess.run([binary, "generate", "--scenario", "--out", str(tmp_path / "x"), "--behaviour", "stays=1"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--behaviour" in bad.stderr
    helped = subprocess.run([binary, "generate", "--help"], capture_output=True, text=True)
    assert "--months N" in helped.stdout and "--behaviour NAME=N" in helped.stdout
