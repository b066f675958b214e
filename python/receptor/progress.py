"""Progress of long work (loading, running) as a bar: in a notebook, or as a line on a terminal.

:meth:`Engine.run` and :meth:`Engine.ingest` call ``progress(stage, done,
total)`` while they work. :class:`ProgressBar` is such a callable: in a
Jupyter kernel it shows one HTML ``<progress>`` bar per stage, updated in
place; elsewhere one line on stderr, rewritten with ``\\r``. No dependency
beyond IPython, which a notebook has anyway.

>>> with receptor.Engine() as engine, receptor.ProgressBar("2024-07") as bar:
...     engine.run(["deliveries/2024-07"], "results.h5", progress=bar)

The callback runs in the thread that called ``run``, holding the GIL: an
interrupt (the notebook's stop button, Ctrl-C) surfaces there and ends the run
with ``KeyboardInterrupt``; :meth:`Engine.cancel` from another thread stops it
with ``RuntimeError("run cancelled")``.
"""

from __future__ import annotations

import html
import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class ProgressBar:
    """A ``progress(stage, done, total)`` callback that shows bars.

    Parameters
    ----------
    description
        Shown before the bars (e.g. the month or the delivery).
    notebook
        True: HTML bars through IPython's display; False: a text line on
        ``stream``; None (default): HTML inside a Jupyter kernel, else text.
    stream
        Where text goes (default ``sys.stderr``).
    min_interval
        Seconds between redraws; a stage's first and last step always show.
    """

    def __init__(self, description: str = "", *, notebook: bool | None = None, stream: TextIO | None = None,
                 min_interval: float = 0.1):
        self.description: str = description
        self.notebook: bool = _in_notebook() if notebook is None else notebook
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.min_interval: float = min_interval
        #: stage -> (done, total), in the order the stages came
        self.stages: dict[str, tuple[int, int]] = {}
        self._handle = None
        self._last = 0.0
        self._started = time.monotonic()
        self._closed = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        first = stage not in self.stages
        self.stages[stage] = (int(done), int(total))
        now = time.monotonic()
        if first or done >= total or now - self._last >= self.min_interval:
            self._last = now
            self._draw()

    def html(self) -> str:
        """The bars as HTML (what a notebook shows)."""
        rows = []
        for stage, (done, total) in self.stages.items():
            pct = 100.0 * done / total if total else 100.0
            rows.append(f"<tr><td style=\"padding-right:.6em\">{html.escape(stage)}</td>"
                        f"<td><progress value=\"{done}\" max=\"{max(total, 1)}\" style=\"width:20em\"></progress></td>"
                        f"<td style=\"padding-left:.6em;font-variant-numeric:tabular-nums\">{done}/{total} "
                        f"({pct:.0f}%)</td></tr>")
        title = f"<div><b>{html.escape(self.description)}</b></div>" if self.description else ""
        return f"{title}<table>{''.join(rows)}</table>"

    def text(self) -> str:
        """The bars as one line of text."""
        parts = []
        for stage, (done, total) in self.stages.items():
            width = 20
            filled = int(width * done / total) if total else width
            parts.append(f"{stage} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        prefix = f"{self.description}: " if self.description else ""
        return prefix + "  ".join(parts)

    def _draw(self) -> None:
        if self.notebook:
            from IPython.display import HTML, display

            if self._handle is None:
                self._handle = display(HTML(self.html()), display_id=True)
            else:
                self._handle.update(HTML(self.html()))
        else:
            self.stream.write("\r" + self.text())
            self.stream.flush()

    def close(self) -> None:
        """Draw the final state (and end the text line)."""
        if self._closed:
            return
        self._closed = True
        if self.stages:
            self._draw()
            if not self.notebook:
                self.stream.write(f"  ({time.monotonic() - self._started:.1f} s)\n")
                self.stream.flush()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ProgressBar({self.text()!r})"
