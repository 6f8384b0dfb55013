"""Writing results safely: checked before the work starts, written atomically beside the target, never onto an input.

What a user expects of ``-o PATH``:

* ``-`` is standard output; a device or a named pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written in place,
  since it cannot be replaced by a rename;
* a regular file is written to a temporary file in the same folder, flushed to disk, and renamed over the target, so a
  reader sees the old file or the new one, never half of one; a full disk or a signal leaves no partial file;
* a symbolic link is followed: the file it points to is replaced, the link stays;
* a path that is an input of the run — the same path, a symbolic link to it, a hard link, or a file inside an input
  folder — is refused before any work is done, as is a folder that is missing or not writable.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

from .errors import NatlatError

__all__ = ["STDOUT", "check_output", "write_atomic"]

STDOUT = "-"


def _is_stream(path: Path) -> bool:
    """A device, FIFO or socket: written in place, not replaced."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_output(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), option: str = "-o") -> Path | None:
    """The real path an output will be written to (``None`` for standard output), or a :class:`NatlatError` saying
    why it cannot be: a folder, a missing or read-only folder, or one of ``inputs`` (files or folders).

    Called before any work starts, so that a run of an hour does not end in "cannot write".
    """
    if str(path) == STDOUT:
        return None
    given = Path(path)
    if given.is_dir():
        raise NatlatError(f"{option} {given} is a folder; give a file name")
    target = Path(os.path.realpath(given))  # a symlink is written through: its target is replaced
    if _is_stream(target):
        return target
    folder = target.parent
    if not folder.is_dir():
        raise NatlatError(f"{option} {given}: the folder {folder} does not exist")
    for item in inputs:
        real = Path(os.path.realpath(item))
        if real == target or (target.exists() and real.exists() and os.path.samefile(real, target)):
            raise NatlatError(f"{option} {given} is an input of this run ({item}); choose another output file")
        if real.is_dir() and real in target.parents:
            raise NatlatError(f"{option} {given} is inside the input folder {item}; the next run would read it as "
                              f"input: choose an output outside it")
    if target.exists() and not os.access(target, os.W_OK):
        raise NatlatError(f"{option} {given} is not writable")
    try:  # the only sure test that a rename into the folder will work: make a file there
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise NatlatError(f"{option} {given}: cannot write in {folder}: {exc.strerror}") from None
    return target


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename: never half a file.

    Devices and pipes are written in place. Any failure (a full disk, a signal) removes the temporary file; an
    ``OSError`` becomes a :class:`NatlatError` naming the path.
    """
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    target = Path(os.path.realpath(path))
    try:
        if _is_stream(target):
            with open(target, "wb") as stream:
                stream.write(raw)
            return
        _replace(target, raw)
    except OSError as exc:
        raise NatlatError(f"cannot write {path}: {exc.strerror or exc}") from None


def _replace(target: Path, raw: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name points at it
        # mkstemp makes the file private (0600): give it the mode a plain open() would, or the one it replaces.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
