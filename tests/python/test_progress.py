"""Progress bars, cancelling a run from another thread, and columns that reach NumPy without a copy."""

import io
import threading

import numpy as np
import pytest

import receptor
from receptor import _core


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    out = tmp_path_factory.mktemp("month")
    _core.generate(str(out), receipts=2000, seed=12)  # one file per institution and kind: many files to read
    return out


def test_text_bar_follows_every_stage(month, tmp_path):
    stream = io.StringIO()
    with receptor.Engine(shards=2) as engine, receptor.ProgressBar("2024-06", notebook=False, stream=stream) as bar:
        engine.run([month], tmp_path / "r.h5", progress=bar)
    assert list(bar.stages) == ["read", "match", "write"]
    assert all(done == total for done, total in bar.stages.values())
    out = stream.getvalue()
    assert out.startswith("\r2024-06: read [") and out.endswith(" s)\n")
    last = out.rsplit("\r", 1)[-1]
    files = bar.stages["read"][1]
    assert f"read [{'#' * 20}] {files}/{files}" in last and "write [" in last


def test_html_bar():
    bar = receptor.ProgressBar("<b>x</b>", notebook=False, stream=io.StringIO())
    bar("read", 3, 12)
    page = bar.html()
    assert '<progress value="3" max="12"' in page and "3/12 (25%)" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_cancel_from_another_thread(month, tmp_path):
    started, cancelled = threading.Event(), threading.Event()
    outcome = {}

    def progress(stage, done, total):
        if stage == "read" and done >= 1 and not started.is_set():
            started.set()
            cancelled.wait(10)  # hold the read until the other thread has cancelled

    def work():
        try:
            engine.run([month], tmp_path / "r.h5", progress=progress)
            outcome["result"] = "finished"
        except RuntimeError as exc:
            outcome["result"] = str(exc)

    with receptor.Engine(shards=2, threads=2) as engine:
        worker = threading.Thread(target=work)
        worker.start()
        assert started.wait(30)
        engine.cancel()
        cancelled.set()
        worker.join(60)
        assert not worker.is_alive()
        assert outcome["result"] == "run cancelled"
        assert not (tmp_path / "r.h5").exists()  # nothing half-written
        # The engine stays usable after a cancelled run.
        results = engine.run([month], tmp_path / "again.h5")
    assert len(results.receipts) == 2000


def _root(array):
    while isinstance(getattr(array, "base", None), np.ndarray):
        array = array.base
    return array


def test_receipt_columns_are_the_cores_arrays(samples):
    f = receptor.read_receipts(samples / "payer" / "11_RECODEINFO_MED.CSV")
    # Numeric columns end in the capsule that owns the C++ vector: no copy on the way to NumPy.
    for frame, column in ((f.lines, "day_mask"), (f.lines, "code"), (f.diseases, "start_date"),
                          (f.receipts, "care_days")):
        array = frame[column].to_numpy()
        assert type(_root(array).base).__name__ == "PyCapsule", column


def test_result_columns_are_not_copied_into_blocks(tmp_path, month):
    with receptor.Engine(shards=2) as engine:
        r = engine.run([month], tmp_path / "r.h5")
    for column in ("points", "days", "source_line"):
        array = r.receipts[column].to_numpy()
        root = _root(array)
        # One array per column, as h5py read it (a consolidated pandas block would be 2-D).
        assert root.ndim == 1 and root.shape[0] == len(r.receipts), column


def test_load_reports_progress_and_can_be_cancelled(scenario_runs):
    feed = scenario_runs["dir"] / "feed"
    seen = []
    with receptor.Engine(shards=2) as engine:
        reports = engine.load(recipients=feed / "recipients.csv", tickets=[feed / "tickets.csv",
                              feed / "tickets_late.csv"], progress=lambda *a: seen.append(a))
        assert len(reports) == 3
        assert seen == [("load", 0, 3), ("load", 1, 3), ("load", 2, 3), ("load", 3, 3)]

        def cancel_after_first(stage, done, total):
            if done == 1:
                engine.cancel()  # as another thread would; load checks between files

        with pytest.raises(RuntimeError, match="load cancelled"):
            engine.load(tickets=[feed / "tickets.csv", feed / "tickets_late.csv"], progress=cancel_after_first)
        assert len(engine.load(tickets=feed / "tickets_late.csv")) == 1  # a new load starts afresh
