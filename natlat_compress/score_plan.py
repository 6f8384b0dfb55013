"""Score, step 1 of 3 — the plan: which code lengths a score needs, before any is computed.

The corpus is read (a path, an array, a DataFrame, a list of texts; a streamed table's first chunk), the latent and
the features are resolved, and the estimators (:mod:`.conditions`) are run once on a ``Recorder``: the terms they
ask for, with the baselines', the Theorem 1 check's and the calibration replicates' (permutation null, interval splits), are
exactly the terms the report will use. :func:`.engine.plan` turns them into distinct jobs per coder.
Next: :mod:`.score_run` runs the jobs, :mod:`.score_report` turns their bits into the report.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from . import conditions as cond
from . import cost as costs
from . import intervals as interval_splits
from .coders import get_coder
from .corpus import TableCorpus, TextCorpus, load_corpus, read_input, table_from_columns
from .discover import read_latent_column
from .engine import Plan, Term, Variant, plan
from .errors import CorpusError, NatlatError
from .latents import (AGAINST_ATOM, LATENT_ATOM, Latent, baselines, choose_features, discover_latent, discovered_name,
                      table_latent, text_latent)
from .memory import available_bytes
from .report import fmt_bytes
from .stream import table_chunks

__all__ = ["ScorePlan", "make_plan", "latent_choice", "as_corpus", "example_path", "EXAMPLE_LATENT", "DEFAULT_CODERS"]

EXAMPLE_LATENT = "Class"
# Texts: the two-part mixture of zstd:19 (copies: C(s|s) of a few bytes) and PPMd-6 (statistics: 20 % fewer bits on
# prose), one bit above the better of the two on every term, at the cost of both (benchmarks/RESULTS.md, "Text coders").
DEFAULT_CODERS = {"table": ("model",), "text": ("mix:zstd:19,ppmd:6" if importlib.util.find_spec("pyppmd") else
                                                "zstd:19",)}


def example_path() -> Path:
    """The embedded example: the 1984 House votes table (see natlat_compress/data/README.md)."""
    return Path(str(resources.files("natlat_compress") / "data" / "house-votes-84.csv"))

def as_corpus(corpus: Any, *, split: str | None = None, field: str | None = None) -> TableCorpus | TextCorpus:
    """A corpus from a path, a list of byte strings (text objects), a 2-D numpy array, a pandas DataFrame or a pyarrow
    Table (tables)."""
    if isinstance(corpus, (TableCorpus, TextCorpus)):
        return corpus
    if isinstance(corpus, (str, os.PathLike)):
        return load_corpus(corpus, split=split, field=field)
    if isinstance(corpus, np.ndarray):
        if corpus.ndim != 2:
            raise CorpusError(f"a numpy table must be 2-D (rows x features); got shape {corpus.shape}")
        return table_from_columns({f"c{j}": corpus[:, j] for j in range(corpus.shape[1])}, "numpy array")
    if type(corpus).__module__.startswith("pyarrow") and hasattr(corpus, "to_pandas"):  # a Table or RecordBatch
        import pandas as pd

        # pyarrow's types kept (pd.ArrowDtype): a plain to_pandas() turns integers with nulls into floats (numeric)
        corpus = corpus.to_pandas(types_mapper=pd.ArrowDtype)
    elif hasattr(corpus, "to_pandas") and not hasattr(corpus, "iloc"):  # anything else that converts (polars)
        corpus = corpus.to_pandas()
    if type(corpus).__name__ == "DataFrame" and hasattr(corpus, "columns"):
        return _frame_table(corpus)
    if isinstance(corpus, (list, tuple)) and all(isinstance(o, (bytes, str)) for o in corpus):
        objects = {f"object {i + 1}": o.encode() if isinstance(o, str) else o for i, o in enumerate(corpus)}
        return TextCorpus({k: v for k, v in objects.items() if v}, "list")
    raise CorpusError(f"cannot read a corpus from a {type(corpus).__name__}")

_as_text = np.frompyfunc(str, 1, 1)  # str() of every cell of an object array


def _frame_table(frame) -> TableCorpus:
    """A pandas DataFrame as a table, its dtypes respected: float columns numeric, ``category``, string, object and
    boolean columns categorical, integer columns as their values say (small-integer codes categorical, others
    numeric); missing values (NaN, None, ``pd.NA`` of the nullable types) are missing cells, never dropped rows."""
    from pandas.api import types

    cells, numeric, categorical = {}, [], []
    for name in frame.columns:
        column = frame[name]
        missing = column.isna().to_numpy()
        if types.is_float_dtype(column.dtype):
            # numpy writes each float in the shortest digits of its own width (float32 0.1 as "0.1", not the
            # "0.10000000149011612" of a Python float), and the written decimals set the column's precision
            values = column.to_numpy(dtype=getattr(column.dtype, "numpy_dtype", column.dtype), na_value=np.nan)
            text = values.astype(str).astype(object)
        else:
            text = _as_text(column.astype(object).to_numpy())
        text[missing] = ""
        cells[str(name)] = text
        if types.is_float_dtype(column.dtype):
            numeric.append(str(name))
        elif not types.is_integer_dtype(column.dtype):
            categorical.append(str(name))
    return table_from_columns(cells, "DataFrame").with_kinds(numeric, categorical)

def latent_choice(latent: Any = None, latent_file: str | os.PathLike | None = None,
                  latent_text: str | None = None) -> Any:
    """The latent given as ``latent`` (a column, columns, a string, ``"discover"``), as a file's content
    (``latent_file``) or as text (``latent_text``): one of them at most."""
    if sum([latent is not None and latent != [] and latent != (), latent_file is not None,
            latent_text is not None]) > 1:
        raise NatlatError("give one latent: --latent, --latent-file or --latent-text")
    if latent_file is not None:
        return read_input(Path(latent_file))
    if latent_text is not None:
        return latent_text.encode("utf-8", "surrogateescape")
    if isinstance(latent, (list, tuple)):
        if not latent:
            return None
        return latent[0] if list(latent) == ["discover"] else list(latent)
    return latent


def _estimates(C, X, L, sampled: Sequence[int] | None = None) -> dict:
    """Every estimate of one latent; the per-feature redundancies of the ``sampled`` features only, if given."""
    return {
        "mediation_error": cond.mediation_error(C, X, L),
        "latent_given_features": cond.latent_given_features(C, X, L),
        "kolmogorov_mediation": cond.kolmogorov_mediation(C, X, L),
        "redundancy": cond.redundancy_errors(C, X, L, sampled),
    }


def _regret_specs(runs: dict[str, str], regret: bool, stream) -> dict[str, str]:
    """For ``regret``: each model coder's spec → its ``:tail`` spec (coders that have no tail form have no entry)."""
    if not regret:
        return {}
    if stream is not None:
        raise NatlatError("--regret codes the first half of the rows again, which a streamed table does not keep; "
                          "drop --stream or --regret")
    return {spec: f"{run}:tail" for spec, run in runs.items() if getattr(get_coder(run), "tail", True) is False}


def _resolve_latent(corpus, latent, atom: str) -> tuple[Any, Latent]:
    """The corpus (with a latent string added, for texts) and the latent."""
    if isinstance(corpus, TableCorpus):
        if isinstance(latent, (str, os.PathLike)) and str(latent) not in corpus.columns and Path(latent).is_file():
            latent = read_input(Path(latent))  # --against FILE: a latent column kept by `natlat discover --out`
        if isinstance(latent, (bytes, bytearray)):  # a one-column CSV, one value per row (--latent-file)
            name, column = read_latent_column(bytes(latent), corpus)
            corpus = corpus.with_columns({name: column})
            return corpus, table_latent(corpus, [name])
        if latent == "discover":
            raise CorpusError("a table's latent is one or more of its columns (--latent COLUMN), a one-column CSV "
                              "(--latent-file; `natlat discover --out` writes one)")
        columns = [latent] if isinstance(latent, str) else list(latent)
        return corpus, table_latent(corpus, columns)
    if isinstance(latent, (bytes, bytearray)):
        return corpus.with_atom(atom, bytes(latent)), text_latent(bytes(latent), f"string of {len(latent)} bytes", atom)
    if latent == "discover":
        value = discover_latent(corpus)
        return corpus.with_atom(atom, value), Latent(discovered_name(value), "discover", frozenset([atom]),
                                                     "discovered", len(value))
    if isinstance(latent, (str, os.PathLike)) and Path(latent).is_file():
        value = read_input(Path(latent))
        return corpus.with_atom(atom, value), text_latent(value, f"file:{latent}", atom, "string")
    raise CorpusError(f"a text corpus's latent is a string: a file, --latent-text, or 'discover'; got {latent!r}")

def _runnable_spec(spec: str, corpus) -> str:
    """The spec itself, or for a model coder on a text corpus the best byte-level model installed."""
    if corpus.kind == "table" or get_coder(spec).reads == "bytes":
        return spec
    from .coders import FAMILIES, is_available

    return "ppmd:6" if is_available(FAMILIES["ppmd"]) else "lzma:9e"

def _sample_features(n: int, size: int | None, seed: int) -> list[int] | None:
    """The indices of ``size`` features drawn without replacement (in feature order), or None for all of them."""
    if size is None:
        return None
    if size < 2:
        raise CorpusError(f"--sample-features must be at least 2; got {size}")
    if size >= n:
        return None
    rng = np.random.default_rng([seed, 2])
    return sorted(rng.choice(n, size, replace=False).tolist())

def _check_budget(cost: "costs.Estimate", max_time: float | None, max_memory: int | None, corpus, coders) -> None:
    """Refuse a plan over ``--max-time`` / ``--max-memory``, or one that would not fit in this machine's memory."""
    machine = available_bytes()
    over = []
    if max_time is not None and cost.estimated_seconds > max_time:
        over.append(f"about {cost.estimated_seconds:,.0f} s against --max-time {max_time:,.0f} s")
    if max_memory is not None and cost.estimated_peak_memory_bytes > max_memory:
        over.append(f"about {fmt_bytes(cost.estimated_peak_memory_bytes)} per process against --max-memory "
                    f"{fmt_bytes(max_memory)}")
    if machine is not None and cost.estimated_total_memory_bytes > machine:
        over.append(f"about {fmt_bytes(cost.estimated_total_memory_bytes)} in all, more than the "
                    f"{fmt_bytes(machine)} this machine has available")
    if over:
        raise NatlatError(f"the plan ({cost.compressions:,} compressions) needs {' and '.join(over)}; try "
                          f"{costs.suggestions(corpus, coders)}")


@dataclass
class ScorePlan:
    """Everything a score has decided before it computes a code length: the corpus (a streamed table's first chunk,
    with the rest of its ``chunks`` to come), the latent and its rival, the features, the terms wanted, the replicates,
    and the engine's plan of jobs."""

    corpus: Any
    example: bool
    coders: list[str]  # as asked
    runs: dict[str, str]  # coder asked -> coder run (model coders on texts fall back to a byte model)
    run_specs: list[str]
    main: Latent
    second: Latent | None
    used: frozenset
    names: list[str]  # the features
    lead: list[str]  # atoms serialised first (the latents)
    columns: list[dict] | None  # a table's column kinds
    X: cond.Features
    candidates: list[Latent]  # the latent, then the baselines
    sampled: list[int] | None  # --sample-features: which features' redundancies
    red_names: list[str]
    wanted: list  # (variant, term) pairs
    null_variants: list[Variant]
    boot_variants: list[Variant]
    main_terms: cond.Recorder  # the candidate's own terms, reported beside its numbers
    the_plan: Plan
    seed: int
    tails: dict[str, str]  # --regret: each model coder asked -> its :tail spec, run on the candidate's terms
    chunks: Iterator | None = None  # --stream: the chunks after the first
    file_read: int = 0  # --stream: bytes of the file read through the first chunk


def make_plan(corpus, latent, *, coders, features, against, split, field, null, intervals, regret, seed, stream,
              sample_features, numeric, categorical, precision=None) -> ScorePlan:
    """The plan of a score (module docstring); the options are :func:`~natlat_compress.score.score`'s."""
    chunks, file_read = None, 0
    example = corpus is None
    if example:
        corpus, latent = example_path(), latent or EXAMPLE_LATENT
    if stream is not None:
        chunks = table_chunks(corpus, stream, numeric, categorical, precision)
        corpus, file_read = next(chunks)
    corpus = as_corpus(corpus, split=split, field=field)
    if corpus.kind == "table":
        corpus = corpus.with_kinds(numeric, categorical, precision)
    elif numeric or categorical or precision:
        raise CorpusError("--numeric, --categorical and --precision name columns of a table; this corpus is a text "
                          "corpus")
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
    # Λ' is compared with Λ, not scored: its columns stay features, so the candidate's numbers are the same with or
    # without --against (matched feature by feature, by name).
    names = choose_features(corpus, features, main.atoms if corpus.kind == "table" else frozenset(), main.atoms)
    # The candidate first, as the engine serialises it; a second latent's columns that are features keep their place,
    # so that the features are serialised (and a model coder chains them) in the same order as without it.
    lead = [*sorted(main.atoms), *sorted(used - main.atoms - set(names))]
    columns = None
    if corpus.kind == "table":
        columns = corpus.kinds()
        corpus = corpus.leading(lead, names)
    X = cond.Features([f] for f in names)
    candidates = [main, *baselines(names)]
    sampled = _sample_features(len(names), sample_features, seed)
    red_names = names if sampled is None else [names[i] for i in sampled]

    # Every term, recorded by running the estimators once without numbers.
    recorder = cond.Recorder()
    for candidate in candidates:
        _estimates(recorder, X, candidate.atoms, sampled)
    if second:
        cond.theorem1_check(recorder, X, main.atoms, second.atoms, names)
    wanted: list[tuple[Variant | None, Term]] = [(None, term) for term in recorder.terms]
    null_variants = [Variant("null", seed, r, tuple(sorted(main.atoms))) for r in range(null)] \
        if corpus.kind == "table" and null > 0 else []
    boot_variants = []
    if corpus.kind == "table" and intervals > 0:
        interval_splits.check_rows(corpus.n_items)
        boot_variants = interval_splits.split_variants(seed, intervals)
    for variant in null_variants:
        null_recorder = cond.Recorder()
        cond.mediation_error(null_recorder, X, main.atoms)
        wanted += [(variant, term) for term in null_recorder.terms]
    main_terms = cond.Recorder()  # the candidate's own terms: reported beside its numbers, scored again on the interval splits
    _estimates(main_terms, X, main.atoms, sampled)
    wanted += [(variant, term) for variant in boot_variants for term in main_terms.terms]

    run_specs = list(dict.fromkeys(runs.values()))
    the_plan = plan(wanted, corpus, run_specs, lead=lead)
    tails = _regret_specs(runs, regret, stream)
    if tails:  # the tail form of each model coder, on the candidate's own terms only
        extra = plan([(None, term) for term in main_terms.terms], corpus, list(tails.values()), lead=lead)
        the_plan.jobs = list(dict.fromkeys(the_plan.jobs + extra.jobs))  # a tail coder may also have been asked for
        the_plan.recipe.update(extra.recipe)
        the_plan.bytes_to_compress += extra.bytes_to_compress
        the_plan.job_bytes |= extra.job_bytes
    return ScorePlan(corpus, example, coders, runs, run_specs, main, second, used, names, lead, columns, X, candidates,
                     sampled, red_names, wanted, null_variants, boot_variants, main_terms, the_plan, seed, tails,
                     chunks, file_read)
