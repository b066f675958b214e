"""Worklists: decisions on findings, kept in an append-only log that survives re-runs."""

import json

import openpyxl
import pandas as pd
import pytest

from receptor import Worklist
from receptor.worklist import OUTCOMES, STATUSES


@pytest.fixture()
def runs(scenario_runs):
    first, final = scenario_runs["first"], scenario_runs["final"]
    gone = set(first.findings["finding_id"]) - set(final.findings["finding_id"])
    kept = set(first.findings["finding_id"]) & set(final.findings["finding_id"])
    assert gone and kept, "the scenario must resolve some findings and keep others"
    return first, final, sorted(gone), sorted(kept)


def test_new_findings_are_open_and_seen_once(runs, tmp_path):
    first, _, _, _ = runs
    log = tmp_path / "w.jsonl"
    wl = Worklist.open(first, log)
    items = wl.items()
    assert len(items) == len(first.findings)
    assert set(items["status"]) == {"open"}
    assert items["first_seen"].notna().all()
    seen = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert sorted(e["finding_id"] for e in seen) == sorted(first.findings["finding_id"])
    # Opening again records nothing new.
    Worklist.open(first, log)
    assert len(log.read_text(encoding="utf-8").splitlines()) == len(seen)


def test_default_log_sits_beside_the_results(runs, tmp_path):
    import shutil

    import receptor

    copy = tmp_path / "results.h5"
    shutil.copy(runs[0].path, copy)
    wl = Worklist.open(receptor.open_results(copy))
    assert wl.log_path == tmp_path / "results.h5.worklist.jsonl"
    assert wl.log_path.exists()


def test_decisions_survive_a_rerun_and_vanished_findings_are_resolved_by_data(runs, tmp_path):
    first, final, gone, kept = runs
    log = tmp_path / "w.jsonl"
    wl = Worklist.open(first, log)
    wl.update(kept[0], user="k.sato", status="in_review", owner="K05", due="2024-08-31", note="照会中")
    wl.update(gone[0], user="k.sato", status="in_review", owner="K07")
    again = Worklist.open(final.path, log)  # the next night's results, same log
    items = again.items().set_index("finding_id")
    assert items.loc[kept[0], "status"] == "in_review"
    assert items.loc[kept[0], "owner"] == "K05"
    assert items.loc[kept[0], "due"] == "2024-08-31"
    assert items.loc[kept[0], "note"] == "照会中"
    assert items.loc[kept[0], "updated_by"] == "k.sato"
    # The corrected finding is not lost: it is shown as resolved by data with what it was about.
    assert items.loc[gone[0], "status"] == "resolved_by_data"
    assert not items.loc[gone[0], "in_results"]
    before = first.findings.set_index("finding_id").loc[gone[0]]
    assert items.loc[gone[0], "code"] == before["code"]
    assert items.loc[gone[0], "office_no"] == before["office_no"]
    assert items.loc[gone[0], "owner"] == "K07"
    assert again.state(gone[0])["status"] == "resolved_by_data"
    assert len(items) == len(set(first.findings["finding_id"]) | set(final.findings["finding_id"]))
    # first_seen is when it first appeared, not the re-run.
    first_items = Worklist.open(first, log).items().set_index("finding_id")
    assert items.loc[kept[0], "first_seen"] == first_items.loc[kept[0], "first_seen"]


def test_log_is_append_only(runs, tmp_path):
    first, _, _, kept = runs
    log = tmp_path / "w.jsonl"
    wl = Worklist.open(first, log)
    before = log.read_bytes()
    wl.update(kept[0], user="a", status="in_review")
    middle = log.read_bytes()
    wl.update(kept[0], user="b", status="done", outcome="過誤調整")
    after = log.read_bytes()
    assert middle.startswith(before) and after.startswith(middle) and len(after) > len(middle) > len(before)
    last = json.loads(after.decode("utf-8").splitlines()[-1])
    assert last["event"] == "update" and last["user"] == "b" and last["finding_id"] == kept[0]
    assert last["changes"] == {"status": "done", "outcome": "過誤調整"}
    assert last["at"].endswith("+00:00")
    history = wl.history(kept[0])
    assert list(history["event"]) == ["seen", "update", "update"]
    assert list(history["user"])[1:] == ["a", "b"]


def test_validation(runs, tmp_path):
    first, _, _, kept = runs
    wl = Worklist.open(first, tmp_path / "w.jsonl")
    with pytest.raises(KeyError, match="no finding 'nope'"):
        wl.update("nope", user="k", status="open")
    with pytest.raises(ValueError, match="status 'closed'"):
        wl.update(kept[0], user="k", status="closed")
    with pytest.raises(ValueError, match="outcome"):
        wl.update(kept[0], user="k", outcome="whatever")
    with pytest.raises(ValueError, match="done only with an outcome"):
        wl.update(kept[0], user="k", status="done")
    with pytest.raises(ValueError, match="not a date"):
        wl.update(kept[0], user="k", due="31/08/2024")
    with pytest.raises(ValueError, match="user"):
        wl.update(kept[0], user="", status="open")
    with pytest.raises(ValueError, match="nothing to change"):
        wl.update(kept[0], user="k")
    assert wl.state(kept[0])["status"] == "open"  # nothing invalid was written
    assert set(STATUSES) == {"open", "in_review", "done"} and "再審査請求" in OUTCOMES


def test_a_torn_log_is_reported_with_its_line(runs, tmp_path):
    log = tmp_path / "w.jsonl"
    Worklist.open(runs[0], log)
    with open(log, "ab") as f:
        f.write(b'{"event": "upd')
    lines = log.read_bytes().count(b"\n")
    with pytest.raises(ValueError, match=f"line {lines + 1}: incomplete"):
        Worklist.open(runs[0], log)


def test_views(runs, tmp_path, scenario_runs):
    first, _, _, kept = runs
    wl = Worklist.open(first, tmp_path / "w.jsonl", recipients=scenario_runs["recipients"])
    wl.update(kept[0], user="k", status="done", outcome="問題なし")
    wl.update(kept[1], user="k", status="in_review")
    by_office = wl.by_office()
    assert by_office["total"].sum() == len(first.findings)
    assert by_office["done"].sum() == 1 and by_office["in_review"].sum() == 1
    by_worker = wl.by_caseworker()
    assert by_worker["total"].sum() == len(first.findings)
    # Caseworkers come from the recipients feed for identified people.
    recipients = pd.read_csv(scenario_runs["recipients"], dtype=str)
    items = wl.items()
    person = items[items["person_id"] != ""].iloc[0]
    want = recipients[(recipients["office_no"] == person["office_no"])
                      & (recipients["person_id"] == person["person_id"])]["caseworker"].iloc[-1]
    assert person["caseworker"] == want
    assert len(wl.items(caseworker=want)) >= 1

    seen_day = items["first_seen"].min().date()
    aged = wl.ageing(as_of=seen_day + pd.Timedelta(days=75))
    assert list(aged.columns) == ["0-30", "31-60", "61-90", ">90"]
    assert aged["61-90"].sum() == len(first.findings) - 1  # the done one no longer ages
    assert aged[["0-30", "31-60", ">90"]].to_numpy().sum() == 0
    detail = wl.ageing(as_of=seen_day + pd.Timedelta(days=100), detail=True)
    assert set(detail["age"]) == {">90"} and (detail["days_open"] == 100).all()

    summary = wl.supervisor_summary(as_of=seen_day + pd.Timedelta(days=100))
    assert summary["unworked"].sum() == len(first.findings) - 2  # open only: not done, not in review
    assert (summary["over_90_days"] == summary["unworked"]).all()
    codes = first.findings.groupby(["office_no", "code"]).size()
    assert set(summary.index) <= set(codes.index)


def test_exports_open_in_excel(runs, tmp_path):
    first, _, _, kept = runs
    wl = Worklist.open(first, tmp_path / "w.jsonl")
    wl.update(kept[0], user="佐藤", status="done", outcome="再審査請求", note="「点数」誤り, 再請求")
    csv_path = wl.export_csv(tmp_path / "w.csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    back = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(back) == len(first.findings)
    row = back.set_index("finding_id").loc[kept[0]]
    assert row["outcome"] == "再審査請求" and row["note"] == "「点数」誤り, 再請求"

    xlsx = wl.export_xlsx(tmp_path / "w.xlsx")
    for written in (csv_path, xlsx):  # they name people: owner only
        assert written.stat().st_mode & 0o777 == 0o600
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["worklist"]
    frame = pd.read_excel(xlsx, dtype=str)
    assert len(frame) == len(first.findings)
    assert frame.set_index("finding_id").loc[kept[0], "updated_by"] == "佐藤"
    # Numbers stay text in the workbook (institution codes start with 0). Institution-level findings
    # (ANOMALOUS_INSTITUTION) have no office: their office cell is empty, not "nan" or 0.
    sheet = book["worklist"]
    column = {name: i + 1 for i, name in enumerate(frame.columns)}
    cells = [(sheet.cell(row=r, column=column["office_no"]).value,
              sheet.cell(row=r, column=column["institution"]).value) for r in range(2, sheet.max_row + 1)]
    offices = [o for o, _ in cells if o is not None]
    assert offices and all(isinstance(o, str) and len(o) == 8 for o in offices)
    institutions = [i for _, i in cells if i is not None]  # person-level checks may name none
    assert institutions and all(isinstance(i, str) and len(i) == 10 for i in institutions)
    assert any(i.startswith("0") for i in institutions)
    no_office = frame["code"] == "ANOMALOUS_INSTITUTION"
    assert no_office.any() and all(cells[i][0] is None for i in frame.index[no_office])


def test_two_caseworkers_on_one_log_see_each_others_decisions(runs, tmp_path):
    first, _, _, kept = runs
    log = tmp_path / "w.jsonl"
    a = Worklist.open(first, log, user="a")
    b = Worklist.open(first, log, user="b")  # opened before a's decision
    a.update(kept[0], user="a", outcome="過誤調整")
    # b's "done" is checked against the latest state, which has a's outcome.
    state = b.update(kept[0], user="b", status="done")
    assert state["status"] == "done" and state["outcome"] == "過誤調整" and state["updated_by"] == "b"
    entries = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert [e["user"] for e in entries if e["event"] == "update"] == ["a", "b"]
    assert sum(e["event"] == "seen" for e in entries) == len(first.findings)  # recorded once, not per opener


def test_office_staff_work_their_offices_findings_and_decisions_are_audited(runs, tmp_path):
    import receptor
    from receptor import AccessContext, AuditLog

    first, final, gone, kept = runs
    findings = first.findings
    office = findings.loc[findings["office_no"] != "", "office_no"].value_counts().index[0]
    log, audit = tmp_path / "w.jsonl", tmp_path / "audit.log"
    Worklist.open(first, log)  # staff of every office open it first: the log holds every office's findings
    staff = AccessContext("sato", "office_staff", offices=(office,))
    wl = Worklist.open(receptor.open_results(final.path, staff, audit_log=audit), log)
    items = wl.items()
    own = items["office_no"] == office
    assert own.any() and not own.all()  # institution-level findings too
    rest = items[~own]
    assert (rest["office_no"] == "").all() and (rest["person_id"] == "").all()
    used = set(wl.results.receipts["institution"])
    assert rest["institution"].isin(used).all()
    # Findings only the log knows are scoped as well: none of another office, resolved or not.
    every = Worklist.open(final, log).items()
    assert set(every["office_no"]) - {"", office}
    assert set(items["finding_id"]) == set(every.loc[(every["office_no"] == office) | every["finding_id"].isin(
        rest["finding_id"]), "finding_id"])
    assert len(wl) == len(items)
    other = every.loc[(every["office_no"] != office) & (every["office_no"] != ""), "finding_id"].iloc[0]
    with pytest.raises(KeyError, match="no finding"):
        wl.update(other, status="in_review")
    with pytest.raises(KeyError, match="no finding"):
        wl.state(other)
    assert wl.history(other).empty

    mine = items.loc[own & items["in_results"], "finding_id"].iloc[0]
    before = sum(1 for _ in AuditLog(audit).entries())
    wl.update(mine, status="in_review", note="照会中")
    wl.update(mine, user="k.tanaka", status="done", outcome="問題なし")
    entries = list(AuditLog(audit).entries())[before:]
    assert [e["action"] for e in entries] == ["worklist.update"] * 2
    assert [e["user"] for e in entries] == ["sato", "sato"] and entries[1]["decided_by"] == "k.tanaka"
    assert all(e["role"] == "office_staff" and e["subjects"] == [mine] and e["office"] == office for e in entries)
    assert entries[0]["fields"] == ["note", "status"] and "照会中" not in json.dumps(entries, ensure_ascii=False)
    assert AuditLog(audit).verify().ok
    assert wl.state(mine)["updated_by"] == "k.tanaka"


def test_worklists_are_for_office_staff(runs, tmp_path):
    import receptor
    from receptor import AccessContext, AuditLog

    audit = tmp_path / "audit.log"
    for ctx in (AccessContext("ops1", "operator"), AccessContext("aud1", "auditor"),
                AccessContext("ana1", "analyst", pseudonym_key=b"analyst-key-0123456789abcdef0123")):
        with pytest.raises(PermissionError):
            Worklist.open(receptor.open_results(runs[0].path, ctx, audit_log=audit), tmp_path / "w.jsonl")
    assert not (tmp_path / "w.jsonl").exists()
    entries = list(AuditLog(audit).entries())
    denied = [(e["action"], e["user"]) for e in entries if e["action"].endswith(".denied")]
    assert denied == [("worklist.denied", "ops1"), ("worklist.denied", "aud1"), ("worklist.denied", "ana1")]
    assert not any(e["action"] == "read_table" for e in entries)  # refused before any finding was read
    with pytest.raises(PermissionError, match="office_staff"):
        Worklist.open(runs[0].path, tmp_path / "w.jsonl", access=AccessContext("ops1", "operator"))
