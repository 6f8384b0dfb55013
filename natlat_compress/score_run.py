"""Score, step 2 of 3 — the run: the plan's jobs measured once each, on this machine or a Dask cluster.

What the jobs will cost is estimated first (:mod:`.cost`; ``--dry-run`` stops there, ``--max-time`` and
``--max-memory`` refuse a plan over budget); jobs a cache (:mod:`.cache`) holds are read; the rest run on the engine
(:mod:`.engine`: a process pool or a Dask cluster), or for a streamed table chunk by chunk (:mod:`.stream`).
Before: :mod:`.score_plan`; next: :mod:`.score_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from . import cost as costs
from .cache import TermCache
from .coders import get_coder
from .engine import connect, default_jobs, evaluate, lookup, plan
from .errors import warn_user
from .score_plan import ScorePlan, _check_budget
from .stream import approximation_note, plan_totals, read_streamed

__all__ = ["Measured", "run_plan"]


@dataclass
class Measured:
    """What a run measured: every term's bits per (coder, variant), the plan's totals, the rows, what the report says
    of streaming, the column kinds (a streamed table's from every cell) and the warnings; ``values`` is None after a
    dry run."""

    values: dict | None
    totals: dict
    n: int
    streamed: dict | None
    columns: list[dict] | None
    scored: list[dict]
    warnings: list[str]
    cost: Any


def run_plan(sp: ScorePlan, *, jobs: int | None, progress: Callable[[int, int], None] | None,
             on_plan: Callable | None, scheduler: str | None, cache, stream: int | None, dry_run: bool,
             max_time: float | None, max_memory: int | None, numeric: Sequence[str] = (),
             categorical: Sequence[str] = (), precision: Mapping[str, float] | None = None) -> Measured:
    """Estimate the plan's cost, check it against the budgets, tell ``on_plan``, and unless ``dry_run`` run it."""
    corpus, the_plan, run_specs, runs, coders = sp.corpus, sp.the_plan, sp.run_specs, sp.runs, sp.coders
    wanted, lead, used, names, columns = sp.wanted, sp.lead, sp.used, sp.names, sp.columns
    chunks, file_read = sp.chunks, sp.file_read
    client = connect(scheduler) if scheduler else None  # an unreachable cluster fails before any work is announced
    term_cache = TermCache(cache) if cache is not None else None
    try:
        known = lookup(the_plan, corpus, term_cache)
        workers = sum(client.nthreads().values()) if client is not None else (jobs or default_jobs())
        cost = costs.estimate(the_plan, corpus, [item for item in the_plan.jobs if item not in known], workers)
        if stream is not None:  # the first chunk's cost, for every chunk of the file (model coders: all at once)
            holds_rows = any(get_coder(spec).reads == "symbols" for spec in run_specs)
            cost = cost.scaled(Path(corpus.source).stat().st_size / max(file_read, 1),
                               costs.current_rss_bytes() if holds_rows else None)
        _check_budget(cost, max_time, max_memory, corpus, run_specs)
        if on_plan:
            on_plan(cost)
        if dry_run:
            return Measured(None, {}, corpus.n_items, None, columns, [], [], cost)
        scored = [c for c in columns or [] if c["name"] in used or c["name"] in names]
        reach_warnings = _reach_warnings(the_plan, corpus, run_specs) + _numeric_warnings(scored, run_specs)
        fallbacks = [f"{spec} reads symbol tables; on this text corpus it falls back to {run}, the best byte-level "
                     f"model available" for spec, run in runs.items() if run != spec]
        for message in fallbacks:
            warn_user(message)
        if stream is None:
            values = evaluate(the_plan, corpus, jobs=jobs, progress=progress, client=client, cache=term_cache,
                              known=known)
            totals, n, streamed = plan_totals(the_plan), corpus.n_items, None
        else:
            # Byte coders: each chunk on its own, summed. Model coders: the compact table of every row, coded once.
            byte_specs = [s for s in run_specs if get_coder(s).reads == "bytes"]
            model_specs = [s for s in run_specs if s not in byte_specs]
            assert chunks is not None  # a streamed plan has its chunks
            values, totals, n, n_chunks, whole = read_streamed(
                corpus, file_read, chunks, plan(wanted, corpus, byte_specs, lead=lead), wanted, byte_specs,
                bool(model_specs), lead, dict(jobs=jobs, client=client, cache=term_cache), progress, numeric,
                categorical, precision)
            if whole is not None:
                model_plan = plan(wanted, whole, model_specs, lead=lead)
                values |= evaluate(model_plan, whole, jobs=jobs, progress=progress, client=client, cache=term_cache)
                totals = {key: count + plan_totals(model_plan)[key] for key, count in totals.items()}
                kinds = {c["name"]: c for c in whole.kinds()}  # inferred from every cell
                columns = [kinds.get(c["name"], c) for c in columns or []]
                scored = [c for c in columns if c["name"] in used or c["name"] in names]
            streamed = approximation_note(n_chunks, stream, [s for s in coders if runs[s] in byte_specs],
                                          [s for s in coders if runs[s] in model_specs])
    finally:
        if client is not None:
            client.close()
        if term_cache is not None:
            term_cache.close()

    return Measured(values, totals, n, streamed, columns, scored, fallbacks + reach_warnings, cost)


def _numeric_warnings(columns: list[dict] | None, coders: Sequence[str]) -> list[str]:
    """A byte coder asked to score a table with numeric columns codes their digits as text: say so once each."""
    numeric = [c["name"] for c in columns or [] if c["kind"] == "numeric"]
    out = []
    for spec in coders:
        if numeric and get_coder(spec).reads == "bytes":
            shown = ", ".join(numeric[:5]) + (f" and {len(numeric) - 5} more" if len(numeric) > 5 else "")
            message = (f"{spec} codes the numeric columns {shown} as text: byte coders are poor stand-ins for real "
                       f"values; use --coder model")
            warn_user(message)
            out.append(message)
    return out

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
