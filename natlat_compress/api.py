"""One function per command: what ``natlat COMMAND`` does, callable from Python with the same options.

Keyword arguments are named as the command's options (``--min-time`` is ``min_time``); every function returns a
:mod:`~natlat_compress.results` object whose ``to_dict()`` is the command's ``--format json``. The command line is a
thin shell over exactly these functions. Files are given as paths (``str`` or ``os.PathLike``); data in memory as
``bytes``.

>>> import natlat_compress as nc
>>> nc.bits(b"abracadabra" * 100, coder="zstd:19").bits > 0
True
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Callable, Sequence, Union

from .axioms import axioms as _axioms, ncd_matrix
from .bench import MIN_RUN_SECONDS, bench as _bench
from .coders.registry import byte_coder
from .corpus import read_input
from .errors import NatlatError
from .priors import AgentSpec, compare_priors
from .progress import reporter
from .results import AxiomsResult, BenchResult, BitsResult, DiscoverResult, NcdResult, PriorsResult, SynthResult
from .score import latent_choice, score

__all__ = ["score", "discover", "priors", "bench", "bits", "conditional_bits", "axioms", "ncd", "synth"]

Data = Union[bytes, bytearray, memoryview, str, os.PathLike]


def _read(item: Data) -> tuple[bytes, str | None]:
    """The bytes of a path or of data in memory, and the path's name (None for bytes)."""
    if isinstance(item, (bytes, bytearray, memoryview)):
        return bytes(item), None
    if isinstance(item, (str, os.PathLike)):
        return read_input(Path(item)), str(item)
    raise NatlatError(f"expected a path or bytes; got a {type(item).__name__}")


def bits(file: Data, *, given: Data | None = None, coder: str = "zstd:19") -> BitsResult:
    """The code length of ``file`` — or of ``file`` given ``given`` — in bits, with no container (``natlat bits``).

    >>> import natlat_compress as nc
    >>> r = nc.bits(b"to be or not to be " * 50, given=b"to be or not to be", coder="zstd:19")
    >>> r.bits < nc.bits(b"to be or not to be " * 50, coder="zstd:19").bits
    True
    """
    the_coder = byte_coder(coder, "bits")
    data, name = _read(file)
    prior, given_name = _read(given) if given is not None else (b"", None)
    n_bits = the_coder.conditional_bits(data, prior) if given is not None else the_coder.bits(data)
    return BitsResult({"file": name, "given": given_name if given is not None else None, "coder": the_coder.spec,
                       "conditioning": the_coder.method if given is not None else None, "bytes": len(data),
                       "bits": n_bits, "bits_per_byte": n_bits / len(data) if data else None})


def conditional_bits(file: Data, given: Data, *, coder: str = "zstd:19") -> BitsResult:
    """``C(file | given)`` in bits: :func:`bits` with ``given`` (primed where the coder allows, else concatenation).

    >>> import natlat_compress as nc
    >>> text = b"It was the best of times, it was the worst of times. " * 20
    >>> given = nc.conditional_bits(text, given=text, coder="zstd:19")
    >>> given.bits < nc.bits(text, coder="zstd:19").bits, given["conditioning"]
    (True, 'primed')
    """
    return bits(file, given=given, coder=coder)


def axioms(file: Data, *, coder: str = "zstd:19", sizes: Sequence[int] | None = None) -> AxiomsResult:
    """How far a coder is from a normal compressor on prefixes of ``file`` (``natlat axioms``; THEORY.md §3): per
    size, idempotency, symmetry, monotonicity and distributivity in bits, and whether the size is within its reach.

    >>> import natlat_compress as nc
    >>> checked = nc.axioms(b"abracadabra " * 2000, coder="zlib:9", sizes=[1000, 4000])
    >>> [(row["size"], row["monotonicity"] >= 0, row["within_reach"]) for row in checked.rows()]
    [(1000, True, True), (4000, True, True)]
    """
    the_coder = byte_coder(coder, "axioms")
    data, name = _read(file)
    if not data:
        raise NatlatError(f"{name or 'the data'} is empty")
    if sizes is not None and (not sizes or min(sizes) < 1):
        raise NatlatError(f"sizes must be positive whole numbers of bytes; got {list(sizes)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # going past the reach is the point here; `within_reach` says where
        rows = _axioms(the_coder, data, list(sizes) if sizes is not None else None)
    return AxiomsResult({"coder": the_coder.spec, "file": name, "reach_bytes": the_coder.reach, "rows": rows})


def ncd(files: Sequence[Data], *, coder: str = "zstd:19") -> NcdResult:
    """The normalized compression distance of every pair of ``files`` (``natlat ncd``; Cilibrasi & Vitányi): row i,
    column j concatenates item i then item j.

    >>> import natlat_compress as nc
    >>> fox = b"the quick brown fox jumps over the lazy dog " * 20
    >>> distances = nc.ncd([fox, fox[:-5] + b"cat. ", bytes(range(256)) * 4], coder="zstd:19")
    >>> distances["names"], distances.matrix[0][1] < distances.matrix[0][2]
    (['item 1', 'item 2', 'item 3'], True)
    """
    the_coder = byte_coder(coder, "ncd")
    if len(files) < 1:
        raise NatlatError("ncd needs at least one file")
    read = [_read(f) for f in files]
    names = [Path(name).name if name else f"item {i + 1}" for i, (_, name) in enumerate(read)]
    matrix = ncd_matrix(the_coder, [data for data, _ in read])
    return NcdResult({"coder": the_coder.spec, "files": [name for _, name in read], "names": names, "matrix": matrix})


def priors(corpus, *, agent_a: str, agent_b: str, train_a: Sequence[str] = (), train_b: Sequence[str] = (),
           latent=None, latent_file: str | os.PathLike | None = None, latent_text: str | None = None,
           features: Sequence[str] | None = None, split: str | None = None, field: str | None = None,
           jobs: int | None = None, progress: bool | Callable[[int, int], None] = False) -> PriorsResult:
    """The gap between two agents' priors on ``corpus``, the compiler bound and, with a latent, every error of
    :func:`score` widened so that A's bound covers B's estimate (``natlat priors``; THEORY.md §4).

    An agent is a coder spec, primed with its training files (texts, or tables with the corpus's columns).

    >>> import natlat_compress as nc
    >>> lines = [b"Alice was beginning to get very tired of sitting by her sister on the bank",
    ...          b"Of Man's first disobedience, and the fruit of that forbidden tree"]
    >>> books = "../shared/data/text/canterbury/"
    >>> gaps = nc.priors(lines, agent_a="zstd:19", train_a=[books + "alice29.txt"],
    ...                  agent_b="zstd:19", train_b=[books + "plrabn12.txt"])
    >>> [item["gap"] < 0 for item in gaps.rows()]   # C_A - C_B: A has read Alice, B Paradise Lost
    [True, False]
    >>> gaps.compiler_bound["holds_on_items"]
    True
    """
    callback, close = reporter(progress)
    try:
        report = compare_priors(corpus, AgentSpec(agent_a, tuple(map(str, train_a))),
                                AgentSpec(agent_b, tuple(map(str, train_b))),
                                latent=latent_choice(latent, latent_file, latent_text), features=features,
                                split=split, field=field, jobs=jobs, progress=callback)
    finally:
        close()
    return PriorsResult(report)


def bench(paths: Sequence[str | os.PathLike], *, coder: Sequence[str] = (), levels: str | None = None,
          repeats: int = 5, min_time: float = MIN_RUN_SECONDS, plot: str | os.PathLike | None = None,
          progress: bool | Callable[[int, int], None] = False) -> BenchResult:
    """Every coder on every file as a prior: size, speed, memory and stand-in quality (``natlat bench``).

    ``paths`` are files or folders (every file in them); ``coder`` one or more specs (default: every available
    compressor); ``plot`` writes the Pareto figure (.png/.svg, the ``plot`` extra).

    >>> import natlat_compress as nc
    >>> report = nc.bench(["../shared/data/text/canterbury/alice29.txt"], coder=["zstd:3", "zlib:6"], repeats=1,
    ...                   min_time=0.01)
    >>> [(row["coder"], row["bits_per_byte"] < 3.5, row["compress_mb_s"] > 0) for row in report.rows()]
    [('zstd:3', True, True), ('zlib:6', True, True)]
    """
    if isinstance(coder, str):
        coder = [coder]
    if repeats < 1 or min_time <= 0:
        raise NatlatError(f"repeats must be at least 1 and min_time positive; got {repeats} and {min_time}")
    callback, close = reporter(progress, "benchmarking")
    try:
        report = BenchResult(_bench([str(p) for p in paths], list(coder), levels, repeats, callback, min_time))
    finally:
        close()
    if plot is not None:
        from .bench import plot as draw

        draw(report, plot)
    return report


def synth(name: str, *, rows: int = 20000, seed: int = 0, out: str | os.PathLike | None = None) -> SynthResult:
    """Draw the synthetic source ``name`` with the exact truth of every quantity ``score`` reports (``natlat synth``).

    With ``out`` the table and its truth are written there as ``NAME.csv`` and ``NAME.truth.json`` (the result holds
    their paths); without, the result holds the truth. Either way ``.table`` is the drawn table.

    >>> import natlat_compress as nc
    >>> s = nc.synth("noisy_copies", rows=2000)
    >>> s.table.n_items, abs(s["truth"]["mediation_error"]) < 1e-9     # L mediates the copies exactly
    (2000, True)
    """
    from .synthetic import get_source, truth, write_source

    if rows < 1:
        raise NatlatError(f"rows must be at least 1; got {rows}")
    if out is not None:
        csv_path, truth_path = write_source(name, rows, seed, out)
        return SynthResult({"source": name, "rows": rows, "seed": seed, "table": str(csv_path),
                            "truth": str(truth_path)})
    get_source(name)  # an unknown name fails here
    return SynthResult({"source": name, "rows": rows, "seed": seed, "truth": truth(get_source(name))})


def discover(table, *, features: Sequence[str] = (), exclude: Sequence[str] = (), k_max: int | None = None,
             coder: str = "model", seed: int = 0, out: str | os.PathLike | None = None, rank: int = 1,
             compare: str | None = None, plot: str | os.PathLike | None = None,
             jobs: int | None = None) -> DiscoverResult:
    """Which latent is natural in ``table``? Every column, learned latent classes (K = 2..k_max), Gaussian clusters of
    numeric columns and merged pairs, each cross-fitted on two halves of the rows and scored, best first
    (``natlat discover``; see :mod:`natlat_compress.discover`).

    ``out`` writes the candidate of ``rank`` as a one-column CSV (for ``score(latent_file=...)``, ``priors`` and
    ``against``); ``compare`` relates it to a column (mutual information, Theorem 1 both ways).

    >>> import natlat_compress as nc
    >>> table = nc.synth("noisy_copies", rows=300).table          # six noisy copies of an 8-valued L
    >>> found = nc.discover(table, exclude=["L"], compare="L", jobs=1)
    >>> found.candidates[0]["kind"], found["compare"]["agreement"] > 0.9
    ('latent_classes', True)
    """
    from .corpus import TableCorpus, load_corpus
    from .discover import DEFAULT_K_MAX, compare as compare_with, discover_candidates, latent_column_csv, plot_discovery
    from .output import write_atomic

    corpus = load_corpus(table) if isinstance(table, (str, os.PathLike)) else table
    if not isinstance(corpus, TableCorpus):
        raise NatlatError("discover reads a table (CSV/TSV); texts take `natlat score --latent discover`")
    excluded = set(exclude)
    for option, names in (("--exclude", exclude), ("--features", features)):
        unknown = [c for c in names if c not in corpus.columns]
        if unknown:
            raise NatlatError(f"unknown column {unknown[0]!r} for {option}; the columns are: {', '.join(corpus.names)}")
    chosen = [c for c in (list(features) or corpus.names) if c not in excluded]
    report, candidates = discover_candidates(corpus, features=chosen, k_max=k_max or DEFAULT_K_MAX, coder=coder,
                                             seed=seed, jobs=jobs)
    if not 1 <= rank <= len(candidates):
        raise NatlatError(f"--rank {rank}: there are only {len(candidates)} candidates")
    kept = candidates[rank - 1]
    if compare:
        report["compare"] = compare_with(corpus, kept, compare, features=chosen, coder=coder, jobs=jobs)
    if out is not None:
        write_atomic(out, latent_column_csv(kept))
        report["kept"] = {"latent": kept.name, "rank": rank, "path": str(out)}
    if plot is not None:
        plot_discovery(report, plot)
    return DiscoverResult(report)
