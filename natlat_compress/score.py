"""``score``: the natural-latent errors of a corpus and a candidate latent, under one or more coders.

The Python form of ``natlat score``. It gathers the terms every estimate needs (the candidate, the baselines, the
Theorem 1 check, the calibration replicates), lets the engine measure each once, and assembles the report that
``--format json`` prints (DESIGN.md, "Output contract").
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from . import conditions as cond
from .coders import get_coder
from .corpus import (TABLE_SUFFIXES, TableCorpus, TextCorpus, load_corpus, read_input, read_table_chunks,
                     table_from_columns)
from .cache import TermCache
from .engine import Variant, connect, evaluate, plan
from .errors import CorpusError
from .report import fmt_bytes, fmt_rate
from .latents import (AGAINST_ATOM, LATENT_ATOM, Latent, baselines, choose_features, discover_latent, table_latent,
                      text_latent)

__all__ = ["score", "as_corpus", "example_path", "EXAMPLE_LATENT", "DEFAULT_CODERS"]

EXAMPLE_LATENT = "Class"
# Texts: the two-part mixture of zstd:19 (copies: C(s|s) of a few bytes) and PPMd-6 (statistics: 20 % fewer bits on
# prose), one bit above the better of the two on every term, at the cost of both (benchmarks/RESULTS.md, "Text coders").
DEFAULT_CODERS = {"table": ("model",), "text": ("mix:zstd:19,ppmd:6" if importlib.util.find_spec("pyppmd") else
                                                "zstd:19",)}


def example_path() -> Path:
    """The embedded example: the 1984 House votes table (see natlat_compress/data/README.md)."""
    return Path(str(resources.files("natlat_compress") / "data" / "house-votes-84.csv"))


def as_corpus(corpus: Any, *, split: str | None = None, field: str | None = None) -> TableCorpus | TextCorpus:
    """A corpus from a path, a list of byte strings (text objects), a 2-D numpy array or a pandas DataFrame (tables)."""
    if isinstance(corpus, (TableCorpus, TextCorpus)):
        return corpus
    if isinstance(corpus, (str, os.PathLike)):
        return load_corpus(corpus, split=split, field=field)
    if isinstance(corpus, np.ndarray):
        if corpus.ndim != 2:
            raise CorpusError(f"a numpy table must be 2-D (rows x features); got shape {corpus.shape}")
        return table_from_columns({f"c{j}": corpus[:, j] for j in range(corpus.shape[1])}, "numpy array")
    if type(corpus).__name__ == "DataFrame" and hasattr(corpus, "columns"):
        return table_from_columns({str(c): corpus[c].astype(str).to_numpy() for c in corpus.columns}, "DataFrame")
    if isinstance(corpus, (list, tuple)) and all(isinstance(o, (bytes, str)) for o in corpus):
        objects = {f"object {i + 1}": o.encode() if isinstance(o, str) else o for i, o in enumerate(corpus)}
        return TextCorpus({k: v for k, v in objects.items() if v}, "list")
    raise CorpusError(f"cannot read a corpus from a {type(corpus).__name__}")


def _estimates(C, X, L) -> dict:
    return {
        "mediation_error": cond.mediation_error(C, X, L),
        "latent_given_features": cond.latent_given_features(C, X, L),
        "kolmogorov_mediation": cond.kolmogorov_mediation(C, X, L),
        "redundancy": cond.redundancy_errors(C, X, L),
    }


def _resolve_latent(corpus, latent, atom: str) -> tuple[Any, Latent]:
    """The corpus (with a latent string added, for texts) and the latent."""
    if isinstance(corpus, TableCorpus):
        if isinstance(latent, (bytes, bytearray)) or latent == "discover":
            raise CorpusError("a table's latent is one or more of its columns (--latent COLUMN)")
        columns = [latent] if isinstance(latent, str) else list(latent)
        return corpus, table_latent(corpus, columns)
    if isinstance(latent, (bytes, bytearray)):
        return corpus.with_atom(atom, bytes(latent)), text_latent(bytes(latent), f"string of {len(latent)} bytes", atom)
    if latent == "discover":
        value = discover_latent(corpus)
        return corpus.with_atom(atom, value), text_latent(value, "discover", atom, "discovered")
    if isinstance(latent, (str, os.PathLike)) and Path(latent).is_file():
        value = read_input(Path(latent))
        return corpus.with_atom(atom, value), text_latent(value, f"file:{latent}", atom, "string")
    raise CorpusError(f"a text corpus's latent is a string: a file, --latent-text, or 'discover'; got {latent!r}")


def _term_name(term, features: Sequence[str], latents: dict[str, frozenset]) -> str:
    everything = frozenset(features)

    def name(atoms: frozenset) -> str:
        parts = []
        for label, latent_atoms in latents.items():
            if latent_atoms and latent_atoms <= atoms and not latent_atoms <= everything:
                parts.append(label)
                atoms = atoms - latent_atoms
        rest = atoms & everything
        if rest == everything and rest:
            parts.append("X")
        elif len(rest) == len(everything) - 1 and len(everything) > 2:
            parts.append(f"X-{{{next(iter(everything - rest))}}}")
        elif rest:
            parts.append(",".join(f for f in features if f in rest))
        return ",".join(parts) or "∅"

    return f"C({name(term.target)}" + (f" | {name(term.given)})" if term.given else ")")


def _summary(est: dict, names: Sequence[str]) -> dict:
    """The totals of one latent under one coder: worst redundancy per variant and the weak natural-latent error."""
    worst = {}
    for variant, values in est["redundancy"].items():
        i = int(np.argmax(values))
        worst[variant] = {"feature": names[i], "bits": values[i]}
    return {
        "mediation_error": est["mediation_error"],
        "latent_given_features": est["latent_given_features"],
        "kolmogorov_mediation": est["kolmogorov_mediation"],
        "worst_redundancy": worst,
        # The seed's (weak) natural-latent conditions together: mediation plus the worst weak redundancy.
        "weak_error": est["mediation_error"] + worst["weak"]["bits"],
    }


def _interval(values: Sequence[float], level: float = 0.95) -> dict:
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return {"low": float(low), "high": float(high), "mean": float(np.mean(values))}


def score(corpus: Any = None, latent: Any = None, *, coders: Sequence[str] | None = None,
          features: Sequence[str] | None = None, against: Any = None, split: str | None = None,
          field: str | None = None, null: int = 10, bootstrap: int = 0, seed: int = 0, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None,
          on_plan: Callable[[int, int], None] | None = None, scheduler: str | None = None,
          cache: str | os.PathLike | None = None, stream: int | None = None) -> dict:
    """Estimate how far ``latent`` is from a natural latent over the features of ``corpus``.

    Parameters
    ----------
    corpus
        A path (CSV/TSV table; directory, split file or JSONL of texts), a list of byte strings, a 2-D numpy array, a
        pandas DataFrame, or ``None`` for the embedded example (House votes 1984, latent ``Class``).
    latent
        Tables: a column name or a list of them. Texts: a string (``bytes``), a file path, or ``"discover"``.
    coders
        Coder specs (see ``natlat coders``); default ``model`` for tables, ``mix:zstd:19,ppmd:6`` for texts
        (``zstd:19`` without the ppmd extra).
    against
        A second latent, in the same forms, for the Theorem 1 check of ``C(Λ'|Λ)``.
    null
        Replicates of the permutation null for mediation (tables only; 0 to skip).
    bootstrap
        Bootstrap replicates over rows for 95 % intervals (tables only; 0 to skip).
    jobs
        Worker processes (default: all cores). Results are identical for every value.
    scheduler
        ``tcp://HOST:PORT`` of a Dask distributed scheduler to run the work on instead (the ``dask`` extra); results
        are identical to a local run.
    cache
        A folder for a persistent cache of code lengths (``natlat_compress.cache``): jobs an earlier run computed
        are read, not run.
    stream
        Read a CSV/TSV table in chunks of about this many bytes of the file and sum every code length over the chunks:
        a table larger than memory. Each chunk is coded on its own (the report's warnings say what this costs).
    progress, on_plan
        Called with ``(done_bytes, total_bytes)`` as work finishes, and with ``(jobs, bytes)`` once the plan is known
        (when streaming: of the first chunk, and the progress in bytes of the file).

    Returns
    -------
    dict
        The report of DESIGN.md's JSON contract; all code lengths and errors in bits, ``per_item`` divided by
        ``corpus.n_items``.
    """
    example = corpus is None
    if example:
        corpus, latent = example_path(), latent or EXAMPLE_LATENT
    if stream is not None:
        chunks = _chunks(corpus, stream)
        corpus, file_read = next(chunks)
    corpus = as_corpus(corpus, split=split, field=field)
    if latent is None:
        raise CorpusError("no latent given: --latent COLUMN for a table; --latent-file, --latent-text or "
                          "--latent discover for texts")
    coders = list(dict.fromkeys(coders or DEFAULT_CODERS[corpus.kind]))
    for spec in coders:
        get_coder(spec)  # unknown specs fail before any work
    runs = {spec: _runnable_spec(spec, corpus) for spec in coders}  # model coders on texts fall back
    corpus, main = _resolve_latent(corpus, latent, LATENT_ATOM)
    second = None
    if against is not None:
        corpus, second = _resolve_latent(corpus, against, AGAINST_ATOM)
    used = main.atoms | (second.atoms if second else frozenset())
    names = choose_features(corpus, features, used if corpus.kind == "table" else frozenset(), main.atoms)
    if corpus.kind == "table":
        corpus = corpus.leading(sorted(used), names)  # latents first, as the engine serialises them
    X = [frozenset([f]) for f in names]
    candidates = [main, *baselines(names)]

    # Every term, recorded by running the estimators once without numbers.
    recorder = cond.Recorder()
    for candidate in candidates:
        _estimates(recorder, X, candidate.atoms)
    if second:
        cond.theorem1_check(recorder, X, main.atoms, second.atoms)
    wanted = [(None, term) for term in recorder.terms]
    null_variants = [Variant("null", seed, r, tuple(sorted(main.atoms))) for r in range(null)] \
        if corpus.kind == "table" and null > 0 else []
    boot_variants = [Variant("bootstrap", seed, r) for r in range(bootstrap)] \
        if corpus.kind == "table" and bootstrap > 0 else []
    for variant in null_variants:
        null_recorder = cond.Recorder()
        cond.mediation_error(null_recorder, X, main.atoms)
        wanted += [(variant, term) for term in null_recorder.terms]
    main_terms = cond.Recorder()  # the candidate's own terms: reported beside its numbers, resampled by the bootstrap
    _estimates(main_terms, X, main.atoms)
    wanted += [(variant, term) for variant in boot_variants for term in main_terms.terms]

    run_specs = list(dict.fromkeys(runs.values()))
    the_plan = plan(wanted, corpus, run_specs, lead=sorted(used))
    client = connect(scheduler) if scheduler else None  # an unreachable cluster fails before any work is announced
    term_cache = TermCache(cache) if cache is not None else None
    try:
        reach_warnings = _reach_warnings(the_plan, corpus, run_specs)
        fallbacks = [f"{spec} reads symbol tables; on this text corpus it falls back to {run}, the best byte-level "
                     f"model available" for spec, run in runs.items() if run != spec]
        for message in fallbacks:
            warnings.warn(message, UserWarning, stacklevel=2)
        if on_plan:
            on_plan(len(the_plan.jobs), the_plan.bytes_to_compress)
        if stream is None:
            values = evaluate(the_plan, corpus, jobs=jobs, progress=progress, client=client, cache=term_cache)
            totals, n, streamed = _plan_totals(the_plan), corpus.n_items, None
        else:
            values, totals, n, streamed = _stream(corpus, file_read, chunks, the_plan, wanted, run_specs, sorted(used),
                                                  names, stream, dict(jobs=jobs, client=client, cache=term_cache),
                                                  progress)
    finally:
        if client is not None:
            client.close()
        if term_cache is not None:
            term_cache.close()

    grouped: dict = {}
    for (spec, variant, term), bits in values.items():
        grouped.setdefault((spec, variant), {})[term] = bits

    def table(spec, variant=None):
        return cond.TermTable(grouped[(spec, variant)])

    latents_by_label = {"Λ": main.atoms} | ({"Λ'": second.atoms} if second else {})
    results = []
    for spec in coders:
        C = table(runs[spec])
        est = _estimates(C, X, main.atoms)
        summary = _summary(est, names)
        result = {
            "coder": spec,
            "coder_info": get_coder(runs[spec]).describe() | ({"fallback_for": spec} if runs[spec] != spec else {}),
            **{k: summary[k] for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation")},
            "redundancy_errors": {variant: dict(zip(names, vals)) for variant, vals in est["redundancy"].items()},
            "worst_redundancy": summary["worst_redundancy"],
            "weak_error": summary["weak_error"],
            "features_bits": C(frozenset(names)),
            "terms": {_term_name(t, names, latents_by_label): C(t.target, t.given) for t in main_terms.terms},
        }
        result["per_item"] = {
            **{k: result[k] / n for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation",
                                           "weak_error", "features_bits")},
            "worst_redundancy": {v: w["bits"] / n for v, w in summary["worst_redundancy"].items()},
        }
        base = {}
        for candidate in candidates[1:]:
            theirs = _summary(_estimates(C, X, candidate.atoms), names)
            base.setdefault(candidate.kind, []).append({"latent": candidate.name, **theirs})
        best_copy = min(base["copy"], key=lambda s: s["weak_error"])
        result["baselines"] = {"empty": base["empty"][0], "copy": {**best_copy, "tried": len(base["copy"])},
                               "all": base["all"][0]}
        if null_variants:
            draws = [cond.mediation_error(table(runs[spec], v), X, main.atoms) for v in null_variants]
            result["null"] = {"replicates": len(draws), "mean": float(np.mean(draws)),
                              "std": float(np.std(draws, ddof=1)) if len(draws) > 1 else 0.0,
                              "corrected_mediation_error": result["mediation_error"] - float(np.mean(draws))}
        if boot_variants:
            draws = [_summary(_estimates(table(runs[spec], v), X, main.atoms), names) for v in boot_variants]
            result["bootstrap"] = {"replicates": len(draws), "level": 0.95, **{
                key: _interval([d[key] for d in draws])
                for key in ("mediation_error", "latent_given_features", "kolmogorov_mediation", "weak_error")},
                "worst_redundancy": {v: _interval([d["worst_redundancy"][v]["bits"] for d in draws])
                                     for v in cond.REDUNDANCY_VARIANTS}}
        if second:
            estimate, bounds = cond.theorem1_check(C, X, main.atoms, second.atoms)
            tightest = min(bounds, key=lambda b: b.bound)
            result["theorem1"] = {
                "against": second.describe(), "estimate": estimate, "bound": tightest.bound,
                "partition": tightest.partition, "holds": estimate <= tightest.bound,
                "partitions": [{"partition": b.partition, "bound": b.bound, "mediation": b.mediation,
                                "redundancy_a": b.redundancy_a, "redundancy_b": b.redundancy_b} for b in bounds]}
        result["verdict"] = _verdict(main, result, n, corpus.kind)
        results.append(result)

    return {
        "unit": "bits",
        "corpus": {"kind": corpus.kind, "source": corpus.source, "n_items": n, "features": names,
                   "example": example} | ({"stream": streamed} if streamed else {}),
        "latent": main.describe(),
        "plan": {**totals, "null_replicates": len(null_variants), "bootstrap_replicates": len(boot_variants),
                 "seed": seed},
        "warnings": fallbacks + reach_warnings + ([streamed["approximation"]] if streamed else []),
        "results": results,
    }


def _chunks(corpus: Any, chunk_bytes: int):
    """The chunks of a CSV/TSV path for ``stream`` (see :func:`natlat_compress.corpus.read_table_chunks`)."""
    if not isinstance(corpus, (str, os.PathLike)) or Path(corpus).suffix.lower() not in TABLE_SUFFIXES:
        raise CorpusError("--stream reads a CSV/TSV table file in chunks; give its path")
    if chunk_bytes < 1:
        raise CorpusError(f"--stream needs a positive chunk size; got {chunk_bytes}")
    return read_table_chunks(corpus, chunk_bytes)


def _stream(first, file_read: int, chunks, first_plan, wanted, run_specs, lead, names, chunk_bytes: int,
            options: dict, progress) -> tuple[dict, dict, int, dict]:
    """Every term summed over the chunks of a streamed table, one chunk in memory at a time: the values, the plan's
    totals, the rows, and what the report says of the streaming."""
    file_size = Path(first.source).stat().st_size
    values: dict = {}
    totals = {"jobs": 0, "cached_jobs": 0, "bytes_to_compress": 0}
    n, n_chunks, chunk, the_plan, read_before = 0, 0, first, first_plan, 0
    while chunk is not None:
        chunk_size = file_read - read_before

        def chunk_progress(done: int, total: int) -> None:  # in bytes of the file
            if progress:
                progress(read_before + chunk_size * done // max(total, 1), file_size)

        for key, bits in evaluate(the_plan, chunk, progress=chunk_progress, **options).items():
            values[key] = values.get(key, 0.0) + bits
        for key, count in _plan_totals(the_plan).items():
            totals[key] += count
        n, n_chunks, read_before = n + chunk.n_items, n_chunks + 1, file_read
        chunk, file_read = next(chunks, (None, file_read))
        if chunk is not None:
            chunk = chunk.leading(lead, names)
            the_plan = plan(wanted, chunk, run_specs, lead=lead)
    approximation = (f"streamed in {n_chunks} chunk{'s' if n_chunks > 1 else ''} of about {fmt_bytes(chunk_bytes)} "
                     "of the file: each chunk is coded on its own and code lengths are summed over the chunks, so "
                     "they miss structure shared across chunks and run longer than coding the table whole would (a "
                     "model coder learns its parameters afresh in each chunk); the errors, differences of them, may "
                     "move either way; calibration replicates are drawn within chunks")
    return values, totals, n, {"chunks": n_chunks, "chunk_bytes": chunk_bytes, "approximation": approximation}


def _plan_totals(the_plan) -> dict:
    return {"jobs": len(the_plan.jobs), "cached_jobs": the_plan.cached_jobs,
            "bytes_to_compress": the_plan.bytes_to_compress}


def _runnable_spec(spec: str, corpus) -> str:
    """The spec itself, or for a model coder on a text corpus the best byte-level model installed."""
    if corpus.kind == "table" or get_coder(spec).reads == "bytes":
        return spec
    from .coders import FAMILIES, is_available

    return "ppmd:6" if is_available(FAMILIES["ppmd"]) else "lzma:9e"


def _reach_warnings(the_plan, corpus, coders) -> list[str]:
    """Warn once per coder whose largest job goes beyond its reach (workers, forked later, stay quiet)."""
    out = []
    for spec in coders:
        sizes = [(corpus.nbytes(job[1]), corpus.nbytes(job[2]) if job[0] == "cond" else 0)
                 for s, _, job in the_plan.jobs if s == spec]
        coder = get_coder(spec)
        message = coder.reach_message(*max(sizes, key=sum)) if sizes else None
        if message:
            coder.warn_reach(message)
            out.append(message)
    return out


def _verdict(latent: Latent, result: dict, n: int, kind: str) -> str:
    unit = "row" if kind == "table" else "object"
    mine = result["weak_error"]
    rivals = [(b["latent"], b["weak_error"]) for b in result["baselines"].values()]
    rival, theirs = min(rivals, key=lambda r: r[1])
    numbers = (f"{mine:,.0f} bits ({fmt_rate(mine / n)}/{unit}) against {theirs:,.0f} ({fmt_rate(theirs / n)}/{unit}) "
               f"for {rival}")
    if mine < theirs:
        return f"{latent.name} is more natural than every baseline under {result['coder']}: weak error {numbers}."
    return f"{latent.name} is not more natural than the baseline '{rival}' under {result['coder']}: weak error {numbers}."
