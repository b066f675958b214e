"""Every analyst notebook runs top to bottom on generated data, and is committed without outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

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


@pytest.mark.parametrize("path", BOOKS, ids=[b.stem for b in BOOKS])
def test_notebook_runs(path, notebook_cache, monkeypatch):
    monkeypatch.setenv("RECEPTOR_NOTEBOOK_CACHE", str(notebook_cache))  # the kernel inherits the environment
    monkeypatch.delenv("RECEPTOR_NOTEBOOK_DATA", raising=False)
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError naming the cell if one fails
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    # Something is shown: a table, a picture or a clear "nothing found".
    shown = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
             if o.output_type in ("display_data", "execute_result")]
    assert any("image/png" in o.get("data", {}) for o in shown), path.name
