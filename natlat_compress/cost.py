"""What a plan will cost before it runs: seconds and peak memory, from throughputs measured once on this machine.

``natlat score --dry-run`` prints these figures and stops; every run prints them on its first line, and
``--max-time`` / ``--max-memory`` refuse a plan over budget with what to change.

* **Byte coders** cost their bytes: a job of b bytes takes ``b / rate + t_call`` seconds, the rate (bytes per second
  of one core) measured once per coder, corpus kind and library version on a megabyte of the corpus itself, the fixed
  cost of a call on a tiny conditional job; both kept in ``$XDG_CACHE_HOME/natlat_compress/throughput.json``
  (``~/.cache`` by default), under a fingerprint of this package's source: the fixed cost of a job is mostly the
  engine's own work, so a rate measured by another version of the code is measured again (session 7: a file kept
  from an older engine put 36 µs a job where the engine now takes 66, and the book-in-paragraphs estimate 2.8× short).
* **Model coders** cost their cells: a unit (one target, all the column sets it is given) touches ``rows × columns``
  cells; a joint unit (several columns, nothing given) also fits latent-class models. Both rates are measured once
  on a synthetic latent-class table (``synthetic.py``), the fixed cost of a unit on a tiny one, and kept in the same
  file.
* Workers take units longest first, so the wall time is about ``max(total / workers, longest unit)``.
* **Memory** of the largest process: what this process holds now (the corpus is loaded) plus the largest job's
  working set — its input and output bytes and the coder's own tables (zstd's context size as libzstd estimates it;
  the dictionary of an LZMA preset; PPMd's model memory).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from functools import lru_cache

import numpy as np
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .coders import get_coder
from .coders.models import LC_BLOCK_ROWS

__all__ = ["Estimate", "estimate", "throughput_file", "measured_rate", "current_rss_bytes"]

SAMPLE_BYTES = 1 << 20  # bytes of the corpus a byte coder's rate is measured on
MIN_MEASURE_SECONDS = 0.2
CALIBRATION_ROWS = 20_000


@dataclass(frozen=True)
class Estimate:
    """A plan's cost before it runs."""

    compressions: int  # jobs left to run (not in the cache)
    cached: int  # jobs the cache answers
    bytes: int  # bytes the jobs left will compress (byte coders)
    cells: int  # model coders: rows × columns touched
    workers: int
    estimated_seconds: float
    estimated_peak_memory_bytes: int  # the largest process
    estimated_total_memory_bytes: int  # all processes together

    def to_dict(self) -> dict:
        return asdict(self)

    def scaled(self, factor: float, memory_above: int | None = None) -> "Estimate":
        """The cost of ``factor`` times the work (a streamed file's chunks, from the first one's plan). With
        ``memory_above``, the memory beyond it grows by ``factor`` too (model coders hold every row of a streamed
        table: what the first chunk needs beyond this process's memory, ``factor`` times)."""
        memory = {}
        if memory_above is not None:
            memory = {key: round(memory_above + max(getattr(self, key) - memory_above, 0) * factor)
                      for key in ("estimated_peak_memory_bytes", "estimated_total_memory_bytes")}
        return replace(self, compressions=round(self.compressions * factor), bytes=round(self.bytes * factor),
                       cells=round(self.cells * factor), estimated_seconds=self.estimated_seconds * factor, **memory)


def throughput_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "natlat_compress" / "throughput.json"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of this package's Python source: rates are kept per version of the code that they time."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _load_rates() -> dict:
    try:
        kept = json.loads(throughput_file().read_text())
    except (OSError, ValueError):
        return {}  # missing or unreadable: measured again
    if not isinstance(kept, dict) or kept.get("code") != code_fingerprint() or not isinstance(kept.get("rates"), dict):
        return {}  # measured by another version of the code (or an older layout): measured again, then replaced
    return kept["rates"]


def _store_rate(key: str, rate: float) -> None:
    from .output import write_atomic

    rates = _load_rates() | {key: rate}
    try:
        throughput_file().parent.mkdir(parents=True, exist_ok=True)
        write_atomic(throughput_file(), json.dumps({"code": code_fingerprint(), "rates": rates}, indent=1,
                                                   sort_keys=True))
    except OSError:
        pass  # a read-only home: measured again next time, nothing else changes


def measured_rate(key: str, measure) -> float:
    """The rate stored under ``key``, or ``measure()`` stored there now."""
    rates = _load_rates()
    if key not in rates:
        rates[key] = float(measure())
        _store_rate(key, rates[key])
    return rates[key]


def _timed_rate(amount: float, run) -> float:
    """``amount`` per second of ``run()``, repeated until it has taken ``MIN_MEASURE_SECONDS``."""
    start, repeats = time.perf_counter(), 0
    while True:
        run()
        repeats += 1
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_MEASURE_SECONDS:
            return amount * repeats / elapsed


def _byte_rate(spec: str, corpus) -> float:
    coder = get_coder(spec)
    key = f"{spec}|{corpus.kind}|{coder.library_version()}"

    def measure() -> float:
        sample = bytes(corpus.buffer(corpus.names)[:SAMPLE_BYTES])
        return _timed_rate(len(sample), lambda: coder.bits(sample)) if sample else 1e9

    return measured_rate(key, measure)


def _call_seconds(spec: str) -> float:
    """The fixed cost of one job of a byte coder: the engine's own work on a tiny conditional job of a text corpus
    (serialising, the coder's set-up — a dictionary, a process for cmd:) and the call itself."""
    from .corpus import TextCorpus
    from .engine import Term, evaluate, plan

    coder = get_coder(spec)
    tiny = TextCorpus({f"{i}": bytes(range(i, i + 64)) for i in range(64)}, "calibration")
    terms = [(None, Term.of([f"{i}"], [f"{(i + 1) % 64}"])) for i in range(64)]
    the_plan = plan(terms, tiny, [spec])
    return 1 / measured_rate(f"{spec}|jobs|{coder.library_version()}",
                             lambda: _timed_rate(len(the_plan.jobs), lambda: evaluate(the_plan, tiny, jobs=1)))


def _model_rates(spec: str) -> tuple[float, float, float]:
    """Cells per second of a model coder for one target given column sets and for a joint unit, and the fixed seconds
    of a unit."""
    coder = get_coder(spec)
    key = f"{spec}|cells|{coder.library_version()}"

    def table():
        from .synthetic import as_table, get_source

        return as_table(get_source("noisy_copies"), CALIBRATION_ROWS, seed=0).symbols()

    def link() -> float:
        symbols = table()
        names = list(symbols.columns)
        target, rest = names[0], names[1:]
        givens = [rest] + [[g for g in rest if g != left] for left in rest]
        return _timed_rate(symbols.n * len(names), lambda: (symbols.cache.clear(),
                                                            coder.symbol_bits_many(symbols, [target], givens)))

    def joint() -> float:
        symbols = table()
        names = list(symbols.columns)[1:]
        return _timed_rate(symbols.n * len(names), lambda: (symbols.cache.clear(),
                                                            coder.symbol_bits_many(symbols, names, [[]])))

    def units() -> float:  # the fixed cost of a unit: a tiny table's leave-one-out unit, cells all but free
        from .corpus import table_from_columns

        tiny = table_from_columns({f"c{j}": (np.arange(32) * (j + 1)) % 3 for j in range(4)}).symbols()
        names = list(tiny.columns)
        givens = [names[1:]] + [[g for g in names[1:] if g != left] for left in names[1:]]
        return _timed_rate(1, lambda: (tiny.cache.clear(), coder.symbol_bits_many(tiny, names[:1], givens)))

    return (measured_rate(key + "|link", link), measured_rate(key + "|joint", joint),
            1 / measured_rate(key + "|units", units))


def current_rss_bytes() -> int:
    """This process's resident memory now (Linux), or its peak so far elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _coder_memory(spec: str, n_bytes: int) -> int:
    """The coder's own working memory for one call on ``n_bytes`` (input and output not counted)."""
    from .coders.optional import PpmdCoder
    from .coders.stdlib import Bz2Coder, LzmaCoder
    from .coders.zstd import ZstdCoder

    coder = get_coder(spec)
    if isinstance(coder, ZstdCoder):
        import zstandard

        params = zstandard.ZstdCompressionParameters.from_level(coder.level, source_size=max(n_bytes, 1))
        return int(params.estimated_compression_context_size())
    if isinstance(coder, LzmaCoder):  # xz's documented need: about 10.5 times the preset's dictionary
        dictionary = [256 << 10, 1 << 20, 2 << 20, 4 << 20, 4 << 20, 8 << 20, 8 << 20, 16 << 20, 32 << 20, 64 << 20]
        return int(10.5 * min(dictionary[coder.filters[0]["preset"] & 0xF], max(n_bytes, 4096)))
    if isinstance(coder, PpmdCoder):
        return coder.mem_size
    if isinstance(coder, Bz2Coder):
        return 400_000 + 7_600_000 * coder.level // 9
    if coder.family == "brotli":
        return 8 * min(n_bytes, 16 << 20) + (16 << 20)
    return 4 * n_bytes  # unknown programs (cmd:): a guess, proportional to what they read


def _unit_cells(corpus, unit_jobs) -> tuple[int, bool]:
    columns = set(unit_jobs[0][1]).union(*(job[2] for job in unit_jobs))
    joint = any(len(job[1]) > 1 and not job[2] for job in unit_jobs)
    return corpus.n_items * len(columns), joint


def estimate(the_plan, corpus, todo: list, workers: int) -> Estimate:
    """The cost of running the jobs ``todo`` of ``the_plan`` on ``workers`` processes (see the module docstring)."""
    from .engine import _units

    units = _units(todo)
    seconds, memory, n_bytes, n_cells = [], [], 0, 0
    largest: dict[str, int] = {}  # per byte coder, its largest job
    # per model coder: cells per second of a link and of a joint, seconds per unit; per byte coder: bytes per second
    # and seconds per call
    rates: dict[str, tuple[float, ...]] = {
        spec: _model_rates(spec) if get_coder(spec).reads == "symbols" else (_byte_rate(spec, corpus), _call_seconds(spec))
        for spec in {unit[0] for unit in units}}
    for spec, variant, unit_jobs in units:
        coder = get_coder(spec)
        share = variant.share if variant is not None else 1.0  # a split's block has a part of the rows
        if coder.reads == "symbols":
            cells, joint = _unit_cells(corpus, unit_jobs)
            cells = int(cells * share)
            link_rate, joint_rate, per_unit = rates[spec]
            seconds.append(cells / (joint_rate if joint else link_rate) + per_unit)
            n_cells += cells
            # per cell: the column codes (8 bytes), naive-Bayes and mixture scores; a joint unit's EM responsibilities
            # (a few arrays of rows x 16 classes, in blocks of rows)
            memory.append(cells * 48 + (min(corpus.n_items, LC_BLOCK_ROWS) * 16 * 8 * 3 if joint else 0))
        else:
            size = int(sum(map(the_plan.job_bytes.__getitem__, unit_jobs)) * share)
            n_bytes += size
            rate, per_call = rates[spec]
            seconds.append(size / rate + per_call)
            largest[spec] = max(largest.get(spec, 0), size)  # a byte unit is one job
    # a byte job holds its input, its output (at most about as long) and the coder's own tables
    memory += [2 * size + _coder_memory(spec, size) for spec, size in largest.items()]
    workers = max(1, min(workers, len(units) or 1))
    wall = max(sum(seconds) / workers, max(seconds, default=0.0))
    base = current_rss_bytes()
    serialised = 0
    if corpus.kind == "table" and any(get_coder(u[0]).reads == "bytes" for u in units):
        serialised = corpus.nbytes(corpus.names) * 2  # the padded layout every worker shares
    job_peak = max(memory, default=0)
    return Estimate(compressions=len(todo), cached=len(the_plan.jobs) - len(todo), bytes=n_bytes, cells=n_cells,
                    workers=workers, estimated_seconds=float(wall),
                    estimated_peak_memory_bytes=int(base + serialised + job_peak),
                    estimated_total_memory_bytes=int(base + serialised + workers * job_peak))


def suggestions(corpus, coders) -> str:
    """What to change when a plan is over budget."""
    options = []
    if corpus.kind == "text":
        options += ["a coarser --split (fewer, larger objects)", "--sample-features N"]
    else:
        options += ["--sample-features N", "fewer --features"]
    if any(get_coder(spec).reads == "bytes" for spec in coders):
        options.append("a faster coder (zstd:3)" if corpus.kind == "text" else "the model coder (--coder model)")
    options += ["fewer --null/--intervals replicates"]
    return "; ".join(options)
