"""Both readers on hostile input, end to end: a 300 MB line and 100 M commas
(through a pipe for the receipts, a file for the feed) are quarantined with
bounded memory; NUL bytes and invalid Shift_JIS are quarantined line by line;
receipt folders refuse symlinks and escaping paths; a file that changes while
it is read is refused by `run` and by store ingest. Nothing here is timed."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from receptor import _core
from receptor.results import read_table

BIN = os.environ.get("RECEPTOR_BIN", "receptor")
BIG = 300 * 1024 * 1024
# Peak resident memory allowed to a process that read a 300 MB line.
MAX_RSS = 200 * 1024 * 1024


# Linux keeps a process's peak RSS across exec, so a reader forked straight
# from pytest (hundreds of MB once notebooks ran) would report pytest's peak.
# A small launcher forks the reader from its own small image and writes the
# reader's exit code and peak to the descriptor named by its first argument.
LAUNCHER = """
import os, sys
report = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    os.close(report)
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
os.write(report, b"%d %d" % (os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024))
"""


def _launch(command: list[str], **kwargs) -> subprocess.Popen:
    """Starts `command` through the launcher; `_peak_rss` gives its peak RSS."""
    read, write = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(write), *command], pass_fds=(write,), **kwargs)
    os.close(write)
    proc.report_fd = read
    return proc


def _peak_rss(proc: subprocess.Popen) -> int:
    """Waits for `proc` (started by `_launch`); returns the reader's peak resident set in bytes."""
    proc.wait()
    with os.fdopen(proc.report_fd, "rb") as report:
        code, rss = report.read().split()
    proc.returncode = int(code)
    return int(rss)


def _write_in_pieces(f, prefix: bytes, filler: bytes, total: int, suffix: bytes):
    f.write(prefix)
    piece = filler * (4 * 1024 * 1024 // len(filler))
    left = total
    while left > 0:
        f.write(piece[: min(left, len(piece))])
        left -= len(piece)
    f.write(suffix)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    _core.generate_scenario(str(base / "s"), receipts=300, seed=41)
    return base / "s"


@pytest.mark.parametrize("filler", [b"A", b","], ids=["300MB-line", "100M-commas"])
def test_receipts_huge_line_through_a_pipe(tmp_path, filler):
    fifo = tmp_path / "RECEIPTC.UKE"
    os.mkfifo(fifo)
    good = b"IR,1,13,1,1234567,,TEST CLINIC,202406,00,0312345678\r\n"
    total = BIG if filler == b"A" else 100_000_000
    with open(tmp_path / "out.json", "wb") as stdout:
        proc = _launch([BIN, "inspect", "--json", str(fifo)], stdout=stdout, stderr=subprocess.DEVNULL)
        with open(fifo, "wb") as f:
            _write_in_pieces(f, good + b"RE,1,", filler, total, b"\r\n" + good)
        rss = _peak_rss(proc)
    out = (tmp_path / "out.json").read_bytes()
    assert proc.returncode == 0
    summary = json.loads(out)
    assert summary["lines"] == 3 and summary["quarantined"] == 1
    assert summary["records"] == {"IR": 2}  # the line after the huge one is read
    assert summary["bytes"] == total + 2 * len(good) + 7
    assert [e["line"] for e in summary["errors"]] == [2]
    assert "longer than" in summary["errors"][0]["message"]
    assert rss < MAX_RSS, f"peak RSS {rss / 2**20:.0f} MB for a {total / 2**20:.0f} MB line"


@pytest.mark.parametrize("filler", [b"A", b","], ids=["300MB-line", "100M-commas"])
def test_feed_huge_line_is_quarantined_with_bounded_memory(scenario, tmp_path, filler):
    feed = scenario / "feed"
    recipients = (feed / "recipients.csv").read_bytes().split(b"\n")
    huge = tmp_path / "recipients.csv"
    total = BIG if filler == b"A" else 100_000_000
    with open(huge, "wb") as f:
        _write_in_pieces(f, recipients[0] + b"\n" + recipients[1] + b"\n", filler, total,
                         b"\n" + b"\n".join(recipients[2:]))
    out = tmp_path / "r.h5"
    proc = _launch([BIN, "run", "--receipts", str(scenario / "receipts"), "--recipients", str(huge),
                    "--tickets", str(feed / "tickets.csv"), "--out", str(out)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rss = _peak_rss(proc)
    assert proc.returncode == 0
    quarantine = read_table(out, "quarantine")
    mine = quarantine[quarantine.source_file == str(huge)]
    assert list(mine.source_line) == [3]
    assert "longer than" in mine.reason.iloc[0] or "more than 4096 fields" in mine.reason.iloc[0]
    assert rss < MAX_RSS, f"peak RSS {rss / 2**20:.0f} MB for a {total / 2**20:.0f} MB line"


def test_nul_bytes_and_invalid_shift_jis_in_both_readers(scenario, tmp_path):
    feed = scenario / "feed"
    rows = (feed / "recipients.csv").read_text(encoding="utf-8").split("\n")
    bad_feed = tmp_path / "recipients.csv"
    # CP932 with a NUL in row 2 and a lead byte without its trail in row 3.
    body = [r.encode("cp932") for r in rows]
    body[2] = body[2].replace(b",", b",\x00", 1)
    body[3] = body[3][:12] + b"\x81\xff" + body[3][12:]
    bad_feed.write_bytes(b"\r\n".join(body))
    receipts = tmp_path / "receipts"
    shutil.copytree(scenario / "receipts", receipts)
    victim = sorted(receipts.iterdir())[0]
    lines = victim.read_bytes().split(b"\r\n")
    # Lines 4 and 5: a record id with NUL bytes, a lone lead byte and 0xFF.
    lines[3:3] = [b"R\x00E,1,\x00", b"\x81\xff\x81,1"]
    victim.write_bytes(b"\r\n".join(lines))
    out = tmp_path / "r.h5"
    subprocess.run([BIN, "run", "--receipts", str(receipts), "--recipients", str(bad_feed), "--tickets",
                    str(feed / "tickets.csv"), "--out", str(out)], check=True, capture_output=True)
    quarantine = read_table(out, "quarantine")
    assert set(quarantine[quarantine.source_file == str(bad_feed)].source_line) == {3, 4}
    assert set(quarantine[quarantine.source_file == str(victim)].source_line) == {4, 5}
    assert read_table(out, "receipts").shape[0] > 250  # the rest is read


def _run(args):
    return subprocess.run([BIN, "run", *args], capture_output=True, text=True)


@pytest.mark.parametrize("mode", ["run", "store"])
def test_symlinks_and_escaping_paths_are_refused(scenario, tmp_path, mode):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "OTHER_RECEIPTC.UKE"
    shutil.copy(sorted((scenario / "receipts").iterdir())[0], secret)
    for kind, make in (("file", lambda inbox: (inbox / "LINK.UKE").symlink_to(secret)),
                       ("folder", lambda inbox: (inbox / "sub").symlink_to(outside, target_is_directory=True))):
        inbox = tmp_path / f"inbox_{mode}_{kind}"
        shutil.copytree(scenario / "receipts", inbox)
        make(inbox)
        store = ["--store", str(tmp_path / f"store_{kind}")] if mode == "store" else []
        result = _run([*store, "--receipts", str(inbox), "--tickets", str(scenario / "feed" / "tickets.csv"),
                       "--out", str(tmp_path / f"{mode}_{kind}.h5")])
        assert result.returncode == 2, result.stderr
        assert "symbolic link" in result.stderr and str(inbox) in result.stderr
        assert not (tmp_path / f"{mode}_{kind}.h5").exists()


@pytest.mark.parametrize("mode", ["run", "store"])
def test_a_file_that_changes_while_read_is_refused(scenario, tmp_path, mode):
    inbox = tmp_path / "inbox"
    shutil.copytree(scenario / "receipts", inbox)
    growing = inbox / "ZZ_GROWING_RECEIPTC.UKE"
    source = sorted((scenario / "receipts").iterdir())[0].read_bytes()
    growing.write_bytes(source * 200)
    stop = threading.Event()

    def append():  # another process still writing the delivery
        with open(growing, "ab") as f:
            while not stop.is_set():
                f.write(b"\r\n")
                f.flush()
                time.sleep(0.0005)

    writer = threading.Thread(target=append)
    writer.start()
    try:
        store = ["--store", str(tmp_path / "store")] if mode == "store" else []
        result = _run([*store, "--receipts", str(inbox), "--tickets", str(scenario / "feed" / "tickets.csv"),
                       "--out", str(tmp_path / "r.h5")])
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 2, result.stderr
    assert "changed while being read" in result.stderr and str(growing) in result.stderr
    assert not (tmp_path / "r.h5").exists()
    if mode == "store":
        held = (tmp_path / "store" / "deliveries.tsv").read_text()
        assert "GROWING" not in held
