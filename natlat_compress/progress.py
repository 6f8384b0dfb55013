"""Progress on stderr for long runs, the same for the command line and for Python callers.

A run that lasts more than two seconds shows: in a Jupyter notebook, a tqdm bar (if tqdm is installed); on a terminal,
a bar; anywhere else (a log, a pipe) a line about every 10 s with done/total, elapsed time and ETA. ``silent`` shows
nothing.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

__all__ = ["Progress", "reporter"]


def _fmt_bytes(size: float) -> str:
    from .report import fmt_bytes

    return fmt_bytes(size)


class Progress:
    """Call it with ``(done, total)`` as work finishes; :meth:`close` when the run ends."""

    def __init__(self, silent: bool = False, label: str = "compressing", delay: float = 2.0, interval: float = 10.0,
                 terminal: bool | None = None, notebook: bool | None = None) -> None:
        self.silent, self.label, self.delay, self.interval = silent, label, delay, interval
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.notebook = _in_notebook() if notebook is None else notebook
        self.start = time.monotonic()
        self.bar: Any = None  # a click progress bar, or tqdm's (untyped)
        self.shown = 0
        self.last_line = self.start - interval + delay  # the first line comes after ``delay``

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.silent or (self.bar is None and now - self.start < self.delay):
            return
        if self.bar is None and self.notebook:
            self.bar = _notebook_bar(total, self.label)
        if self.bar is None and not self.terminal:
            if now - self.last_line >= self.interval or (done >= total and self.last_line > self.start):
                self.last_line = now
                print(self.line(done, total, now - self.start), file=sys.stderr, flush=True)
            return
        if self.bar is None:
            import click

            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr,
                                         show_pos=False, show_percent=True, show_eta=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def line(self, done: int, total: int, elapsed: float) -> str:
        share = done / total if total else 1.0
        eta = elapsed * (1 - share) / share if share > 0 else float("nan")
        return (f"{self.label}: {share:.0%} ({_fmt_bytes(done)} of {_fmt_bytes(total)}), {_clock(elapsed)} elapsed, "
                f"ETA {_clock(eta)}")

    def close(self) -> None:
        if self.bar is not None:
            if hasattr(self.bar, "__exit__"):
                self.bar.__exit__(None, None, None)
            else:
                self.bar.close()
            self.bar = None


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules


def _notebook_bar(total: int, label: str):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None  # no tqdm: lines, as anywhere without a terminal
    return tqdm(total=total, desc=label, unit="B", unit_scale=True)


def _clock(seconds: float) -> str:
    if seconds != seconds:  # NaN: nothing done yet
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes:02d}:{secs:02d}"


def reporter(progress: bool | Callable[[int, int], None] | None, label: str = "compressing"):
    """What a library function reports progress to: ``True`` a :class:`Progress`, ``False``/``None`` nothing, a
    callable itself. Returns ``(callback or None, close)``."""
    if progress is True:
        shown = Progress(label=label)
        return shown, shown.close
    if callable(progress):
        return progress, lambda: None
    return None, lambda: None
