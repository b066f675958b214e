"""Engine: a context manager whose close() is idempotent, whose runs release the GIL."""

import threading
import time

import pytest

import receptor
from receptor import _core


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    out = tmp_path_factory.mktemp("month")
    _core.generate(str(out), receipts=3000, seed=11)
    return out


def test_close_is_idempotent_and_final(month, tmp_path):
    engine = receptor.Engine(shards=2, threads=1)
    engine.close()
    engine.close()
    assert engine.closed
    with pytest.raises(RuntimeError, match="closed"):
        engine.run([month], tmp_path / "r.h5")


def test_context_manager_closes(month, tmp_path):
    with receptor.Engine(shards=3) as engine:
        results = engine.run([month], tmp_path / "r.h5")
    assert engine.closed
    assert len(results.receipts) == 3000


def test_progress_reaches_every_stage(month, tmp_path):
    seen = []
    with receptor.Engine() as engine:
        engine.run([month], tmp_path / "r.h5", progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [s for s, _, _ in seen]
    assert stages[0] == "read" and "match" in stages and stages[-1] == "write"
    assert seen[-1][1] == seen[-1][2]


def test_run_releases_the_gil(month, tmp_path):
    # While the engine works in C++, another Python thread keeps running.
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    with receptor.Engine(threads=2) as engine:
        t.start()
        before = ticks
        engine.run([month, month], tmp_path / "r.h5")
        during = ticks - before
        stop.set()
        t.join()
        summary = engine.last_summary
    assert during > 5
    # Backpressure is reported: the READERs' windows bound every SHARD's mailbox
    # (2 READERs x the default window of 8, plus 4 setup messages).
    assert 1 <= summary["peak_shard_mailbox"] <= 2 * 8 + 4


def test_missing_inputs_are_clear_errors(tmp_path):
    with receptor.Engine() as engine:
        with pytest.raises(RuntimeError, match="no receipt files"):
            engine.run([tmp_path], tmp_path / "r.h5")
        with pytest.raises(RuntimeError, match="missing.csv"):
            engine.load(tickets=tmp_path / "missing.csv")


def test_unwritable_output_fails_without_hanging(month, tmp_path):
    start = time.monotonic()
    with receptor.Engine() as engine:
        with pytest.raises(RuntimeError, match="no-such-folder"):
            engine.run([month], tmp_path / "no-such-folder" / "r.h5")
    assert time.monotonic() - start < 30
