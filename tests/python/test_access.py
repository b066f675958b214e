"""Who sees what: every table read with every role, scoped in one place and audited."""

import re

import pandas as pd
import pytest

import receptor
from receptor import AccessContext, AuditLog, _core
from receptor.access import ROLES, age_band, apply_access
from receptor.results import TABLES, _read_stored

KEY = b"analyst-key-0123456789abcdef0123"
PERSONAL = {"person_id", "recipient_no", "receipt_key", "ticket_id", "finding_id", "raw", "detail", "reason",
            "name", "name_kana", "kana", "address", "birth_date", "source_line"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("access")
    made = _core.generate_scenario(str(out), receipts=2000, seed=1)
    feed = out / "feed"
    with receptor.Engine(shards=3) as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=feed / "tickets.csv")
        engine.run([made["receipts_dir"]], out / "first.h5")
    # An office with findings and tickets gets one bad ticket row, so the quarantine has something to scope.
    tickets = (feed / "tickets.csv").read_text(encoding="utf-8").splitlines()
    header = tickets[0].split(",")
    rows = [t.split(",") for t in tickets[1:]]
    with_tickets = {r[header.index("office_no")] for r in rows}
    counts = _read_stored(out / "first.h5", "findings")["office_no"].value_counts()
    office = next(o for o in counts.index if o in with_tickets)
    bad = next(r for r in rows if r[header.index("office_no")] == office)
    bad[header.index("ticket_id")] = "TBAD0001"
    bad[header.index("month")] = "2024-13"
    (feed / "tickets.csv").write_text("\n".join(tickets + [",".join(bad)]) + "\n", encoding="utf-8")
    with receptor.Engine(shards=3) as engine:
        engine.load(recipients=feed / "recipients.csv", tickets=feed / "tickets.csv")
        engine.run([made["receipts_dir"]], out / "results.h5")
    return {"path": out / "results.h5", "office": office, "log": out / "audit.log"}


def _context(role, office):
    return {
        "operator": AccessContext("ops1", "operator"),
        "office_staff": AccessContext("sato", "office_staff", offices=(office,)),
        "analyst": AccessContext("ana1", "analyst", pseudonym_key=KEY),
        "auditor": AccessContext("aud1", "auditor"),
    }[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("table", TABLES)
def test_every_table_with_every_role(run, table, role):
    path, office = run["path"], run["office"]
    ctx = _context(role, office)
    stored = _read_stored(path, table)
    log = AuditLog(run["log"])
    before = sum(1 for _ in log.entries())
    results = receptor.open_results(path, ctx)
    if role == "auditor":
        with pytest.raises(PermissionError, match="audit log only"):
            results.table(table)
        last = list(log.entries())[-1]
        assert (last["action"], last["table"], last["user"]) == ("read_table.denied", table, "aud1")
        return
    view = results.table(table)
    entries = list(log.entries())
    assert len(entries) == before + 2  # open_results, read_table
    last = entries[-1]
    assert (last["action"], last["table"], last["user"], last["role"], last["rows"]) == \
        ("read_table", table, ctx.user, role, len(view))

    if role == "operator":
        assert not (PERSONAL - ({"source_line"} if table == "quarantine" else set())) & set(view.columns), table
        if "rows" in view.columns:
            assert view["rows"].sum() == len(stored)
        assert last["subjects"] == []
    elif role == "office_staff":
        # Institution-level rows (no office, no person) only for institutions the office's receipts name.
        used = set(_read_stored(path, "receipts").query("office_no == @office")["institution"])
        if "office_no" in stored.columns:
            own = view["office_no"] == office
            assert own.sum() == (stored["office_no"] == office).sum()
            assert list(view.columns) == list(stored.columns)  # identifiers kept
            assert len(view) > 0
            if table == "findings":
                about = (stored["office_no"] == "") & (stored["person_id"] == "")
                assert about.any(), "the engine writes ANOMALOUS_INSTITUTION findings"
                shown = view[~own]
                assert (shown["office_no"] == "").all() and (shown["person_id"] == "").all()
                assert sorted(shown["finding_id"]) == sorted(
                    stored.loc[about & stored["institution"].isin(used), "finding_id"])
            else:  # scores_person, summary: every row is an office's
                assert own.all()
        elif table == "scores_institution":
            assert len(view) > 0 and set(view["institution"]) <= used
            assert len(view) == stored["institution"].isin(used).sum()
            assert list(view.columns) == list(stored.columns)
        elif table == "quarantine":
            assert len(view) == 1 and "TBAD0001" in view["raw"].iloc[0]
            assert len(stored) > len(view) or stored["raw"].str.contains(office).all()
        people = {f"{office}|{p}" for p in view.get("person_id", []) if p}
        if table == "findings":  # listed up to 100, counted above (docs/audit.md)
            ids = sorted(view["finding_id"])
            assert last["subjects"] == (ids if len(ids) <= 100 else len(ids))
        elif people:
            assert last["subjects"] == (sorted(people) if len(people) <= 100 else len(people))
        else:
            assert last["subjects"] == []
        assert last["office"] in ("", office)
    else:  # analyst
        assert not (PERSONAL - {"person_id", "receipt_key", "ticket_id", "finding_id"}) & set(view.columns)
        assert len(view) == len(stored)
        cells = {str(v) for column in view.columns for v in view[column]}
        for column in ("person_id", "recipient_no", "receipt_key", "ticket_id", "finding_id"):
            if column in stored.columns:
                real = {v for v in stored[column].astype(str) if v}
                assert not real & cells, (table, column)
        for column in ("person_id", "receipt_key", "ticket_id", "finding_id"):
            if column in view.columns:
                assert view[column].map(lambda v: v == "" or bool(HEX32.match(v))).all()


def test_no_role_configured_is_a_clear_error(run, monkeypatch):
    monkeypatch.delenv("RECEPTOR_ROLE")
    with pytest.raises(PermissionError, match="RECEPTOR_ROLE"):
        receptor.open_results(run["path"])


def test_context_from_the_environment(tmp_path):
    key = tmp_path / "key"
    key.write_bytes(KEY + b"\n")
    key.chmod(0o600)
    ctx = AccessContext.from_env({"RECEPTOR_ROLE": "analyst", "RECEPTOR_USER": "ana1",
                                  "RECEPTOR_PSEUDONYM_KEY_FILE": str(key)})
    assert (ctx.user, ctx.role, ctx.pseudonym_key) == ("ana1", "analyst", KEY)
    assert KEY.decode() not in repr(ctx)
    key.chmod(0o644)
    with pytest.raises(PermissionError, match="owner only"):
        AccessContext.from_env({"RECEPTOR_ROLE": "analyst", "RECEPTOR_PSEUDONYM_KEY_FILE": str(key)})
    with pytest.raises(PermissionError, match="pseudonym key"):
        AccessContext.from_env({"RECEPTOR_ROLE": "analyst"})
    with pytest.raises(PermissionError, match="needs offices"):
        AccessContext.from_env({"RECEPTOR_ROLE": "office_staff"})
    staff = AccessContext.from_env({"RECEPTOR_ROLE": "office_staff", "RECEPTOR_OFFICES": "12011011, 12021010"})
    assert staff.offices == ("12011011", "12021010")
    with pytest.raises(ValueError, match="unknown role"):
        AccessContext.from_env({"RECEPTOR_ROLE": "admin"})


def test_office_staff_see_nothing_of_other_offices(run):
    office = run["office"]
    mine = receptor.open_results(run["path"], AccessContext("sato", "office_staff", offices=(office,)))
    stored = _read_stored(run["path"], "receipts")
    others = set(stored.loc[stored["office_no"] != office, "recipient_no"]) - set(
        stored.loc[stored["office_no"] == office, "recipient_no"])
    tables = [mine.table(t) for t in TABLES]
    cells = {str(v) for df in tables for column in df.columns for v in df[column]}
    assert others and not others & cells


def test_analyst_restricted_to_given_offices(run):
    office = run["office"]
    ctx = AccessContext("ana1", "analyst", offices=(office,), pseudonym_key=KEY)
    view = receptor.open_results(run["path"], ctx).receipts
    assert (view["office_no"] == office).all() and len(view) > 0


def test_analyst_view_drops_names_and_bands_birth_dates():
    df = pd.DataFrame({"office_no": ["12011011", "12011011"], "person_id": ["P1", ""],
                       "name": ["増田　正男", "x"], "name_kana": ["マスダマサオ", "x"], "address": ["東京都", "x"],
                       "patient_name": ["増田", "x"], "home_address_line": ["東京都", "x"], "kana_name": ["マ", "x"],
                       "birth_date": [19540430, 0], "month": ["2024-06", "2024-06"], "recipient_no": ["3088549", ""]})
    ctx = AccessContext("ana1", "analyst", pseudonym_key=KEY)
    view = apply_access("receipts", df, ctx)
    assert list(view.columns) == ["office_no", "person_id", "age_band", "month"]
    assert list(view["age_band"]) == ["70-74", ""]
    assert view["person_id"].iloc[1] == ""


def test_age_bands():
    assert list(age_band([19540430, 19540602, 19300101, 20240515], [20240601] * 4)) == \
        ["70-74", "65-69", "90+", "0-4"]


def test_institution_rows_for_office_staff():
    scores = pd.DataFrame({"institution": ["0116699011", "0418297640"], "month": ["2024-06"] * 2,
                           "score": [1.0, 2.0]})
    findings = pd.DataFrame({"finding_id": ["a", "b", "c"], "office_no": ["", "", "12011011"],
                             "person_id": ["", "", "P1"], "institution": ["0116699011", "0418297640", "0418297640"]})
    ctx = AccessContext("sato", "office_staff", offices=("12011011",))
    assert list(apply_access("scores_institution", scores, ctx, institutions={"0116699011"})["institution"]) == \
        ["0116699011"]
    assert list(apply_access("findings", findings, ctx, institutions={"0116699011"})["finding_id"]) == ["a", "c"]
    assert apply_access("scores_institution", scores, ctx).empty  # none known: none shown


def test_summary_with_an_office_month_without_drugs():
    """generic_share is NaN where an office-month has no drug lines: every role gets it as NaN, not 0 or dropped."""
    summary = pd.DataFrame({"office_no": ["12011011", "12021010"], "month": ["2024-06"] * 2, "receipts": [5, 2],
                            "findings": [3, 0], "drug_lines": [4, 0], "generic_lines": [3, 0],
                            "generic_share": [0.75, float("nan")], "findings_FREQUENT_VISITS": [1, 0]})
    for ctx in (AccessContext("ops1", "operator"), AccessContext("ana1", "analyst", pseudonym_key=KEY),
                AccessContext("sato", "office_staff", offices=("*",))):
        view = apply_access("summary", summary, ctx)
        pd.testing.assert_frame_equal(view.reset_index(drop=True), summary, check_dtype=True)
    staff = apply_access("summary", summary, AccessContext("sato", "office_staff", offices=("12021010",)))
    assert list(staff["office_no"]) == ["12021010"] and staff["generic_share"].isna().all()
    with pytest.raises(PermissionError):
        apply_access("summary", summary, AccessContext("aud1", "auditor"))


def test_unknown_table_fails_closed():
    odd = pd.DataFrame({"person_id": ["P1"], "value": [1]})
    with pytest.raises(PermissionError):
        apply_access("something_new", odd, AccessContext("sato", "office_staff", offices=("12011011",)))
    with pytest.raises(PermissionError):
        apply_access("something_new", odd, AccessContext("ops1", "operator"))


def test_engine_run_checks_the_role_before_running(tmp_path, monkeypatch):
    monkeypatch.delenv("RECEPTOR_ROLE")
    with receptor.Engine(shards=1) as engine:
        with pytest.raises(PermissionError, match="RECEPTOR_ROLE"):
            engine.run([tmp_path], tmp_path / "r.h5")
    assert not (tmp_path / "r.h5").exists()


def test_read_fails_when_the_audit_log_cannot_be_written(run, tmp_path):
    blocked = tmp_path / "no-such-folder" / "audit.log"
    with pytest.raises(OSError):
        receptor.open_results(run["path"], AccessContext("sato", "office_staff", offices=("*",)), audit_log=blocked)
