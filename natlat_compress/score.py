"""``score``: the natural-latent errors of a corpus and a candidate latent, under one or more coders.

The Python form of ``natlat score``, in three steps, one module each:

1. :mod:`.score_plan` — which code lengths: the corpus and latent read, the estimators run once on a recorder to
   list the terms they need (candidate, baselines, Theorem 1, calibration replicates), the engine's plan of jobs;
2. :mod:`.score_run` — measuring them: the cost estimated and checked, a cache read, the jobs run on processes or a
   Dask cluster (a streamed table chunk by chunk);
3. :mod:`.score_report` — the report: every estimate from the measured bits, with baselines, null, intervals,
   Theorem 1 and a verdict, as ``--format json`` prints it (DESIGN.md, "Output contract").

Every name these modules had here before is still importable from here.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Callable, Mapping, Sequence

from . import cost as costs
from .plots import check_plot_path, score_plot
from .progress import reporter
from .results import ScoreResult
from .score_plan import (DEFAULT_CODERS, EXAMPLE_LATENT, _estimates, _resolve_latent, as_corpus,  # noqa: F401
                         example_path, latent_choice, make_plan)
from .score_report import _summary, assemble, dry_run_report  # noqa: F401
from .score_run import run_plan

__all__ = ["score", "latent_choice", "as_corpus", "example_path", "EXAMPLE_LATENT", "DEFAULT_CODERS"]


def score(corpus: Any = None, latent: Any = None, *, coder: str | Sequence[str] | None = None,
          latent_file: str | os.PathLike | None = None, latent_text: str | None = None,
          coders: Sequence[str] | None = None,
          features: Sequence[str] | None = None, against: Any = None, split: str | None = None,
          field: str | None = None, null: int = 10, intervals: int = 0, regret: bool = False, seed: int = 0,
          jobs: int | None = None, progress: bool | Callable[[int, int], None] | None = None,
          on_plan: Callable[[costs.Estimate], None] | None = None, scheduler: str | None = None,
          cache: str | os.PathLike | None = None, stream: int | None = None, dry_run: bool = False,
          max_time: float | None = None, max_memory: int | None = None, sample_features: int | None = None,
          numeric: Sequence[str] = (), categorical: Sequence[str] = (),
          precision: Mapping[str, float | str] | None = None,
          plot: str | os.PathLike | None = None, bootstrap: int | None = None) -> ScoreResult:
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
    intervals
        Replicates for 95 % intervals (tables only; 0 to skip): each splits the rows at random into halves and
        quarters and scores them (about two scores' work); see :mod:`natlat_compress.intervals`. ``bootstrap`` is its
        old name, still accepted with a :class:`DeprecationWarning` (no rows are resampled with replacement).
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
        Read a CSV/TSV table in chunks of about this many bytes of the file: a table larger than memory. Model coders
        get every row's symbol codes, gathered compactly, and give the same bits as in memory
        (:mod:`natlat_compress.stream`); byte coders code each chunk on its own and sum every code length over the
        chunks (the report's warnings say what this costs).
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
    precision
        Tables: ``{column: δ}``, the grid width a numeric column is coded at instead of its data's decimals; its values
        are rounded to the multiples of δ (``corpus.columns`` reports each column's precision, ``precision_from`` and
        how many rows were ``rounded``).
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
               if name not in ("corpus", "latent", "coder", "latent_file", "latent_text", "plot", "bootstrap")}
    if bootstrap is not None:
        warnings.warn("score(bootstrap=) is now score(intervals=): the intervals come from splitting the rows, "
                      "not from resampling them", DeprecationWarning, stacklevel=2)
        options["intervals"] = bootstrap
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


def _score(corpus, latent, *, coders, features, against, split, field, null, intervals, regret, seed, jobs, progress,
           on_plan, scheduler, cache, stream, dry_run, max_time, max_memory, sample_features, numeric,
           categorical, precision) -> dict:
    """:func:`score` once its convenience forms (``coder``, ``latent_file``, ``latent_text``, ``progress=True``) are
    resolved: every option by its one name. Plan, run, report."""
    the_plan = make_plan(corpus, latent, coders=coders, features=features, against=against, split=split, field=field,
                         null=null, intervals=intervals, regret=regret, seed=seed, stream=stream,
                         sample_features=sample_features,
                         numeric=numeric, categorical=categorical, precision=precision)
    measured = run_plan(the_plan, jobs=jobs, progress=progress, on_plan=on_plan, scheduler=scheduler, cache=cache,
                        stream=stream, dry_run=dry_run, max_time=max_time, max_memory=max_memory, numeric=numeric,
                        categorical=categorical, precision=precision)
    if measured.values is None:
        return dry_run_report(the_plan, measured.cost)
    return assemble(the_plan, measured)
