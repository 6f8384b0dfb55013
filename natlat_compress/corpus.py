"""Corpora: what the features are, and how a set of them becomes bytes.

A corpus is a set of named *atoms*. In a **table** an atom is a column; a feature subset is serialised row by row
(one row's cells together, in a fixed column order, cells ended by 0x1F and rows by 0x1E), so a compressor sees which
cells share a row (DESIGN.md, "Corpora, features, latents"). In a **text** corpus an atom is an object (a document,
a line, a chunk) or a latent string, and a subset is its objects joined by 0x1E. Separator bytes inside a cell or object
are escaped with 0x1B, so every serialisation is unambiguous.

Bytes are read exactly: text that is not UTF-8 keeps its bytes (decoded with ``surrogateescape``, encoded back the same
way); NUL bytes are ordinary bytes; a 10 MB cell is an ordinary cell. Inputs are only ever opened for reading.

The code is split by kind: :mod:`.tables` (columns, kinds, CSV parsing, chunks), :mod:`.texts` (objects, splits,
JSONL) and :mod:`.corpus_common` (separators, escaping, reading a file); this module picks one for a path, and every
name stays importable from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from .corpus_common import (ESCAPE, FIELD_END, JSONL_SUFFIXES, OBJECT_SEPARATOR, ROW_END, TABLE_SUFFIXES,  # noqa: F401
                            _ESCAPED, _escape, _read_error, read_input)
from .errors import CorpusError
from .tables import (DENSE_FACTORIZE_ROWS, KEEP_LEADING, MISSING_CELLS, ROWS_PER_BLOCK,  # noqa: F401
                     SMALL_INTEGER_CODES, Column, TableCorpus, _cells_column, _codes, _dedupe_header, _parse_rows,
                     _parse_table, _simple_table, _sniff_delimiter, _table_delimiter, infer_kind, load_table,
                     parse_numbers, read_table_chunks, table_from_columns)
from .texts import TextCorpus, _load_jsonl, _split, load_texts  # noqa: F401

__all__ = ["TableCorpus", "TextCorpus", "load_corpus", "load_table", "load_texts", "table_from_columns", "read_input"]


def load_corpus(path: str | os.PathLike, *, split: str | None = None, field: str | None = None,
                delimiter: str | None = None) -> TableCorpus | TextCorpus:
    """A table for ``.csv/.tsv/.tab`` files, otherwise a text corpus (see :func:`load_texts`).

    >>> import natlat_compress as nc
    >>> nc.load_corpus("../shared/data/tabular/contact-lenses.csv").kind
    'table'
    >>> nc.load_corpus("../shared/data/text/canterbury").kind
    'text'
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"no such file or directory: {path}")
    if path.is_file() and path.suffix.lower() in TABLE_SUFFIXES and not split:
        return load_table(path, delimiter)
    return load_texts(path, split, field)
