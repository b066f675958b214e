"""Every analyst notebook runs top to bottom on generated data, and is committed without outputs."""

import os
import stat
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import receptor
from receptor import AuditLog
from receptor.results import _read_stored

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
BOOKS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_the_five_notebooks_are_there():
    assert [b.name[:2] for b in BOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", BOOKS, ids=[b.stem for b in BOOKS])
def test_committed_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.fixture(scope="session")
def notebook_cache(tmp_path_factory):
    """One generated scenario for all notebooks (the first notebook makes it, the others reuse it)."""
    return tmp_path_factory.mktemp("notebook-cache")


def _run(path, cache, monkeypatch):
    monkeypatch.setenv("RECEPTOR_NOTEBOOK_CACHE", str(cache))  # the kernel inherits the environment
    monkeypatch.delenv("RECEPTOR_NOTEBOOK_DATA", raising=False)
    monkeypatch.delenv("RECEPTOR_AUDIT_LOG", raising=False)
    # The kernel imports the receptor this test imports, wherever PYTHONPATH pointed (relative or not).
    package = os.path.dirname(os.path.dirname(os.path.abspath(receptor.__file__)))  # not resolved: staged links
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([package, os.environ.get("PYTHONPATH", "")]))
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError naming the cell if one fails
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    # Something is shown: at least one picture.
    shown = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
             if o.output_type in ("display_data", "execute_result")]
    assert any("image/png" in o.get("data", {}) for o in shown), path.name
    return book


def _text(book) -> str:
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in book.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("path", BOOKS, ids=[b.stem for b in BOOKS])
def test_notebook_runs(path, notebook_cache, monkeypatch):
    """Without RECEPTOR_ROLE a notebook reads as an analyst: pseudonyms, and every read in the audit log."""
    monkeypatch.delenv("RECEPTOR_ROLE", raising=False)
    book = _run(path, notebook_cache, monkeypatch)
    assert "reading as analyst" in _text(book) or not path.name.startswith("01")
    key = notebook_cache / "pseudonym.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    results = next(notebook_cache.glob("scenario-*/results.h5"))
    entries = list(AuditLog(results.parent / "audit.log").entries())
    reads = [e for e in entries if e["action"] == "read_table"]
    assert reads and {e["role"] for e in reads} == {"analyst"}
    assert AuditLog(results.parent / "audit.log").verify().ok
    # No real person id reaches the notebook's outputs: only pseudonyms.
    stored = _read_stored(results, "receipts")
    text = _text(book)
    assert not [p for p in set(stored["person_id"]) if p and p in text]
    assert not [r for r in set(stored["recipient_no"]) if r and r in text]


def test_office_staff_see_the_worklist_and_the_receipt(notebook_cache, monkeypatch):
    """With RECEPTOR_ROLE set, the notebook reads as that role: office staff get the worklist and the receipt."""
    monkeypatch.setenv("RECEPTOR_ROLE", "office_staff")
    monkeypatch.setenv("RECEPTOR_OFFICES", "*")
    book = _run(NOTEBOOKS / "01_month_at_a_glance.ipynb", notebook_cache, monkeypatch)
    html = "".join(o.get("data", {}).get("text/html", "") for c in book.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "診療報酬明細書" in html  # the receipt view
    assert "unworked" in _text(book) or "No unworked findings" in _text(book)
    results = next(notebook_cache.glob("scenario-*/results.h5"))
    actions = {e["action"] for e in AuditLog(results.parent / "audit.log").entries() if e["role"] == "office_staff"}
    assert {"read_table", "render_receipt"} <= actions
