"""``cmd:PROGRAM ARGS``: any program that compresses standard input to standard output."""

from __future__ import annotations

import shlex
import shutil
import subprocess

from ..errors import NatlatError, SpecError
from .base import CONCATENATION, Coder

__all__ = ["CommandCoder"]

DEFAULT_TIMEOUT_S = 600.0


class CommandCoder(Coder):
    """Runs PROGRAM ARGS (no shell) with the data on stdin and counts the bytes on stdout.

    The program's fixed container cost is measured on empty input and subtracted. Conditioning is by concatenation;
    the reach of an arbitrary program is unknown.
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

    def library_version(self) -> str:  # type: ignore[override]  (per instance: it is the program's)
        return shutil.which(self.argv[0]) or self.argv[0]

    def compress(self, data: bytes) -> bytes:
        try:
            done = subprocess.run(self.argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise NatlatError(f"{self.spec} took longer than {self.timeout:g} s on {len(data):,} bytes") from None
        except OSError as exc:
            raise NatlatError(f"{self.spec} could not be run: {exc.strerror}") from None
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            raise NatlatError(f"{self.spec} exited with status {done.returncode}"
                              + (f": {said[0]}" if said else ""))
        return done.stdout
