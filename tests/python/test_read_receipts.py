"""receptor.read_receipts: receipt files as pandas DataFrames."""

import numpy as np
import pandas as pd
import pytest

import receptor


def test_institution_sample_totals(samples, masters):
    f = receptor.read_receipts(samples / "institution" / "RECEIPTC_GAIRAI_SAMPLE.UKE", masters)
    assert f.kind == "medical" and not f.payer_side and f.encoding == "cp932"
    assert len(f.receipts) == 75
    assert f.receipts["points"].sum() == 86392
    assert f.summary["go"] == {"claims": 140, "points": 86392}
    assert (f.receipts["kind"] == "医科").all()
    # 生保単独 receipts: law 12 found by 法別, office_no and recipient_no from that KO.
    seiho = f.receipts[f.receipts["law_no"] == 12]
    assert len(seiho) == 5
    assert set(seiho["office_no"].str[:2]) == {"12"}
    assert len(f.quarantine) == 0


def test_names_resolved_from_masters(samples, masters):
    f = receptor.read_receipts(samples / "orca" / "shaho_201811.csv", masters)
    lines = f.lines
    first_visit = lines[lines["code"] == 111000110]
    assert (first_visit["item_name"] == "初診料").all()
    assert f.diseases["disease_name"].str.len().gt(0).all()
    # 4659007 急性上気道炎 with suffix 8002 「の疑い」.
    suspected = f.diseases[(f.diseases["code"] == 4659007) & (f.diseases["modifiers"] == "8002")]
    assert (suspected["disease_name"] == "急性上気道炎の疑い").all()
    assert (suspected["icd10"].str.startswith("J06")).all()


def test_payer_side_corrections_applied(samples):
    f = receptor.read_receipts(samples / "payer" / "11_RECODEINFO_MED.CSV", resolve_names=False)
    assert f.payer_side
    r = f.receipts.iloc[0]
    assert r["points"] == 46368 and r["claimed_points"] == 46794 and r["corrected"] == 2
    assert f.summary["corrections"] == 6
    claimed = receptor.read_receipts(samples / "payer" / "11_RECODEINFO_MED.CSV",
                                     apply_corrections=False, resolve_names=False)
    assert claimed.receipts.iloc[0]["points"] == 46794


def test_columns_types(samples):
    f = receptor.read_receipts(samples / "orca" / "shaho_201811.csv", resolve_names=False)
    assert f.receipts["month"].dtype == np.uint32
    assert f.lines["points"].dtype == pd.Int64Dtype()
    # An inner record of a unit has no 点数: missing, not zero.
    assert f.lines["points"].isna().any()
    assert f.receipts["name"].map(type).eq(str).all()


def test_inspect_matches_cli_contract(samples):
    s = receptor.inspect(samples / "orca" / "shika_shaho.csv")
    for key in ("file", "format", "payer_side", "encoding", "billing_month", "receipts", "records",
                "points", "go", "by_law", "errors", "warnings"):
        assert key in s
    assert s["format"] == "dental" and s["records"]["SS"] == 12


def test_unreadable_file_raises_with_path(tmp_path):
    with pytest.raises(RuntimeError, match="nope.UKE"):
        receptor.read_receipts(tmp_path / "nope.UKE")


def test_masters_lookups(masters):
    d = masters.drug(610406079)
    assert d["name"] == "ガスター散２％" and not d["generic"]
    flags = masters.drug_flags(np.array([610406079, 610412026, 1], dtype=np.uint32))
    assert list(flags["known"]) == [1, 1, 0]
    assert flags["psychotropic"][1] == 1
    assert flags["brand_with_generic"][0] == 1
    assert masters.procedure(111000110)["points"] == 291
