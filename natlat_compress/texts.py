"""Texts: objects (documents, lines, paragraphs, chunks, JSONL records) with names, and latent strings beside them
(:class:`TextCorpus`); a subset is its objects joined by 0x1E. See :mod:`natlat_compress.corpus`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .corpus_common import JSONL_SUFFIXES, OBJECT_SEPARATOR, _escape, read_input
from .errors import CorpusError

__all__ = ["TextCorpus", "load_texts"]


@dataclass
class TextCorpus:
    """Objects (documents, lines, chunks) with names; latent strings join as extra atoms. Made by :func:`load_texts`,
    or from a dictionary of byte strings.

    >>> import natlat_compress as nc
    >>> texts = nc.TextCorpus({"first": b"one document", "second": b"another document"})
    >>> texts.names, texts.n_items, texts.kind
    (['first', 'second'], 2, 'text')
    """

    objects: dict[str, bytes]
    source: str = ""
    extra: dict[str, bytes] = field(default_factory=dict)

    kind = "text"

    def __post_init__(self) -> None:
        if not self.objects:
            raise CorpusError(f"{self.source or 'the corpus'} has no objects")
        self._escaped: dict[str, bytes] = {}
        self._sizes: dict[int, tuple] = {}  # id(atoms) -> (atoms, nbytes) for long atom tuples, which plans share
        self._lengths: dict[str, int] = {}  # each atom's escaped length

    @property
    def names(self) -> list[str]:
        return list(self.objects)

    @property
    def n_items(self) -> int:
        return len(self.objects)

    def with_atom(self, name: str, value: bytes) -> "TextCorpus":
        """This corpus with one more atom (a latent string) that is not a feature."""
        return TextCorpus(self.objects, self.source, {**self.extra, name: value})

    def _atom(self, name: str) -> bytes:
        if name not in self._escaped:
            value = self.objects[name] if name in self.objects else self.extra[name]
            self._escaped[name] = _escape(value)
        return self._escaped[name]

    def nbytes(self, atoms: Sequence[str]) -> int:
        # A plan asks the size of the same all-but-one tuples over and over (every job holds one): summing each anew
        # made planning quadratic in the number of objects.
        hit = self._sizes.get(id(atoms))
        if hit is not None and hit[0] is atoms:
            return hit[1]
        if len(self._lengths) < len(self.objects) + len(self.extra):
            self._lengths = {a: len(self._atom(a)) for a in [*self.objects, *self.extra]}
        size = sum(map(self._lengths.__getitem__, atoms)) + max(len(atoms) - 1, 0)
        if len(atoms) > 16:
            self._sizes[id(atoms)] = (atoms, size)
        return size

    def serialize(self, atoms: Sequence[str]) -> bytes:
        """The atoms' bytes in the given order, joined by 0x1E."""
        return OBJECT_SEPARATOR.join(self._atom(a) for a in atoms)

    buffer = serialize  # what the engine hands a coder (bytes are a buffer)


def _split(data: bytes, split: str, stem: str) -> dict[str, bytes]:
    if split == "lines":
        parts = data.split(b"\n")
        label = "line"
    elif split == "paragraphs":
        parts = re.split(rb"\r?\n[ \t]*\r?\n", data)
        label = "paragraph"
    elif split.startswith("bytes:"):
        size = split.partition(":")[2]
        if not size.isdigit() or int(size) < 1:
            raise CorpusError(f"--split bytes:N needs a positive whole N; got {split!r}")
        n = int(size)
        return {f"{stem}[{i}:{i + n}]": data[i:i + n] for i in range(0, len(data), n)}
    elif split.startswith("regex:"):
        try:
            # surrogateescape: a pattern from a non-UTF-8 command line keeps its bytes
            pattern = re.compile(split.partition(":")[2].encode("utf-8", "surrogateescape"))
        except (re.error, OverflowError, RecursionError) as exc:
            raise CorpusError(f"--split {split!r}: bad regular expression: {exc}") from None
        parts = pattern.split(data)
        label = "part"
    else:
        raise CorpusError(f"unknown --split {split!r}; valid: lines, paragraphs, bytes:N, regex:PATTERN")
    # Empty and blank pieces carry no feature: numbering follows the kept ones' positions in the file.
    return {f"{stem}:{label} {i + 1}": p for i, p in enumerate(parts) if p.strip()}


def load_texts(path: str | os.PathLike, split: str | None = None, field: str | None = None) -> TextCorpus:
    """A text corpus: every file of a directory (sorted, hidden ones skipped), one file cut by ``split``, or the
    ``field`` of every record of a JSONL file.

    >>> import natlat_compress as nc
    >>> nc.load_texts("../shared/data/text/canterbury").names
    ['alice29.txt', 'asyoulik.txt', 'lcet10.txt', 'plrabn12.txt']
    >>> nc.load_texts("../shared/data/text/canterbury/alice29.txt", split="paragraphs").names[0]
    'alice29.txt:paragraph 3'
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise CorpusError(f"the directory {path} has no files")
        objects = {str(p.relative_to(path)): read_input(p) for p in files}
        objects = {k: v for k, v in objects.items() if v}
        if split:
            objects = {k2: v2 for k, v in objects.items() for k2, v2 in _split(v, split, k).items()}
    elif path.suffix.lower() in JSONL_SUFFIXES:
        objects = _load_jsonl(path, field or "text")
    else:
        data = read_input(path)
        if not split:
            raise CorpusError(f"{path} is one text: cut it into objects with --split lines|paragraphs|bytes:N|"
                              f"regex:PATTERN, or give a directory of files")
        objects = _split(data, split, path.name)
    if not objects:
        raise CorpusError(f"{path} holds no non-empty objects")
    return TextCorpus(objects, str(path))


def _load_jsonl(path: Path, field_name: str) -> dict[str, bytes]:
    """The ``field_name`` of every record of a JSONL file (UTF-8, one JSON object per ``\\n``-ended line).

    A string value is its UTF-8 bytes; a lone surrogate written as ``\\udXXX`` keeps its code unit (surrogatepass), so
    distinct strings stay distinct bytes. Any other value is its JSON text. Not UTF-8 (UTF-16, Latin-1), not JSON, or
    nested too deeply to parse is a one-line error naming the line.
    """
    raw = read_input(path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(raw) > 1 and b"\x00" in raw[:4]):
        raise CorpusError(f"{path} looks like UTF-16 or UTF-32: JSONL must be UTF-8 (convert it, e.g. with iconv)")
    objects = {}
    # Lines end at b"\n" only: str.splitlines would also cut at U+2028 and other separators allowed inside JSON text.
    for number, line in enumerate(raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path}: line {number} is not UTF-8 (byte {exc.start + 1}): JSONL must be UTF-8") from None
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}: line {number} is not JSON: {exc.msg}") from None
        except RecursionError:
            raise CorpusError(f"{path}: line {number} is nested too deeply to read") from None
        if not isinstance(record, dict) or field_name not in record:
            raise CorpusError(f"{path}: line {number} has no field {field_name!r} (choose one with --field)")
        value = record[field_name]
        try:
            text = value if isinstance(value, str) else json.dumps(value)
        except (RecursionError, ValueError):
            raise CorpusError(f"{path}: line {number}: the field {field_name!r} is nested too deeply") from None
        objects[f"record {number}"] = text.encode("utf-8", "surrogatepass")
    return {k: v for k, v in objects.items() if v}
