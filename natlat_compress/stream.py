"""``--stream``: a table larger than memory, read chunk by chunk.

Two ways to score it, one per kind of coder:

* **Model coders** read symbols, not bytes: a table's model code lengths are a function of each column's integer
  codes, its categories' order and (numeric columns) their values and precision. :func:`compact_table` reads the file
  chunk by chunk and keeps only that — every cell as a code in the smallest unsigned type its column needs (a byte for
  up to 256 categories), the categories once — then gives them the codes :func:`~natlat_compress.corpus.load_table`
  gives when it reads the whole file (categories in the same order, kinds inferred from every cell). ``model`` then
  runs once over all rows: **the same bits as in memory**, permutation null and bootstrap included, holding the
  bytes and parsed cells of one chunk at a time, never the file's. What stays in memory is the code table (rows × kept
  columns × 1–2 bytes), a dictionary of each column's distinct values, and the model's working set: its members go
  over blocks of rows with running counts (:mod:`~natlat_compress.coders.models`, ``MODEL_BLOCK_ROWS``), so that set
  grows with the alphabets, not the rows, except where the context tree is evaluated on all rows
  (benchmarks/RESULTS.md, "Streaming a table with `model`").
* **Byte coders** code bytes, and a table of several GB is beyond every compressor's reach anyway: each chunk is coded
  on its own and the code lengths are summed over the chunks (:func:`read_streamed`), an approximation the report
  states.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .corpus_common import TABLE_SUFFIXES
from .engine import evaluate, plan
from .errors import CorpusError
from .report import fmt_bytes
from .tables import Column, TableCorpus, read_table_chunks

__all__ = ["table_chunks", "compact_table", "read_streamed", "approximation_note"]


def table_chunks(corpus: Any, chunk_bytes: int, numeric: Sequence[str] = (), categorical: Sequence[str] = (),
                 precision: Mapping[str, float] | None = None) -> Iterator[tuple[TableCorpus, int]]:
    """The chunks of a CSV/TSV path (see :func:`natlat_compress.corpus.read_table_chunks`), with the column kinds
    overridden in each."""
    if not isinstance(corpus, (str, os.PathLike)) or Path(corpus).suffix.lower() not in TABLE_SUFFIXES:
        raise CorpusError("--stream reads a CSV/TSV table file in chunks; give its path")
    if chunk_bytes < 1:
        raise CorpusError(f"--stream needs a positive chunk size; got {chunk_bytes}")
    return ((table.with_kinds(numeric, categorical, precision), through)
            for table, through in read_table_chunks(corpus, chunk_bytes))


class _CompactColumn:
    """One column gathered over chunks: each chunk's cells as first-seen ids of their categories."""

    def __init__(self) -> None:
        self.ids: dict[bytes, int] = {}  # category bytes -> the order it was first seen in
        self.pieces: list[np.ndarray] = []

    def add(self, column: Column) -> None:
        # A loop over the chunk's categories, not its rows; the rows are mapped by one gather.
        ids = self.ids
        local = np.fromiter((ids.setdefault(c, len(ids)) for c in column.categories), dtype=np.int64,
                            count=column.cardinality)
        self.pieces.append(local.astype(_code_type(len(ids)))[column.codes])

    def column(self, rows: int) -> Column:
        """The whole column, its categories in the order a whole-file read gives them: byte order, which for UTF-8
        is the order of the decoded strings, the order Python's csv path sorts in (undecodable bytes as surrogates,
        as that path reads them)."""
        categories = list(self.ids)
        order = sorted(range(len(categories)), key=lambda i: categories[i].decode("utf-8", "surrogateescape"))
        code_type = _code_type(len(categories))
        rank = np.empty(len(categories), dtype=code_type)
        rank[order] = np.arange(len(categories), dtype=code_type)
        codes = np.empty(rows, dtype=code_type)
        at = 0
        while self.pieces:  # each piece let go once copied: at most one piece beside the whole column
            piece = self.pieces.pop(0)
            codes[at:at + len(piece)] = rank[piece]
            at += len(piece)
        return Column(codes, [categories[i] for i in order])


def _code_type(cardinality: int) -> np.dtype:
    return np.min_scalar_type(max(cardinality - 1, 0))


def compact_table(chunks: Iterable[tuple[TableCorpus, int]], keep: Sequence[str], source: str,
                  numeric: Sequence[str] = (), categorical: Sequence[str] = (),
                  precision: Mapping[str, float] | None = None,
                  on_chunk: Callable[[TableCorpus, int], None] | None = None) -> TableCorpus:
    """The columns ``keep`` of a table read chunk by chunk (``(chunk, bytes of the file read through it)``), equal to
    the same columns of the whole file read at once (codes, categories, inferred kinds; then ``numeric`` /
    ``categorical`` override the kinds, ``precision`` sets δ), each cell held as a code of 1–2 bytes (4 for a column
    of over 65,536 distinct values). ``on_chunk(chunk, through)`` is called with every chunk as it is read."""
    gathered = {name: _CompactColumn() for name in keep}
    rows = 0
    for chunk, through in chunks:
        for name, column in gathered.items():
            column.add(chunk.columns[name])
        rows += chunk.n_items
        if on_chunk is not None:
            on_chunk(chunk, through)
    # Kinds are inferred from every cell, as when the whole file is read (a chunk alone may look numeric).
    table = TableCorpus({name: column.column(rows) for name, column in gathered.items()}, source)
    # (The first chunk checked every option against all columns; only the kept ones are gathered.)
    return table.with_kinds([n for n in numeric if n in gathered], [n for n in categorical if n in gathered],
                            {n: delta for n, delta in (precision or {}).items() if n in gathered})


def read_streamed(first: TableCorpus, file_read: int, chunks: Iterator[tuple[TableCorpus, int]], byte_plan, wanted,
                  byte_specs: Sequence[str], gather: bool, lead: Sequence[str], options: dict,
                  progress: Callable[[int, int], None] | None, numeric: Sequence[str] = (),
                  categorical: Sequence[str] = (), precision: Mapping[str, float] | None = None
                  ) -> tuple[dict, dict, int, int, TableCorpus | None]:
    """One pass over a streamed table (``first``, its first chunk, already read, its kept columns only): every chunk
    coded by the byte coders ``byte_specs`` (``byte_plan`` is the first chunk's plan), their terms summed over the
    chunks; with ``gather``, the compact table of all rows for the model coders (:func:`compact_table`).
    Returns the byte coders' values, their plans' totals, the rows, the chunks, and that table (or None)."""
    file_size = Path(first.source).stat().st_size
    values: dict = {}
    totals = {"jobs": 0, "cached_jobs": 0, "bytes_to_compress": 0}
    read = {"chunks": 0, "rows": 0, "before": 0}

    def code_chunk(chunk: TableCorpus, through: int) -> None:
        before, size = read["before"], through - read["before"]

        def chunk_progress(done: int, total: int) -> None:  # in bytes of the file
            if progress:
                progress(before + size * done // max(total, 1), file_size)

        if byte_specs:
            chunk = chunk if chunk is first else chunk.leading(lead, first.names)
            the_plan = byte_plan if chunk is first else plan(wanted, chunk, byte_specs, lead=lead)
            for key, bits in evaluate(the_plan, chunk, progress=chunk_progress, **options).items():
                values[key] = values.get(key, 0.0) + bits
            for key, count in plan_totals(the_plan).items():
                totals[key] += count
        else:
            chunk_progress(1, 1)
        read["chunks"] += 1
        read["rows"] += chunk.n_items
        read["before"] = through

    everything = itertools.chain([(first, file_read)], chunks)
    if gather:
        table = compact_table(everything, first.names, first.source, numeric, categorical, precision, code_chunk)
    else:
        for chunk, through in everything:
            code_chunk(chunk, through)
        table = None
    return values, totals, read["rows"], read["chunks"], table


def plan_totals(the_plan) -> dict:
    return {"jobs": len(the_plan.jobs), "cached_jobs": the_plan.cached_jobs,
            "bytes_to_compress": the_plan.bytes_to_compress}


def approximation_note(n_chunks: int, chunk_bytes: int, byte_specs: Sequence[str],
                       model_specs: Sequence[str]) -> dict:
    """What the report says of a streamed run: how it was read, and for byte coders what the chunked sums miss."""
    out: dict = {"chunks": n_chunks, "chunk_bytes": chunk_bytes}
    if model_specs:
        out["exact"] = (f"{', '.join(model_specs)}: the table's symbol codes were gathered over the chunks and coded "
                        "once over all rows, the same bits as reading the whole table at once")
    if byte_specs:
        out["approximation"] = (
            f"{', '.join(byte_specs)} streamed in {n_chunks} chunk{'s' if n_chunks > 1 else ''} of about "
            f"{fmt_bytes(chunk_bytes)} of the file: each chunk is coded on its own and code lengths are summed over "
            "the chunks, so they miss structure shared across chunks and run longer than coding the table whole "
            "would; the errors, differences of them, may move either way; calibration replicates are drawn within "
            "chunks")
    return out
