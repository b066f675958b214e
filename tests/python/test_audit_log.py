"""The audit log: a hash chain that names the first edited, removed, reordered or truncated line."""

import json
import multiprocessing
import os
import subprocess
import sys

import pytest

from receptor.audit import AuditLog, canonical, entry_hash


def _filled(tmp_path, n=5) -> AuditLog:
    log = AuditLog(tmp_path / "audit.log")
    for i in range(n):
        log.append(user=f"user{i}", role="office_staff", action="read_table", office="12011011",
                   subjects=[f"12011011|P{i:07d}"], rows=i + 1, table="receipts")
    return log


def _lines(log):
    with open(log.path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def _write(log, lines):
    with open(log.path, "wb") as f:
        f.write(b"".join(line + b"\n" for line in lines))


def test_append_and_verify(tmp_path):
    log = _filled(tmp_path)
    entries = list(log.entries())
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev_hash"] == ""
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:]))
    assert all(e["ts"].endswith("Z") and e["ts"][10] == "T" for e in entries)
    e = entries[2]
    assert e["hash"] == entry_hash(e)
    body = json.loads(canonical(e))
    assert "hash" not in body and list(body) == sorted(body)
    report = log.verify()
    assert report.ok and report.entries == 5, str(report)


def test_japanese_text_is_hashed_as_utf8(tmp_path):
    log = AuditLog(tmp_path / "audit.log")
    log.append(user="佐藤", role="office_staff", action="worklist.update", office="12011011", subjects=["f1"],
               rows=1, note="再審査請求")
    with open(log.path, encoding="utf-8") as f:
        raw = f.read()
    assert "佐藤" in raw and "再審査請求" in raw
    assert log.verify().ok


def test_large_subject_lists_become_counts(tmp_path):
    log = AuditLog(tmp_path / "audit.log")
    entry = log.append(user="u", role="analyst", action="read_table", subjects=[f"P{i}" for i in range(500)], rows=500)
    assert entry["subjects"] == 500


@pytest.mark.parametrize("field,value", [("user", "someone_else"), ("rows", 0), ("subjects", []),
                                         ("ts", "2020-01-01T00:00:00.000Z")])
def test_an_edited_field_is_found_at_its_line(tmp_path, field, value):
    log = _filled(tmp_path)
    lines = _lines(log)
    e = json.loads(lines[2])
    e[field] = value
    lines[2] = json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode()
    _write(log, lines)
    report = log.verify()
    assert not report.ok
    assert (report.problem.line, report.problem.kind) == (3, "edited")


def test_an_edit_with_a_recomputed_hash_breaks_the_chain_after_it(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    e = json.loads(lines[1])
    e["user"] = "someone_else"
    e["hash"] = entry_hash(e)
    lines[1] = json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode()
    _write(log, lines)
    report = log.verify()
    assert (report.problem.line, report.problem.kind) == (3, "broken_chain")


def test_a_removed_line_is_found(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    del lines[2]
    _write(log, lines)
    report = log.verify()
    assert (report.problem.line, report.problem.kind) == (3, "broken_chain")


def test_a_removed_first_line_is_found(tmp_path):
    log = _filled(tmp_path)
    _write(log, _lines(log)[1:])
    assert (log.verify().problem.line, log.verify().problem.kind) == (1, "broken_chain")


def test_swapped_lines_are_found(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    lines[1], lines[3] = lines[3], lines[1]
    _write(log, lines)
    report = log.verify()
    assert (report.problem.line, report.problem.kind) == (2, "broken_chain")


def test_entries_cut_off_the_end_are_found_with_an_anchor(tmp_path):
    log = _filled(tmp_path)
    anchor = log.verify().last_hash
    assert log.verify(anchor=anchor).ok
    _write(log, _lines(log)[:3])
    assert log.verify().ok  # the chain alone cannot tell
    report = log.verify(anchor=anchor)
    assert (report.problem.line, report.problem.kind) == (4, "truncated")
    assert _cli("verify", "--log", log.path, "--anchor", anchor).returncode == 2


def test_a_seq_gap_is_found(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    e = json.loads(lines[3])
    e["seq"] = 7
    e["hash"] = entry_hash(e)
    lines[3] = json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode()
    _write(log, lines[:4])
    report = log.verify()
    assert (report.problem.line, report.problem.kind) == (4, "seq_gap")


def test_a_last_line_truncated_half_way_is_found(tmp_path):
    log = _filled(tmp_path)
    with open(log.path, "rb") as f:
        data = f.read()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    half = last_start + (len(data) - last_start) // 2
    with open(log.path, "wb") as f:
        f.write(data[:half])
    report = log.verify()
    assert (report.problem.line, report.problem.kind) == (5, "malformed")
    with pytest.raises(ValueError, match="incomplete"):
        log.append(user="u", role="operator", action="run")


def test_a_truncated_last_line_with_its_newline_is_found(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    _write(log, lines)
    report = log.verify()
    assert (report.problem.line, report.problem.kind) == (5, "malformed")


def _append_many(path, who, n):
    log = AuditLog(path)
    for i in range(n):
        log.append(user=who, role="office_staff", action="read_table", subjects=[f"{who}-{i}"], rows=i)


def test_concurrent_appends_from_two_processes_keep_the_chain(tmp_path):
    path = str(tmp_path / "audit.log")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(path, who, 150)) for who in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    log = AuditLog(path)
    report = log.verify()
    assert report.ok, str(report)
    entries = list(log.entries())
    assert len(entries) == 300
    assert {e["user"] for e in entries} == {"a", "b"}


def test_log_file_is_owner_only(tmp_path):
    log = _filled(tmp_path, 1)
    assert os.stat(log.path).st_mode & 0o077 == 0


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "receptor", "audit", *map(str, args)],
                          capture_output=True, text=True, env=env)


def test_python_m_receptor_hands_other_commands_to_the_native_one(samples):
    sample = sorted((samples / "institution").rglob("*.UKE"))[0]
    done = subprocess.run([sys.executable, "-m", "receptor", "inspect", str(sample), "--json"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout.splitlines()[0])["receipts"] > 0, done.stderr


def test_cli_verify_reports_the_first_bad_line(tmp_path):
    log = _filled(tmp_path)
    ok = _cli("verify", "--log", log.path)
    assert ok.returncode == 0 and "ok, 5 entries" in ok.stdout
    lines = _lines(log)
    del lines[1]
    _write(log, lines)
    bad = _cli("verify", "--log", log.path)
    assert bad.returncode == 2
    assert "line 2: broken_chain" in bad.stdout


def test_cli_verify_finds_the_log_beside_a_result_file(tmp_path):
    _filled(tmp_path, 2)
    env = {k: v for k, v in os.environ.items() if k != "RECEPTOR_AUDIT_LOG"}
    done = _cli("verify", "--results", tmp_path / "results.h5", env=env)
    assert done.returncode == 0 and "2 entries" in done.stdout


def test_cli_show_is_for_auditors_and_is_logged(tmp_path):
    log = _filled(tmp_path)
    env = dict(os.environ, RECEPTOR_ROLE="office_staff", RECEPTOR_OFFICES="12011011", RECEPTOR_USER="sato")
    denied = _cli("show", "--log", log.path, env=env)
    assert denied.returncode == 2 and "auditor" in denied.stderr
    env = dict(os.environ, RECEPTOR_ROLE="auditor", RECEPTOR_USER="aud1")
    shown = _cli("show", "--log", log.path, "--user", "user3", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "user3(office_staff) read_table receipts" in shown.stdout
    assert shown.stdout.count("\n") == 1
    as_json = _cli("show", "--log", log.path, "--subject", "P0000001", "--json", env=env)
    assert [json.loads(x)["user"] for x in as_json.stdout.splitlines()] == ["user1"]
    entries = list(log.entries())
    assert [e["action"] for e in entries[-3:]] == ["audit.show.denied", "audit.show", "audit.show"]
    assert entries[-2]["rows"] == 1 and entries[-2]["filter"] == {"user": "user3"}
    assert log.verify().ok
