"""The `receptor` executable: inspect as results.md defines it."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def receptor_bin() -> str:
    exe = os.environ.get("RECEPTOR_BIN") or shutil.which("receptor")
    if not exe:
        pytest.fail("the receptor executable is neither in RECEPTOR_BIN nor on PATH")
    return exe


def run(*args):
    return subprocess.run([receptor_bin(), *map(str, args)], capture_output=True, text=True)


def test_inspect_json_one_object_per_file(samples):
    files = [samples / "institution" / "RECEIPTC_GAIRAI_SAMPLE.UKE", samples / "payer" / "11_RECODEINFO_MED.CSV"]
    p = run("inspect", *files, "--json")
    assert p.returncode == 0, p.stderr
    objs = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["receipts"] for o in objs] == [75, 19]
    assert objs[0]["billing_month"] == "2021-11" and objs[0]["by_law"]["12"] == 5
    assert objs[1]["payer_side"] is True and objs[1]["go"] is None
    assert objs[1]["records"]["JY"] == 6


def test_inspect_text(samples):
    p = run("inspect", samples / "orca" / "shika_shaho.csv")
    assert p.returncode == 0
    assert "dental (institution side)" in p.stdout


def test_inspect_missing_file_exits_2(tmp_path):
    p = run("inspect", tmp_path / "missing.UKE")
    assert p.returncode == 2
    assert "missing.UKE" in p.stderr


def test_inspect_garbage_exits_2(tmp_path):
    bad = tmp_path / "bad.UKE"
    bad.write_bytes(b"\x00\x01garbage\n")
    p = run("inspect", bad, "--json")
    assert p.returncode == 2
    assert json.loads(p.stdout)["errors"]
