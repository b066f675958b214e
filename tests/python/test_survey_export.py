"""The 医療扶助実態調査 export: the June 審査分 without identifiers, and aggregates with small cells hidden."""

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

import receptor
from receptor import AccessContext, AuditLog, _core
from receptor.survey import TOTAL, _determined, aggregate, survey_export

ALL = AccessContext("sato", "office_staff", offices=("*",))


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    base = tmp_path_factory.mktemp("survey")
    may = _core.generate_scenario(str(base), receipts=1500, seed=5, month=202405)  # 請求 2024-06: June 審査分
    _core.generate(str(base / "june"), receipts=300, seed=6, month=202406)          # 請求 2024-07: not
    with receptor.Engine(shards=2) as engine:
        engine.load(recipients=base / "feed" / "recipients.csv", tickets=base / "feed" / "tickets.csv")
        engine.run([may["receipts_dir"], base / "june"], base / "results.h5", access=ALL)
    manifest = survey_export(base / "results.h5", "2024-06", out_dir=base / "out", ctx=ALL)
    sources = [receptor.read_receipts(i["path"], resolve_names=False)
               for i in receptor.open_results(base / "results.h5", ALL).inputs if i["role"] == "receipts"]
    return {"base": base, "out": base / "out", "manifest": manifest, "sources": sources}


def _fields(path):
    with open(path, encoding="utf-8", newline="") as f:
        return {cell for row in csv.reader(f) for cell in row}


def test_only_the_june_review_month_and_surveyed_kinds(export):
    out, manifest = export["out"], export["manifest"]
    receipts = pd.read_csv(out / "receipts.csv", dtype=str)
    assert set(receipts["care_month"]) == {"2024-05"}
    assert set(receipts["survey_kind"]) <= {"医科入院", "医科入院外", "歯科入院外", "調剤"}
    may = [s for s in export["sources"] if s.summary["billing_month"] == "2024-06"]
    welfare = sum(((s.receipts["law_no"] == 12) & ~((s.kind == "dental") & s.receipts["inpatient"])).sum()
                  for s in may)
    assert len(receipts) == welfare == manifest["receipts"]
    assert manifest["left_out"]["care month outside the 審査分"] == sum(
        (s.receipts["law_no"] == 12).sum() for s in export["sources"] if s.summary["billing_month"] == "2024-07")
    assert manifest["care_months"] == ["2024-04", "2024-05"]


def test_survey_items_are_there(export):
    out = export["out"]
    receipts = pd.read_csv(out / "receipts.csv", dtype={"receipt": str})
    diseases = pd.read_csv(out / "diseases.csv", dtype={"receipt": str, "code": str})
    points = pd.read_csv(out / "points.csv", dtype={"receipt": str, "item": str})
    drugs = pd.read_csv(out / "prescriptions.csv", dtype={"receipt": str, "code": str})
    medical = receipts[receipts["survey_kind"].str.startswith("医科")]
    assert set(diseases["receipt"]) >= set(medical["receipt"])            # 傷病名 on every 医科 receipt
    assert diseases["disease_name"].str.len().gt(0).mean() > 0.9
    assert (receipts["days"] >= 1).all()                                    # 診療実日数
    assert set(points["receipt"]) == set(receipts["receipt"])              # 診療行為別点数
    assert {"12", "13"} & set(points["item"])
    totals = points[points["item"] != "97"].groupby("receipt")["points"].sum()  # 97 食事 is in yen
    dpc = receipts[receipts["kind"] == "DPC"].set_index("receipt")["points"]
    assert len(dpc) and (totals.reindex(dpc.index) == dpc).all()           # DPC: 包括 + 出来高 = the claim
    pharmacy = receipts[receipts["survey_kind"] == "調剤"]
    assert len(pharmacy) and pharmacy["accepted"].notna().all()            # 受付回数
    assert receipts.loc[receipts["survey_kind"] != "調剤", "accepted"].isna().all()
    assert set(drugs["receipt"]) == set(pharmacy["receipt"])               # 処方
    assert receipts["receipt"].is_unique and receipts["receipt"].str.fullmatch("[0-9a-f]{16}").all()


def test_no_identifier_anywhere_in_the_export(export):
    out = export["out"]
    columns = set()
    for name in ("receipts", "diseases", "points", "prescriptions"):
        columns |= set(pd.read_csv(out / f"{name}.csv", nrows=0).columns)
    assert not columns & {"name", "kana", "birth_date", "recipient_no", "person_id", "address", "search_no",
                          "chart_no", "receipt_key", "source_file", "source_line", "management_no", "institution"}
    blob = b"".join((out / f).read_bytes() for f in ("receipts.csv", "diseases.csv", "points.csv",
                                                      "prescriptions.csv", "manifest.json"))
    text = blob.decode("utf-8")
    fields = set().union(*(_fields(out / f) for f in ("receipts.csv", "diseases.csv", "points.csv",
                                                       "prescriptions.csv")))
    people = pd.concat([s.receipts for s in export["sources"]])
    names = {n for n in people["name"] if len(n) >= 2} | {k for k in people["kana"] if len(k) >= 3}
    assert names and not [n for n in names if n in text]
    births = {str(b) for b in people["birth_date"] if b}
    assert births and not births & fields
    assert not [b for b in births if f"{b[:4]}-{b[4:6]}-{b[6:]}" in text]
    recipients = set(people["recipient_no"]) - {""}
    assert recipients and not recipients & fields
    searches = {s for s in people["search_no"] if s}
    assert not searches & fields
    results = receptor.open_results(export["base"] / "results.h5", ALL)
    person_ids = set(results.receipts["person_id"]) - {""}
    assert person_ids and not [p for p in person_ids if p in text]


def test_the_export_is_audited(export):
    entries = list(AuditLog(export["base"] / "audit.log").entries())
    made = [e for e in entries if e["action"] == "export.survey"]
    assert len(made) == 1
    assert made[0]["rows"] == export["manifest"]["receipts"] and made[0]["review_month"] == "2024-06"
    assert made[0]["subjects"] == export["manifest"]["people"] or len(made[0]["subjects"]) == \
        export["manifest"]["people"]


def test_person_ids_differ_between_exports(export, tmp_path):
    survey_export(export["base"] / "results.h5", "2024-06", out_dir=tmp_path, ctx=ALL)
    a = set(pd.read_csv(export["out"] / "receipts.csv", dtype=str)["person"])
    b = set(pd.read_csv(tmp_path / "receipts.csv", dtype=str)["person"])
    assert len(a) == len(b) and not a & b


def test_only_office_staff_export_their_offices(export, tmp_path):
    office = pd.read_csv(export["out"] / "receipts.csv", dtype=str)["office_no"].value_counts().index[0]
    mine = survey_export(export["base"] / "results.h5", "2024-06", out_dir=tmp_path,
                         ctx=AccessContext("sato", "office_staff", offices=(office,)))
    assert mine["offices"] == [office]
    assert set(pd.read_csv(tmp_path / "receipts.csv", dtype=str)["office_no"]) == {office}
    with pytest.raises(PermissionError):
        survey_export(export["base"] / "results.h5", "2024-06", out_dir=tmp_path,
                      ctx=AccessContext("ana1", "analyst", pseudonym_key=b"k" * 32))


def test_a_changed_source_file_is_refused(export, tmp_path):
    import shutil

    base = tmp_path / "copy"
    shutil.copytree(export["base"], base, ignore=shutil.ignore_patterns("out", "audit.log"))
    # The result file names the original paths; give it a copy whose inputs point at changed files.
    import h5py

    with h5py.File(base / "results.h5", "r+") as f:
        inputs = json.loads(f.attrs["inputs"])
        first = next(i for i in inputs if i["role"] == "receipts")
        first["sha256"] = "0" * 64
        f.attrs["inputs"] = json.dumps(inputs)
    with pytest.raises(ValueError, match="SHA-256 differs"):
        survey_export(base / "results.h5", "2024-06", out_dir=tmp_path / "out", ctx=ALL)


# --- aggregates --------------------------------------------------------------------------------------------------

def _people(rows):
    """A frame with one row per person: (kind, band, how many people)."""
    out = []
    for kind, band, n in rows:
        out += [{"kind": kind, "band": band, "person": f"{kind}{band}{i}", "points": 100} for i in range(n)]
    return pd.DataFrame(out)


def _lines_of(table, by):
    a, b = by
    inner = table[(table[a] != TOTAL) & (table[b] != TOTAL)]
    for key, col in ((a, b), (b, a)):
        for value in table.loc[table[key] != TOTAL, key].unique():
            yield table[(table[key] == value)]
    yield table[table[a] == TOTAL]
    yield table[table[b] == TOTAL]
    assert len(inner)


def test_cells_of_fewer_than_ten_people_are_suppressed():
    df = _people([("医科", "0-39", 25), ("医科", "40-79", 4), ("医科", "80+", 30),
                  ("調剤", "0-39", 12), ("調剤", "40-79", 40), ("調剤", "80+", 15)])
    t = aggregate(df, ["kind", "band"])
    cell = t.set_index(["kind", "band"])
    assert cell.loc[("医科", "40-79"), "suppressed"] == "primary"
    assert pd.isna(cell.loc[("医科", "40-79"), "people"]) and pd.isna(cell.loc[("医科", "40-79"), "points"])
    shown = t[t["suppressed"] == ""]
    assert (shown["people"] >= 10).all()
    assert cell.loc[(TOTAL, TOTAL), "people"] == 126


def test_a_total_cannot_give_a_suppressed_cell_away():
    df = _people([("医科", "0-39", 25), ("医科", "40-79", 4), ("医科", "80+", 30),
                  ("調剤", "0-39", 12), ("調剤", "40-79", 40), ("調剤", "80+", 15)])
    t = aggregate(df, ["kind", "band"])
    # The row 医科 alone would give 4 = 59 - 25 - 30: a second cell in the row and in the column is hidden.
    for line in _lines_of(t, ["kind", "band"]):
        assert (line["suppressed"] != "").sum() != 1, line.to_string()
    assert (t["suppressed"] == "secondary").sum() >= 1
    # Nothing hidden follows from the published values by any combination of the totals.
    state = t["suppressed"].to_numpy().astype(object)
    keys = list(zip(t["kind"], t["band"]))
    idx = {k: n for n, k in enumerate(keys)}
    kinds = [k for k in t["kind"].unique() if k != TOTAL]
    bands = [b for b in t["band"].unique() if b != TOTAL]
    lines = [[idx[(k, b)] for b in bands] + [idx[(k, TOTAL)]] for k in kinds]
    lines += [[idx[(k, b)] for k in kinds] + [idx[(TOTAL, b)]] for b in bands]
    lines += [[idx[(k, TOTAL)] for k in kinds] + [idx[(TOTAL, TOTAL)]],
              [idx[(TOTAL, b)] for b in bands] + [idx[(TOTAL, TOTAL)]]]
    assert _determined(state, lines) is None


def test_secondary_suppression_across_several_lines():
    # Two small cells in one row whose columns otherwise hold only large cells: the line rule alone
    # hides one more per column; the rank check makes sure no combination of lines gives one back.
    rng = np.random.default_rng(7)
    rows = [(k, b, int(rng.integers(0, 40))) for k in "ABCDE" for b in ("b1", "b2", "b3", "b4")]
    t = aggregate(_people(rows), ["kind", "band"])
    assert (t["suppressed"] == "primary").any()
    for line in _lines_of(t, ["kind", "band"]):
        assert (line["suppressed"] != "").sum() != 1


def test_one_way_table():
    t = aggregate(_people([("医科", "x", 30), ("調剤", "x", 5), ("歯科", "x", 20)]), ["kind"])
    assert list(t["kind"]) == ["医科", "歯科", "調剤", TOTAL] or set(t["kind"]) == {"医科", "歯科", "調剤", TOTAL}
    assert (t["suppressed"] != "").sum() == 2  # 調剤 and the next smallest, so 55 - 30 - ? stays unknown
    assert t.set_index("kind").loc[TOTAL, "people"] == 55


def test_aggregate_of_the_export(export):
    receipts = pd.read_csv(export["out"] / "receipts.csv", dtype=str)
    t = aggregate(receipts, ["survey_kind", "age_band"])
    assert (t.loc[t["suppressed"] == "", "people"] >= 10).all()
    for line in _lines_of(t, ["survey_kind", "age_band"]):
        assert (line["suppressed"] != "").sum() != 1
    buffer = io.StringIO()
    t.to_csv(buffer, index=False)
    assert ",primary" in buffer.getvalue()
