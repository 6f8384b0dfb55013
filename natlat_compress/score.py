"""``score``: the natural-latent errors of a corpus and a candidate latent, under one or more coders.

The Python form of ``natlat score``. It gathers the terms every estimate needs (the candidate, the baselines, the
Theorem 1 check, the calibration replicates), lets the engine measure each once, and assembles the report that
``--format json`` prints (DESIGN.md, "Output contract").
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from statistics import NormalDist
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from . import conditions as cond
from .coders import get_coder
from .corpus import (TABLE_SUFFIXES, TableCorpus, TextCorpus, load_corpus, read_input, read_table_chunks,
                     table_from_columns)
from .cache import TermCache
from . import cost as costs
from .engine import Variant, connect, default_jobs, evaluate, lookup, plan
from .errors import CorpusError, NatlatError
from .plots import check_plot_path, score_plot
from .progress import reporter
from .results import ScoreResult
from .memory import available_bytes
from .discover import read_latent_column
from .report import fmt_bytes, fmt_rate
from .latents import (AGAINST_ATOM, LATENT_ATOM, Latent, baselines, choose_features, discover_latent, discovered_name,
                      table_latent, text_latent)

__all__ = ["score", "latent_choice", "as_corpus", "example_path", "EXAMPLE_LATENT", "DEFAULT_CODERS"]

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
    if hasattr(corpus, "to_pandas") and not hasattr(corpus, "iloc"):  # a pyarrow Table (or anything like it)
        corpus = corpus.to_pandas()
    if type(corpus).__name__ == "DataFrame" and hasattr(corpus, "columns"):
        return _frame_table(corpus)
    if isinstance(corpus, (list, tuple)) and all(isinstance(o, (bytes, str)) for o in corpus):
        objects = {f"object {i + 1}": o.encode() if isinstance(o, str) else o for i, o in enumerate(corpus)}
        return TextCorpus({k: v for k, v in objects.items() if v}, "list")
    raise CorpusError(f"cannot read a corpus from a {type(corpus).__name__}")


def _frame_table(frame) -> TableCorpus:
    """A pandas DataFrame as a table, its dtypes respected: float columns numeric, ``category``, string, object and
    boolean columns categorical, integer columns as their values say (small-integer codes categorical, others
    numeric); missing values (NaN, None, ``pd.NA`` of the nullable types) are missing cells, never dropped rows."""
    from pandas.api import types

    cells, numeric, categorical = {}, [], []
    for name in frame.columns:
        column = frame[name]
        missing = column.isna().to_numpy()
        text = np.array([str(v) for v in column.astype(object).to_numpy()], dtype=object)
        text[missing] = ""
        cells[str(name)] = text
        if types.is_float_dtype(column.dtype):
            numeric.append(str(name))
        elif not types.is_integer_dtype(column.dtype):
            categorical.append(str(name))
    return table_from_columns(cells, "DataFrame").with_kinds(numeric, categorical)


def _estimates(C, X, L, sampled: Sequence[int] | None = None) -> dict:
    """Every estimate of one latent; the per-feature redundancies of the ``sampled`` features only, if given."""
    return {
        "mediation_error": cond.mediation_error(C, X, L),
        "latent_given_features": cond.latent_given_features(C, X, L),
        "kolmogorov_mediation": cond.kolmogorov_mediation(C, X, L),
        "redundancy": cond.redundancy_errors(C, X, L, sampled),
    }


REGRET_METHOD = ("estimate − the same coder's :tail estimate, n·(C(all rows) − C(first ⌊n/2⌋ rows))/⌈n/2⌉ per term: "
                 "the learning code's regret, about (k/2)·log2 n bits for k parameters, less its (k/2)·log2 2 on the "
                 "second half (THEORY.md §3)")


def _regret_specs(runs: dict[str, str], regret: bool, stream) -> dict[str, str]:
    """For ``regret``: each model coder's spec → its ``:tail`` spec (coders that have no tail form have no entry)."""
    if not regret:
        return {}
    if stream is not None:
        raise NatlatError("--regret codes the first half of the rows again, which a streamed table does not keep; "
                          "drop --stream or --regret")
    return {spec: f"{run}:tail" for spec, run in runs.items() if getattr(get_coder(run), "tail", True) is False}


def _regret(est: dict, tail: dict, names: Sequence[str]) -> dict:
    """The sample-size regret in each estimate, ``estimate − tail estimate`` (bits), and the tail estimates beside."""
    keys = ("mediation_error", "latent_given_features", "kolmogorov_mediation")
    tail_redundancy = {v: dict(zip(names, map(float, values))) for v, values in tail["redundancy"].items()}
    return {"method": REGRET_METHOD, **{k: est[k] - tail[k] for k in keys},
            "redundancy_errors": {v: {f: float(bits) - tail_redundancy[v][f] for f, bits in zip(names, values)}
                                  for v, values in est["redundancy"].items()},
            "tail": {**{k: tail[k] for k in keys}, "redundancy_errors": tail_redundancy}}


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


BOOTSTRAP_LEVEL = 0.95
BOOTSTRAP_COVERS = (
    "n_items x the population value of each quantity for the distribution the rows were drawn from (rows IID): "
    "each estimate minus its estimated bias, ± z·sd of the resamples (widened for the noise of the bias estimate); "
    "the bias is the permutation null's mean for the mediation error (when a null was drawn), else read from the "
    "resamples (model coders: the learning regret, (ln n − 1)·(estimate − resample mean); byte coders: the "
    "classical bootstrap bias). Measured coverage of the truth: benchmarks/RESULTS.md, 'Bootstrap coverage'")


def regret_factor(n_items: int) -> float:
    """How many times the bias of a sequential model code exceeds, with the other sign, the shift the bootstrap shows.

    A sequential (Krichevsky–Trofimov / Bayes-mixture) code with k free parameters has, on n IID rows,
    ``C = n·Ĥ + (k/2)·log2 n + O(1)`` (Rissanen's regret; THEORY.md §3), and the empirical entropy is biased by
    ``E[n·Ĥ] = n·H − k/(2 ln 2)`` (Miller 1955). So the bias of a code length is ``(k/2)·log2 n − k/(2 ln 2)``.
    A bootstrap resample has the same n and the same regret, and its empirical entropy is biased against the sample's
    by the same ``−k/(2 ln 2)``: the resamples' mean sits ``k/(2 ln 2)`` *below* the estimate while the estimate sits
    ``(k/(2 ln 2))·(ln n − 1)`` *above* the truth. Hence ``bias = −(ln n − 1)·(mean of resamples − estimate)`` for
    every code length, and, being linear, for every signed sum of them (each quantity of the report).
    """
    return max(float(np.log(n_items)) - 1.0, 1.0)


def bootstrap_interval(estimate: float, draws: Sequence[float], level: float = BOOTSTRAP_LEVEL, *,
                       bias_factor: float = -1.0, bias: float | None = None, bias_sd: float = 0.0) -> dict:
    """A bootstrap interval for one quantity, corrected for the bias that the resamples reveal or that is given.

    Why not the percentile interval ``[q_lo, q_hi]`` of the draws: a resample repeats rows (only 1 − 1/e of them
    appear, some several times), and every code learns a repeated row cheaply, so on resamples conditional code
    lengths are shorter and dependences look stronger than on the sample: percentile intervals lie beside the
    estimate, on the side away from the truth for a model coder (measured: they cover the truth 46–85 % of the time
    at nominal 95 %). Nor the *basic* interval ``[2θ̂ − q_hi, 2θ̂ − q_lo]`` (Davison & Hinkley 1997, §5.2), which
    assumes the estimate is biased like the resamples, in the same direction: for a sequential model code the
    regret makes it the other way round (:func:`regret_factor`). BCa would need a jackknife (n more scores of the
    whole table) and still assume the basic bootstrap's direction.

    So the interval is ``centre ± z·s``, the normal-theory interval around the bias-corrected estimate:
    ``centre = estimate − bias``, with ``bias`` given (the permutation null's mean for the mediation error, with its
    standard error ``bias_sd``) or ``bias_factor·(mean of draws − estimate)`` (−(ln n − 1) for model coders, +1 for
    byte coders: the classical bootstrap bias estimate, Efron & Tibshirani 1993, §10.2). ``s`` is the standard
    deviation of the draws widened for the noise of the bias estimate, ``sqrt(sd² + bias_sd²)``, where ``bias_sd`` is
    given or ``|bias_factor|·sd/√B``.

    Returns ``{"low", "high", "centre", "bias", "bias_sd", "sd", "bootstrap_mean", "estimate"}`` in the estimate's
    unit (bits); ``sd`` is the interval's ``s``, ``bias_sd`` the standard error of the bias.
    """
    draws = np.asarray(draws, dtype=float)
    mean = float(np.mean(draws))
    sd = float(np.std(draws, ddof=1)) if len(draws) > 1 else 0.0
    if bias is None:
        bias, bias_sd = bias_factor * (mean - estimate), abs(bias_factor) * sd / np.sqrt(len(draws))
    spread = float(np.hypot(sd, bias_sd))
    z = NormalDist().inv_cdf((1 + level) / 2)
    centre = estimate - bias
    return {"low": centre - z * spread, "high": centre + z * spread, "centre": float(centre), "bias": float(bias),
            "bias_sd": float(bias_sd), "sd": spread, "bootstrap_mean": mean, "estimate": float(estimate)}


def _bootstrap(result: dict, draws: list[dict], names: Sequence[str], n_items: int, model_coder: bool,
               level: float = BOOTSTRAP_LEVEL) -> dict:
    """Intervals for every quantity of ``result`` (totals, worst redundancy per variant, every feature's
    redundancy per variant) from the estimates of the bootstrap resamples ``draws``."""
    factor = -regret_factor(n_items) if model_coder else 1.0

    def interval(estimate, values, **given):
        return bootstrap_interval(estimate, values, level, bias_factor=factor, **given)

    out: dict = {"replicates": len(draws), "level": level,
                 "method": "normal, bias-corrected: " + ("regret of a sequential code, (ln n − 1) x the resampling "
                                                         "shift, reversed" if model_coder else
                                                         "the classical bootstrap bias"),
                 "covers": BOOTSTRAP_COVERS}
    out["worst_redundancy"] = {v: interval(result["worst_redundancy"][v]["bits"],
                                           [d["summary"]["worst_redundancy"][v]["bits"] for d in draws])
                               for v in cond.REDUNDANCY_VARIANTS}
    out["latent_given_features"] = interval(result["latent_given_features"],
                                            [d["summary"]["latent_given_features"] for d in draws])
    # The null estimates the whole bias of the mediation error at zero mediation: the coder's regret and the
    # finite-sample bias together, where the resamples' shift, scaled, overshoots (benchmarks/RESULTS.md).
    null = result.get("null")
    out["mediation_error"] = interval(result["mediation_error"], [d["summary"]["mediation_error"] for d in draws],
                                      **({"bias": null["mean"], "bias_sd": null["std"] / np.sqrt(null["replicates"])}
                                         if null else {}))
    # The sums keep their parts' corrections: K-mediation = mediation + C(Λ|X) (chain rule), weak error = mediation
    # + the worst weak redundancy; their spread is their own resamples'.
    for key, parts in (("kolmogorov_mediation", [out["mediation_error"], out["latent_given_features"]]),
                       ("weak_error", [out["mediation_error"], out["worst_redundancy"]["weak"]])):
        out[key] = interval(result[key], [d["summary"][key] for d in draws], bias=sum(p["bias"] for p in parts),
                            bias_sd=float(np.hypot(*[p["bias_sd"] for p in parts])))
    out["redundancy_errors"] = {
        v: {f: interval(result["redundancy_errors"][v][f], [d["redundancy"][v][i] for d in draws])
            for i, f in enumerate(names)}
        for v in cond.REDUNDANCY_VARIANTS}
    return out


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


def score(corpus: Any = None, latent: Any = None, *, coder: str | Sequence[str] | None = None,
          latent_file: str | os.PathLike | None = None, latent_text: str | None = None,
          coders: Sequence[str] | None = None,
          features: Sequence[str] | None = None, against: Any = None, split: str | None = None,
          field: str | None = None, null: int = 10, bootstrap: int = 0, regret: bool = False, seed: int = 0,
          jobs: int | None = None, progress: bool | Callable[[int, int], None] | None = None,
          on_plan: Callable[[int, int], None] | None = None, scheduler: str | None = None,
          cache: str | os.PathLike | None = None, stream: int | None = None, dry_run: bool = False,
          max_time: float | None = None, max_memory: int | None = None, sample_features: int | None = None,
          numeric: Sequence[str] = (), categorical: Sequence[str] = (),
          plot: str | os.PathLike | None = None) -> ScoreResult:
    """Estimate how far ``latent`` is from a natural latent over the features of ``corpus``.

    The Python form of ``natlat score``: keyword arguments are named as its options.

    >>> import natlat_compress as nc
    >>> result = nc.score(null=0)                 # the embedded example: House votes 1984, latent Class
    >>> result.mediation_error > 0 and "Class" in result.verdict
    True

    Parameters
    ----------
    corpus
        A path (CSV/TSV table; directory, split file or JSONL of texts), a list of byte strings, a 2-D numpy array, a
        pandas DataFrame, or ``None`` for the embedded example (House votes 1984, latent ``Class``).
    latent
        Tables: a column name or a list of them. Texts: a string (``bytes``), a file path, or ``"discover"``.
    latent_file, latent_text
        Texts: the latent string as a file's content, or as text.
    coder
        A coder spec or a list of them (see ``natlat coders``); default ``model`` for tables, ``mix:zstd:19,ppmd:6`` for
        texts (``zstd:19`` without the ppmd extra). ``coders`` is the same.
    against
        A second latent, in the same forms, for the Theorem 1 check of ``C(Λ'|Λ)``.
    null
        Replicates of the permutation null for mediation (tables only; 0 to skip).
    bootstrap
        Bootstrap replicates over rows for 95 % intervals (tables only; 0 to skip).
    regret
        Model coders: beside each of the candidate's estimates, the part that is sample-size regret, measured as the
        estimate minus the same coder's ``:tail`` estimate (``n`` times the rate of the second half of the rows coded
        after the first; :class:`~natlat_compress.coders.models.ModelCoder`), in a ``regret`` block. It costs the
        candidate's terms once more on half the rows. The estimates themselves stay real code lengths.
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
    dry_run
        Plan, estimate the cost (:mod:`natlat_compress.cost`) and return the plan without computing anything.
    max_time, max_memory
        Seconds and bytes (of the largest process) the plan may cost; a plan estimated over either is refused with a
        :class:`~natlat_compress.errors.NatlatError` naming what to change.
    sample_features
        Compute the per-feature redundancy errors of this many features drawn at random (with ``seed``) instead of all:
        with a byte coder each costs a compression of nearly the whole corpus. The report gives the mean over features
        with its standard error; the worst redundancy and the weak error are then those of the sampled features.
    numeric, categorical
        Tables: columns to read as numeric or as categorical, overriding the inferred kinds (a column of numbers that
        are not small-integer codes is numeric; see :func:`natlat_compress.corpus.infer_kind`).
    plot
        Draw mediation and every redundancy variant per feature, with the null band and intervals, to this .png or
        .svg file (the ``plot`` extra); ``result.plot()`` draws the same into a notebook.
    progress, on_plan
        ``progress=True`` shows progress on stderr (a bar in a notebook with tqdm or on a terminal, else a line every
        10 s); a callable is called with ``(done_bytes, total_bytes)`` of the jobs left as work finishes, and with the plan's
        :class:`~natlat_compress.cost.Estimate` once it is known (when streaming: of the first chunk, and the progress
        in bytes of the file).

    Returns
    -------
    ScoreResult
        The report of DESIGN.md's JSON contract (a ``dict``), with attributes for what people read; all code lengths
        and errors in bits, ``per_item`` divided by ``corpus.n_items``.
    """
    options = {name: value for name, value in locals().items()
               if name not in ("corpus", "latent", "coder", "latent_file", "latent_text", "plot")}
    if coder is not None:
        options["coders"] = [coder] if isinstance(coder, str) else list(coder)
    if plot is not None:
        check_plot_path(plot)  # a bad suffix or no matplotlib fails before the work
    options["progress"], close_progress = reporter(progress)
    try:
        result = ScoreResult(_score(corpus, latent_choice(latent, latent_file, latent_text), **options))
    finally:
        close_progress()
    if plot is not None and not result.get("dry_run"):
        score_plot(result, plot)
    return result


def _score(corpus, latent, *, coders, features, against, split, field, null, bootstrap, regret, seed, jobs, progress,
           on_plan, scheduler, cache, stream, dry_run, max_time, max_memory, sample_features, numeric,
           categorical) -> dict:
    """:func:`score` once its convenience forms (``coder``, ``latent_file``, ``latent_text``, ``progress=True``) are
    resolved: every option by its one name."""
    example = corpus is None
    if example:
        corpus, latent = example_path(), latent or EXAMPLE_LATENT
    if stream is not None:
        chunks = _chunks(corpus, stream, numeric, categorical)
        corpus, file_read = next(chunks)
    corpus = as_corpus(corpus, split=split, field=field)
    if corpus.kind == "table":
        corpus = corpus.with_kinds(numeric, categorical)
    elif numeric or categorical:
        raise CorpusError("--numeric and --categorical name columns of a table; this corpus is a text corpus")
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
    client = connect(scheduler) if scheduler else None  # an unreachable cluster fails before any work is announced
    term_cache = TermCache(cache) if cache is not None else None
    try:
        known = lookup(the_plan, corpus, term_cache)
        workers = sum(client.nthreads().values()) if client is not None else (jobs or default_jobs())
        cost = costs.estimate(the_plan, corpus, [item for item in the_plan.jobs if item not in known], workers)
        if stream is not None:  # the first chunk's cost, for every chunk of the file
            cost = cost.scaled(Path(corpus.source).stat().st_size / max(file_read, 1))
        _check_budget(cost, max_time, max_memory, corpus, run_specs)
        if on_plan:
            on_plan(cost)
        if dry_run:
            return _dry_run_report(corpus, main, names, red_names, cost, the_plan, null_variants, boot_variants, seed,
                                   example)
        scored = [c for c in columns or [] if c["name"] in used or c["name"] in names]
        reach_warnings = _reach_warnings(the_plan, corpus, run_specs) + _numeric_warnings(scored, run_specs)
        fallbacks = [f"{spec} reads symbol tables; on this text corpus it falls back to {run}, the best byte-level "
                     f"model available" for spec, run in runs.items() if run != spec]
        for message in fallbacks:
            warnings.warn(message, UserWarning, stacklevel=2)
        if stream is None:
            values = evaluate(the_plan, corpus, jobs=jobs, progress=progress, client=client, cache=term_cache,
                              known=known)
            totals, n, streamed = _plan_totals(the_plan), corpus.n_items, None
        else:
            values, totals, n, streamed = _stream(corpus, file_read, chunks, the_plan, wanted, run_specs, lead,
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
        est = _estimates(C, X, main.atoms, sampled)
        summary = _summary(est, red_names)
        result = {
            "coder": spec,
            "coder_info": get_coder(runs[spec]).describe() | ({"fallback_for": spec} if runs[spec] != spec else {}),
            **{k: summary[k] for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation")},
            "redundancy_errors": {variant: dict(zip(red_names, vals)) for variant, vals in est["redundancy"].items()},
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
            theirs = _summary(_estimates(C, X, candidate.atoms, sampled), red_names)
            base.setdefault(candidate.kind, []).append({"latent": candidate.name, **theirs})
        best_copy = min(base["copy"], key=lambda s: s["weak_error"])
        result["baselines"] = {"empty": base["empty"][0], "copy": {**best_copy, "tried": len(base["copy"])},
                               "all": base["all"][0]}
        if spec in tails:
            result["regret"] = _regret(est, _estimates(table(tails[spec]), X, main.atoms, sampled), red_names)
        if null_variants:
            draws = [cond.mediation_error(table(runs[spec], v), X, main.atoms) for v in null_variants]
            result["null"] = {"replicates": len(draws), "mean": float(np.mean(draws)),
                              "std": float(np.std(draws, ddof=1)) if len(draws) > 1 else 0.0,
                              "corrected_mediation_error": result["mediation_error"] - float(np.mean(draws))}
        if boot_variants:
            draws = []
            for v in boot_variants:
                drawn = _estimates(table(runs[spec], v), X, main.atoms, sampled)
                draws.append({"summary": _summary(drawn, red_names), "redundancy": drawn["redundancy"]})
            result["bootstrap"] = _bootstrap(result, draws, red_names, n, get_coder(runs[spec]).reads == "symbols")
        if second:
            estimate, bounds = cond.theorem1_check(C, X, main.atoms, second.atoms, names)
            tightest = min(bounds, key=lambda b: b.bound)
            result["theorem1"] = {
                "against": second.describe(), "estimate": estimate, "bound": tightest.bound,
                "partition": tightest.partition, "holds": estimate <= tightest.bound,
                "partitions": [{"partition": b.partition, "bound": b.bound, "mediation": b.mediation,
                                "redundancy_a": b.redundancy_a, "redundancy_b": b.redundancy_b} for b in bounds]}
        if sampled is not None:
            result["sampled_features"] = _sample_summary(est["redundancy"], len(names))
        result["verdict"] = _verdict(main, result, n, corpus.kind)
        results.append(result)

    return {
        "unit": "bits",
        "corpus": {"kind": corpus.kind, "source": corpus.source, "n_items": n, "features": names,
                   "example": example} | ({"stream": streamed} if streamed else {})
                  | ({"columns": columns} if columns is not None else {}),
        **_precision_notes(scored, main.atoms),
        "latent": main.describe(),
        "plan": {**totals, "null_replicates": len(null_variants), "bootstrap_replicates": len(boot_variants),
                 "seed": seed, "estimate": cost.to_dict()}
        | ({"sampled_features": red_names} if sampled is not None else {}),
        "warnings": fallbacks + reach_warnings + ([streamed["approximation"]] if streamed else []),
        "results": results,
    }


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


def _sample_summary(redundancy: dict[str, list[float]], n_features: int) -> dict:
    """The mean redundancy error per feature over all features, estimated from the sampled ones: the sample mean and
    its standard error with the finite-population correction (sampling without replacement from n features)."""
    out = {}
    for variant, values in redundancy.items():
        m = len(values)
        spread = float(np.std(values, ddof=1)) if m > 1 else 0.0
        out[variant] = {"mean": float(np.mean(values)),
                        "standard_error": spread / np.sqrt(m) * np.sqrt((n_features - m) / max(n_features - 1, 1)),
                        "worst_sampled": float(np.max(values))}
    return {"sampled": len(next(iter(redundancy.values()))), "of": n_features,
            "note": "per-feature redundancies of a random sample of the features: the worst is the worst sampled, "
                    "a lower bound on the worst of all", "redundancy": out}


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


def _dry_run_report(corpus, main, names, red_names, cost, the_plan, null_variants, boot_variants, seed,
                    example) -> dict:
    return {"unit": "bits", "dry_run": True,
            "corpus": {"kind": corpus.kind, "source": corpus.source, "n_items": corpus.n_items, "features": names,
                       "example": example},
            "latent": main.describe(),
            "plan": {"jobs": len(the_plan.jobs), **cost.to_dict(), "null_replicates": len(null_variants),
                     "bootstrap_replicates": len(boot_variants), "seed": seed}
            | ({"sampled_features": red_names} if red_names != names else {}),
            "results": []}


def _chunks(corpus: Any, chunk_bytes: int, numeric: Sequence[str] = (), categorical: Sequence[str] = ()):
    """The chunks of a CSV/TSV path for ``stream`` (see :func:`natlat_compress.corpus.read_table_chunks`), with the
    column kinds overridden in each."""
    if not isinstance(corpus, (str, os.PathLike)) or Path(corpus).suffix.lower() not in TABLE_SUFFIXES:
        raise CorpusError("--stream reads a CSV/TSV table file in chunks; give its path")
    if chunk_bytes < 1:
        raise CorpusError(f"--stream needs a positive chunk size; got {chunk_bytes}")
    return ((table.with_kinds(numeric, categorical), through)
            for table, through in read_table_chunks(corpus, chunk_bytes))


PRECISION_FREE = ["mediation_error", "redundancy_errors.weak", "redundancy_errors.strong", "weak_error"]


def _precision_notes(columns: list[dict] | None, latent_atoms: frozenset) -> dict:
    """For a table with numeric columns: which estimates have a limit as δ → 0 (the −log2 δ terms cancel, THEORY.md
    §3) and which depend on the precision δ of the numeric columns (the latent's, for the deterministic variants)."""
    numeric = [c for c in columns or [] if c["kind"] == "numeric"]
    if not numeric:
        return {}
    latent_numeric = [c["name"] for c in numeric if c["name"] in latent_atoms]
    depends = ["features_bits"] + (["latent_given_features", "kolmogorov_mediation",
                                    "redundancy_errors.deterministic_all_but_one",
                                    "redundancy_errors.deterministic_each"] if latent_numeric else [])
    return {"precision": {"columns": {c["name"]: c["precision"] for c in numeric},
                          "precision_free": PRECISION_FREE, "depends_on_precision": depends,
                          "numeric_latent_columns": latent_numeric}}


def _numeric_warnings(columns: list[dict] | None, coders: Sequence[str]) -> list[str]:
    """A byte coder asked to score a table with numeric columns codes their digits as text: say so once each."""
    numeric = [c["name"] for c in columns or [] if c["kind"] == "numeric"]
    out = []
    for spec in coders:
        if numeric and get_coder(spec).reads == "bytes":
            shown = ", ".join(numeric[:5]) + (f" and {len(numeric) - 5} more" if len(numeric) > 5 else "")
            message = (f"{spec} codes the numeric columns {shown} as text: byte coders are poor stand-ins for real "
                       f"values; use --coder model")
            warnings.warn(message, UserWarning, stacklevel=3)
            out.append(message)
    return out


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
