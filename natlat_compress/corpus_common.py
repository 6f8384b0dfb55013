"""What every corpus shares: the separator and escape bytes that make a serialisation unambiguous, and reading an
input file (a one-line error when it cannot be read). See :mod:`natlat_compress.corpus`."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import CorpusError

__all__ = ["FIELD_END", "ROW_END", "ESCAPE", "OBJECT_SEPARATOR", "TABLE_SUFFIXES", "JSONL_SUFFIXES", "read_input"]

FIELD_END = 0x1F  # ASCII unit separator
ROW_END = 0x1E  # ASCII record separator
ESCAPE = 0x1B
OBJECT_SEPARATOR = bytes([ROW_END])
_ESCAPED = re.compile(rb"[\x1b\x1e\x1f]")
TABLE_SUFFIXES = {".csv", ".tsv", ".tab"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}


def _escape(value: bytes) -> bytes:
    return _ESCAPED.sub(lambda m: b"\x1b" + m.group(0), value)


def read_input(path: Path) -> bytes:
    """The bytes of a file, or a one-line error saying why they cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _read_error(path, exc) from None


def _read_error(path: Path, exc: OSError) -> CorpusError:
    if isinstance(exc, FileNotFoundError):
        return CorpusError(f"no such file: {path}")
    if isinstance(exc, IsADirectoryError):
        return CorpusError(f"{path} is a directory, not a file")
    return CorpusError(f"cannot read {path}: {exc.strerror}")
