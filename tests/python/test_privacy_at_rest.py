"""Data at rest (docs/privacy.md): no name, address or birth date in the bytes
of any file the project writes; sealed columns open only with the right key;
every file written is owner-only."""

import csv
import os
import subprocess
from datetime import date
from pathlib import Path

import h5py
import numpy as np
import pytest

import receptor
from receptor import _core

BIN = os.environ.get("RECEPTOR_BIN", "receptor")
KEY = "c0ffee" * 10 + "c0ff"
OTHER_KEY = "d00d" * 16


def _env(**extra):
    env = dict(os.environ)
    env.pop("RECEPTOR_KEY_FILE", None)
    env["RECEPTOR_MASTER_KEY"] = KEY
    env.update(extra)
    return env


def _cli(*args, env=None):
    return subprocess.run([BIN, *args], env=env or _env(), capture_output=True, text=True, check=True)


def _wareki(d: date) -> str:
    """GYYMMDD as レセ電 writes 和暦 dates."""
    for era, start, first in ((5, date(2019, 5, 1), 2018), (4, date(1989, 1, 8), 1988), (3, date(1926, 12, 25), 1925),
                              (2, date(1912, 7, 30), 1911), (1, date(1868, 1, 1), 1867)):
        if d >= start:
            return f"{era}{d.year - first:02d}{d.month:02d}{d.day:02d}"
    raise ValueError(d)


def _needles(feed: Path, people: int = 60):
    """Names (UTF-8 and CP932, with and without the space), kana, addresses
    and birth dates (YYYYMMDD, YYYY-MM-DD, 和暦 GYYMMDD) of the first people
    and of every person an injected case names (PERSON_MISMATCH and the rest:
    their findings are where a detail text could leak them)."""
    with open(feed.parent / "truth.csv", encoding="utf-8") as f:
        injected = {row["person_id"] for row in csv.DictReader(f)}
    out = set()
    with open(feed / "recipients.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        for row in rows[:people] + [r for r in rows if r["person_id"] in injected]:
            for text in (row["name"], row["name"].replace("\u3000", ""), row["name_kana"], row["address"]):
                for encoding in ("utf-8", "cp932"):
                    out.add(text.encode(encoding))
            born = date.fromisoformat(row["birth_date"])
            out |= {born.isoformat().encode(), born.strftime("%Y%m%d").encode(), _wareki(born).encode()}
    return out


def _files(*roots):
    for root in roots:
        root = Path(root)
        yield from (p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file())


def _hdf5_contents(path: Path) -> bytes:
    """Every dataset value and attribute of an HDF5 file, decompressed: the raw
    bytes alone would hide text inside a deflated column."""
    parts: list[bytes] = []

    def text(value) -> None:
        for v in np.ravel(np.asarray(value, dtype=object)):
            parts.append(v if isinstance(v, bytes) else str(v).encode())

    def visit(_name, obj) -> None:
        for v in obj.attrs.values():
            text(v)
        if isinstance(obj, h5py.Dataset):
            text(obj[()])

    with h5py.File(path, "r") as f:
        for v in f.attrs.values():
            text(v)
        f.visititems(visit)
    return b"\n".join(parts)


def _hits(needles, *roots):
    found = {}
    for p in _files(*roots):
        data = p.read_bytes()
        if data.startswith(b"\x89HDF\r\n\x1a\n"):
            data += _hdf5_contents(p)
        for n in needles:
            if n in data:
                found.setdefault(str(p), []).append(n.decode("utf-8", "replace"))
    return found


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Two scenarios (西暦 and 和暦 receipts) through `receptor run` and store mode."""
    base = tmp_path_factory.mktemp("at_rest")
    out = base / "out"
    out.mkdir()
    scenarios = []
    for name, extra in (("seireki", []), ("wareki", ["--wareki"])):
        s = base / name
        _cli("generate", "--out", str(s), "--receipts", "3000", "--seed", "21", "--scenario", *extra)
        feed = s / "feed"
        feeds = ["--recipients", str(feed / "recipients.csv"), "--tickets", str(feed / "tickets.csv"),
                 "--other-schemes", str(feed / "other_schemes.csv")]
        _cli("run", "--receipts", str(s / "receipts"), *feeds, "--out", str(out / f"{name}.h5"))
        _cli("run", "--store", str(base / f"store_{name}"), "--receipts", str(s / "receipts"), *feeds,
             "--out", str(out / f"{name}_store.h5"))
        scenarios.append(s)
    return base, out, scenarios


def test_inputs_hold_the_needles(written):
    """The search below could fail: the inputs do hold the names, addresses and dates."""
    base, _, scenarios = written
    for s in scenarios:
        needles = _needles(s / "feed")
        in_feed = _hits(needles, s / "feed")
        in_receipts = _hits(needles, s / "receipts")
        assert in_feed and in_receipts, s
    # Both receipt date forms and the CP932 names are present somewhere.
    wareki_receipts = b"".join(p.read_bytes() for p in _files(scenarios[1] / "receipts"))
    seireki_receipts = b"".join(p.read_bytes() for p in _files(scenarios[0] / "receipts"))
    assert any(n in wareki_receipts for n in _needles(scenarios[1] / "feed") if len(n) == 7 and n.isdigit())
    assert any(n in seireki_receipts for n in _needles(scenarios[0] / "feed") if len(n) == 8 and n.isdigit())


def test_the_search_sees_inside_compressed_columns(written):
    """The search below could fail: text stored in clear inside a deflated
    column (office numbers, receipt keys) is found by it."""
    _, out, scenarios = written
    with h5py.File(out / f"{scenarios[0].name}.h5", "r") as f:
        assert f["receipts/receipt_key"].compression == "gzip"
        key = f["receipts/receipt_key"].asstr()[0].encode()
    assert key not in (out / f"{scenarios[0].name}.h5").read_bytes()
    assert _hits([key], out / f"{scenarios[0].name}.h5")


def test_no_name_address_or_birth_date_in_any_written_file(written):
    base, out, scenarios = written
    for s in scenarios:
        roots = [out / f"{s.name}.h5", out / f"{s.name}_store.h5", base / f"store_{s.name}"]
        assert not _hits(_needles(s / "feed"), *roots)


def test_every_written_file_is_owner_only(written):
    base, out, _ = written
    written_files = list(_files(out, *base.glob("store_*")))
    assert len(written_files) > 10
    for p in written_files:
        assert p.stat().st_mode & 0o077 == 0, p
    for d in base.glob("store_*"):
        for folder in (d, d / "deliveries", d / "claims"):
            assert folder.stat().st_mode & 0o077 == 0, folder


def test_the_key_gives_the_real_recipient_numbers_back(written, monkeypatch):
    _, out, scenarios = written
    monkeypatch.setenv("RECEPTOR_MASTER_KEY", KEY)
    monkeypatch.delenv("RECEPTOR_KEY_FILE", raising=False)
    with open(scenarios[0] / "feed" / "tickets.csv", encoding="utf-8") as f:
        numbers = {row["recipient_no"] for row in csv.DictReader(f)}
    for name in ("seireki.h5", "seireki_store.h5"):
        results = receptor.open_results(out / name)
        assert not results.sealed
        assert results.tickets.recipient_no.isin(numbers).all()
        assert results.receipts.recipient_no.isin(numbers).mean() > 0.9
        assert results.receipts.attrs["sealed"] == []
    with h5py.File(out / "seireki.h5", "r") as f:
        assert f["receipts/recipient_no"].attrs["sealed"] == 1
        assert f["quarantine/raw"].attrs["sealed"] == 1
        assert f.attrs["key_id"] == _core.privacy.key_id()
        raw = set(f["tickets/recipient_no"].asstr()[()])
    assert not raw & numbers


def test_without_a_key_the_columns_stay_sealed(written, monkeypatch, tmp_path):
    _, out, _ = written
    monkeypatch.delenv("RECEPTOR_MASTER_KEY", raising=False)
    monkeypatch.delenv("RECEPTOR_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    results = receptor.open_results(out / "seireki.h5")
    assert results.sealed
    receipts = results.receipts
    assert receipts.attrs["sealed"] == ["recipient_no"]
    assert receipts.recipient_no.str.len().min() >= 40  # base64(nonce | number | tag)
    assert (receipts.points > 0).all()  # the rest reads as usual
    assert not (tmp_path / "config").exists(), "reading must not create a key"


def test_another_key_is_a_clear_error(written, monkeypatch):
    _, out, _ = written
    monkeypatch.setenv("RECEPTOR_MASTER_KEY", OTHER_KEY)
    monkeypatch.delenv("RECEPTOR_KEY_FILE", raising=False)
    with pytest.raises(ValueError, match=r"seireki\.h5.*wrong key"):
        receptor.open_results(out / "seireki.h5").receipts
    # The store cannot be read with it either: the run fails, naming a file.
    run = subprocess.run([BIN, "run", "--store", str(out.parent / "store_seireki"), "--receipts",
                          str(out.parent / "seireki" / "receipts"), "--out", str(out / "other.h5")],
                         env=_env(RECEPTOR_MASTER_KEY=OTHER_KEY), capture_output=True, text=True)
    assert run.returncode != 0
    assert "wrong key" in run.stderr
    assert not (out / "other.h5").exists()


def test_a_key_file_readable_by_others_is_refused(written, tmp_path):
    _, out, _ = written
    key_file = tmp_path / "master.key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o644)
    env = _env(RECEPTOR_KEY_FILE=str(key_file))
    run = subprocess.run([BIN, "run", "--receipts", str(out.parent / "seireki" / "receipts"), "--out",
                          str(tmp_path / "r.h5")], env=env, capture_output=True, text=True)
    assert run.returncode != 0
    assert "0644" in run.stderr and str(key_file) in run.stderr
    key_file.chmod(0o600)
    subprocess.run([BIN, "run", "--receipts", str(out.parent / "seireki" / "receipts"), "--out",
                    str(tmp_path / "r.h5")], env=env, capture_output=True, text=True, check=True)
    assert (tmp_path / "r.h5").exists()


def test_first_use_creates_an_owner_only_default_key(tmp_path):
    env = _env(XDG_CONFIG_HOME=str(tmp_path / "config"))
    env.pop("RECEPTOR_MASTER_KEY")
    s = tmp_path / "s"
    _cli("generate", "--out", str(s), "--receipts", "50", "--seed", "2", env=env)
    first = _cli("run", "--receipts", str(s), "--out", str(tmp_path / "a.h5"), env=env)
    key = tmp_path / "config" / "receptor" / "master.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert str(key) in first.stderr
    second = _cli("run", "--receipts", str(s), "--out", str(tmp_path / "b.h5"), env=env)
    assert str(key) not in second.stderr  # said once, when created
    with h5py.File(tmp_path / "a.h5", "r") as a, h5py.File(tmp_path / "b.h5", "r") as b:
        assert a.attrs["key_id"] == b.attrs["key_id"]
