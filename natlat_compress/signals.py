"""SIGINT and SIGTERM: stop everything within about two seconds, leave nothing behind, exit 130 or 143.

In the main process the first signal raises :class:`Interrupted` (SIGINT raises it too, rather than Python's bare
``KeyboardInterrupt``, which click would turn into a blank line and an ``Abort``), and both signals are then ignored, so that a second Ctrl-C cannot break the cleanup half way:
``finally`` blocks stop the engine's workers and the ``cmd:`` programs, temporary files are removed, and the CLI exits
with 128 + the signal number. A worker of the engine's process pool ignores SIGINT (the terminal sends it to the whole
process group; the main process decides) and on SIGTERM kills its ``cmd:`` programs and exits at once.
"""

from __future__ import annotations

import os
import signal
import threading

__all__ = ["Interrupted", "handle_signals", "worker_signals"]

STOPPING = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The run was stopped by a signal; ``signum`` says which (exit status 128 + signum)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum, frame):
    for each in STOPPING:  # the cleanup that follows must not be interrupted half way
        signal.signal(each, signal.SIG_IGN)
    from .coders.external import stop_all

    stop_all()
    raise Interrupted(signum)


def handle_signals() -> dict:
    """Install the main process's handlers; returns the previous ones (for :func:`restore`). A no-op off the main
    thread, where Python cannot install handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {each: signal.signal(each, _raise) for each in STOPPING}


def restore(previous: dict) -> None:
    for each, handler in previous.items():
        signal.signal(each, handler)


def _worker_exit(signum, frame):
    from .coders.external import stop_all

    stop_all()
    os._exit(128 + signum)  # no cleanup of the pool's queues: the main process is tearing the pool down


def worker_signals() -> None:
    """The handlers of an engine worker process (called by the pool's initializer)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_exit)
