"""render_receipt: one receipt laid out like the paper レセプト, in a notebook, a file and the shell."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import receptor
from receptor import render_receipt


def _row(results, pattern, corrected=None):
    """A receipt of the file matching ``pattern``; with corrected=True one the review changed."""
    receipts = results.receipts[results.receipts["source_file"].str.contains(pattern)]
    if corrected is None:
        return receipts.iloc[0]
    path = receipts["source_file"].iloc[0]
    read = receptor.read_receipts(path)
    lines = read.receipts.loc[(read.receipts["corrected"] > 0) == corrected, "source_line"]
    return receipts[receipts["source_line"].isin(lines)].iloc[0]


def test_payer_side_receipt_shows_what_review_changed(scenario_runs):
    results = scenario_runs["final"]
    row = _row(results, "RECODEINFO_MED", corrected=True)
    view = render_receipt(results, row["receipt_key"])
    assert view.payer_side and view.kind == "医科"
    assert int(view.receipt["claimed_points"]) != int(view.receipt["points"])
    assert not view.changes.empty
    assert set(view.changes["change"]) <= {"removed", "added", "changed"}
    # Points per 診療識別 add up to the decided total of the 摘要.
    groups = view.group_points
    assert groups.loc[groups["group"] != 97, "points"].sum() == int(view.receipt["line_points"])
    page = view.html
    assert "審査による変更" in page and "請求" in page and "決定" in page
    assert f"{int(view.receipt['claimed_points']):,}" in page


def test_layout_names_from_masters_and_print_css(scenario_runs):
    results = scenario_runs["final"]
    row = _row(results, "RECODEINFO_MED", corrected=False)
    view = render_receipt(results, row["receipt_key"], masters=receptor.default_masters_dir())
    page = view.html
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "@media print" in page
    assert "診療年月" in page and "令和6年6月" in page
    assert str(view.receipt["name"]) in page
    assert "生活保護" in page and row["recipient_no"] in page  # 公費 with 負担者番号 and 受給者番号
    assert "診療識別" in page
    names = [n for n in view.lines["item_name"] if n]
    assert names and all(n in page for n in names[:5])
    diseases = [d for d in view.diseases["disease_name"] if d]
    assert diseases and diseases[0] in page
    assert "審査による変更なし" in page
    assert view._repr_html_().startswith("<style>")


def test_institution_side_and_every_kind(tmp_path):
    from receptor import _core

    _core.generate(str(tmp_path / "month"), receipts=200, seed=8)
    with receptor.Engine(shards=2) as engine:
        results = engine.run([tmp_path / "month"], tmp_path / "r.h5")
    kinds = set()
    for _, row in results.receipts.drop_duplicates("kind").iterrows():
        view = render_receipt(results, row["receipt_key"])
        assert not view.payer_side
        assert "審査による変更" not in view.html
        groups = view.group_points
        if view.kind == "調剤":  # per 処方; its points are charged per 調剤数量, only the total counts
            assert groups["points"].isna().all() and len(groups) == view.lines["group"].nunique()
        else:  # the 摘要 total leaves out 食事 (97)
            assert groups.loc[groups["group"] != 97, "points"].sum() == int(view.receipt["line_points"])
        assert f"{int(view.receipt['points']):,}" in view.html
        kinds.add(view.kind)
    assert kinds == {"医科", "DPC", "歯科", "調剤"}


def test_findings_of_the_receipt_are_shown(scenario_runs):
    results = scenario_runs["final"]
    finding = results.findings[results.findings["receipt_key"] != ""].iloc[0]
    view = render_receipt(results.path, finding["receipt_key"])
    assert finding["finding_id"] in set(view.findings["finding_id"])
    assert (view.findings["receipt_key"] == finding["receipt_key"]).all()
    assert finding["code"] in view.html and finding["finding_id"] in view.html


def test_text_is_escaped(scenario_runs, tmp_path):
    source = Path(scenario_runs["receipts_dir"]) / "11_RECODEINFO_MED.CSV"
    first = receptor.read_receipts(source).receipts.iloc[0]
    raw = source.read_bytes()
    evil = "<script>alert(1)</script>"
    folder = tmp_path / "receipts"
    folder.mkdir()
    (folder / source.name).write_bytes(raw.replace(first["name"].encode("cp932"), evil.encode("cp932"), 1))
    with receptor.Engine(shards=1) as engine:
        results = engine.run([folder], tmp_path / "r.h5")
    key = results.receipts.loc[results.receipts["source_line"] == first["source_line"], "receipt_key"].iloc[0]
    page = render_receipt(results, key).html
    assert evil not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_key_and_missing_file(scenario_runs, tmp_path):
    results = scenario_runs["final"]
    with pytest.raises(KeyError, match="no receipt 'nope'"):
        render_receipt(results, "nope")
    # The receipt file is looked for as given, then beside the results.
    folder = tmp_path / "moved"
    shutil.copytree(scenario_runs["receipts_dir"], folder)
    with receptor.Engine(shards=1) as engine:
        moved = engine.run([folder], tmp_path / "moved.h5")
    key = moved.receipts["receipt_key"].iloc[0]
    shutil.rmtree(folder)
    with pytest.raises(FileNotFoundError, match="is gone"):
        render_receipt(moved, key)


def _receptor(*args, **kw):
    exe = os.environ.get("RECEPTOR_BIN") or shutil.which("receptor")
    if not exe:
        pytest.fail("the receptor executable is neither in RECEPTOR_BIN nor on PATH")
    env = {**os.environ, "RECEPTOR_PYTHON": sys.executable, "RECEPTOR_USER": "tester"}
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, env=env, **kw)


def test_cli_render_through_the_native_executable(scenario_runs, tmp_path):
    results = scenario_runs["final"]
    key = results.receipts["receipt_key"].iloc[3]
    out = tmp_path / "r.html"
    p = _receptor("render", "--results", results.path, key, "--out", out)
    assert p.returncode == 0, p.stderr
    assert out.read_text(encoding="utf-8") == render_receipt(results, key).html
    assert out.stat().st_mode & 0o777 == 0o600  # it names the patient
    p = _receptor("render", "--results", results.path, key)
    assert p.returncode == 0 and p.stdout.startswith("<!DOCTYPE html>")
    p = _receptor("render", "--results", results.path, "nope")
    assert p.returncode == 2 and "no receipt 'nope'" in p.stderr
    assert "render --results" in _receptor("--help").stdout


def test_cli_worklist_through_the_native_executable(scenario_runs, tmp_path):
    results = scenario_runs["final"]
    copy = tmp_path / "r.h5"
    shutil.copy(results.path, copy)
    fid = results.findings["finding_id"].iloc[0]
    p = _receptor("worklist", "update", "--results", copy, fid, "--status", "done", "--outcome", "過誤調整",
                  "--note", "返戻済み")
    assert p.returncode == 0, p.stderr
    wl = receptor.Worklist.open(copy)
    state = wl.state(fid)
    assert state["status"] == "done" and state["outcome"] == "過誤調整" and state["updated_by"] == "tester"
    p = _receptor("worklist", "list", "--results", copy, "--status", "done", "--format", "csv")
    assert p.returncode == 0 and fid in p.stdout and len(p.stdout.strip().splitlines()) == 2
    p = _receptor("worklist", "export", "--results", copy, "--out", tmp_path / "w.csv")
    assert p.returncode == 0 and (tmp_path / "w.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    p = _receptor("worklist", "update", "--results", copy, "nope", "--status", "open")
    assert p.returncode == 2 and "no finding 'nope'" in p.stderr
    p = _receptor("worklist", "summary", "--results", copy)
    assert p.returncode == 0 and "unworked" in p.stdout


def test_python_m_receptor_dispatches(tmp_path):
    env = {**os.environ, "RECEPTOR_HANDED_OVER": "1"}
    p = subprocess.run([sys.executable, "-m", "receptor", "inspect", "x"], capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "unknown command 'inspect'" in p.stderr  # never handed back in a loop
    p = subprocess.run([sys.executable, "-m", "receptor", "render", "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "--results" in p.stdout


def test_only_office_staff_of_the_receipts_office_see_it_and_each_view_is_audited(scenario_runs, tmp_path):
    from receptor import AccessContext, AuditLog

    path = scenario_runs["final"].path
    stored = scenario_runs["final"].receipts
    row = stored[stored["person_id"] != ""].iloc[0]
    office, key = row["office_no"], row["receipt_key"]
    audit = tmp_path / "audit.log"
    staff = AccessContext("sato", "office_staff", offices=(office,))
    view = render_receipt(receptor.open_results(path, staff, audit_log=audit), key)
    assert row["recipient_no"] in view.html
    last = list(AuditLog(audit).entries())[-1]
    assert (last["action"], last["user"], last["role"], last["office"], last["item"], last["rows"]) == \
        ("render_receipt", "sato", "office_staff", office, key, 1)
    assert last["subjects"] == [f"{office}|{row['person_id']}"]
    # Staff of another office: the receipt does not exist for them.
    other = next(o for o in stored["office_no"] if o != office)
    with pytest.raises(KeyError, match="no receipt"):
        render_receipt(receptor.open_results(path, AccessContext("ito", "office_staff", offices=(other,)),
                                             audit_log=audit), key)
    # Analysts, operators and auditors: refused before the receipt file is read, and logged.
    for ctx in (AccessContext("ana1", "analyst", pseudonym_key=b"analyst-key-0123456789abcdef0123"),
                AccessContext("ops1", "operator"), AccessContext("aud1", "auditor")):
        with pytest.raises(PermissionError, match="office staff"):
            render_receipt(receptor.open_results(path, ctx, audit_log=audit), key)
        last = list(AuditLog(audit).entries())[-1]
        assert (last["action"], last["user"], last["subjects"]) == ("render_receipt.denied", ctx.user, [])
    assert AuditLog(audit).verify().ok


def test_cli_render_refuses_an_analyst(scenario_runs, tmp_path):
    key = tmp_path / "key"
    key.write_text("analyst-key-0123456789abcdef0123")
    key.chmod(0o600)
    results = scenario_runs["final"]
    env = {**os.environ, "RECEPTOR_ROLE": "analyst", "RECEPTOR_PSEUDONYM_KEY_FILE": str(key),
           "RECEPTOR_AUDIT_LOG": str(tmp_path / "audit.log")}
    p = subprocess.run([sys.executable, "-m", "receptor", "render", "--results", str(results.path),
                        results.receipts["receipt_key"].iloc[0]], capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "office staff" in p.stderr and p.stdout == ""
