"""``cmd:PROGRAM ARGS``: any program that compresses standard input to standard output.

The program runs without a shell, in its own process group (so that stopping it stops whatever it started), with a
timeout and a cap on its output; a program that fails, runs too long, writes too much, or writes nothing for a
non-empty input is a one-line error, never a code length. :func:`stop_all` kills every program still running: the
signal handlers of the CLI and of the engine's workers call it, so that Ctrl-C or SIGTERM leaves no orphan.
"""

from __future__ import annotations

import os
import selectors
import shlex
import shutil
import signal
import subprocess
import threading
import time

from ..errors import NatlatError, SpecError
from .base import CONCATENATION, Coder

__all__ = ["CommandCoder", "stop_all", "DEFAULT_TIMEOUT_S"]

DEFAULT_TIMEOUT_S = float(os.environ.get("NATLAT_CMD_TIMEOUT", 600))
STDERR_KEPT = 64 * 1024  # enough for the first line of an error message

_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def output_cap(n_input: int) -> int:
    """The most a compressor may write for ``n_input`` bytes: twice the input plus 1 MiB covers any real container
    on incompressible data; more means the program is not compressing (or never stops)."""
    return 2 * n_input + (1 << 20)


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the group: the program and anything it started
    except (ProcessLookupError, PermissionError):
        pass


def stop_all() -> None:
    """Kill every ``cmd:`` program this process started that is still running (for signal handlers)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        _kill(process)


class CommandCoder(Coder):
    """Runs PROGRAM ARGS (no shell) with the data on stdin and counts the bytes on stdout.

    The program's fixed container cost is measured on empty input and subtracted. Conditioning is by concatenation;
    the reach of an arbitrary program is unknown. ``timeout`` (seconds per call) defaults to ``NATLAT_CMD_TIMEOUT``
    or 600.
    """

    family = "cmd"
    method = CONCATENATION

    def __init__(self, command: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise SpecError(f"cannot parse the command of 'cmd:{command}': {exc}") from None
        if not self.argv:
            raise SpecError("'cmd:' needs a program, e.g. 'cmd:xz -9e -c'")
        if shutil.which(self.argv[0]) is None:
            raise SpecError(f"the program '{self.argv[0]}' of 'cmd:{command}' was not found on PATH")
        super().__init__("cmd:" + shlex.join(self.argv), None)
        self.timeout = timeout

    def library_version(self) -> str:  # per instance: it is the program's
        return shutil.which(self.argv[0]) or self.argv[0]

    def compress(self, data: bytes) -> bytes:
        output, status, said = self._run(bytes(data))
        if status != 0:
            lines = said.decode(errors="replace").strip().splitlines()
            raise NatlatError(f"{self.spec} exited with status {status}" + (f": {lines[0]}" if lines else ""))
        if data and not output:
            raise NatlatError(f"{self.spec} wrote nothing for {len(data):,} bytes of input: it must write the "
                              f"compressed data to standard output (e.g. 'xz -c', not 'xz')")
        return output

    def _run(self, data: bytes) -> tuple[bytes, int, bytes]:
        """Feed ``data``, collect stdout up to the cap and the start of stderr, within the timeout."""
        cap = output_cap(len(data))
        try:
            process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            raise NatlatError(f"{self.spec} could not be run: {exc.strerror}") from None
        with _RUNNING_LOCK:
            _RUNNING.add(process)
        try:
            feeder = threading.Thread(target=_feed, args=(process.stdin, data), daemon=True)
            feeder.start()
            output, said = bytearray(), bytearray()
            deadline = time.monotonic() + self.timeout
            assert process.stdout is not None and process.stderr is not None  # both were asked for as pipes
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ, output)
                selector.register(process.stderr, selectors.EVENT_READ, said)
                while selector.get_map():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise NatlatError(f"{self.spec} took longer than {self.timeout:g} s on {len(data):,} bytes "
                                          f"(set NATLAT_CMD_TIMEOUT to allow more)")
                    for key, _ in selector.select(min(left, 1.0)):
                        chunk = os.read(key.fd, 1 << 16)
                        if not chunk:
                            selector.unregister(key.fileobj)
                        elif key.data is said:
                            said += chunk[:max(STDERR_KEPT - len(said), 0)]
                        else:
                            output += chunk
                            if len(output) > cap:
                                raise NatlatError(f"{self.spec} wrote more than {cap:,} bytes for {len(data):,} "
                                                  f"bytes of input: not a compressor's output, stopped")
            status = process.wait(max(deadline - time.monotonic(), 0.1))
            feeder.join(1.0)
            return bytes(output), status, bytes(said)
        except subprocess.TimeoutExpired:
            raise NatlatError(f"{self.spec} closed its output but did not exit within {self.timeout:g} s") from None
        finally:
            if process.returncode is None:
                _kill(process)
                process.wait()
            for stream in (process.stdin, process.stdout, process.stderr):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            with _RUNNING_LOCK:
                _RUNNING.discard(process)


def _feed(stdin, data: bytes) -> None:
    try:
        stdin.write(data)
        stdin.close()
    except (BrokenPipeError, OSError, ValueError):  # the program stopped reading: its exit status says why
        pass
