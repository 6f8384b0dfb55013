"""The engine: from code-length terms to the compressions that measure them, each done once.

A *term* is ``C(target | given)`` for two sets of atoms (columns, objects, latent strings). The engine turns each term
into *jobs* for a coder, removes duplicates, evaluates the jobs serially or on a process pool, and adds them back up:

* a table, any byte coder: ``C(T ∪ G) − C(G)``, both serialised row by row (the chain rule; a dictionary of other
  columns would not line up with the rows);
* a text corpus, a primed coder: ``conditional_bits(T, G)`` with G as dictionary or prefix;
* a text corpus, a concatenating coder: ``C(G·T) − C(G)`` (Cilibrasi & Vitányi).

Atoms of T already in G cost nothing: ``C(x | x) = 0`` exactly, as for K. The engine knows nothing of latents; it only
needs an order for atoms (latents first, so a compressor reads a row's latent before its features).

Replicates for calibration (permutation null, bootstrap) are *variants* of the corpus built from a seed, inside each
worker, so the corpus crosses to a worker once and a replicate never does.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Sequence

import numpy as np

from .coders import MODEL, PRIMED, get_coder
from .errors import MissingExtraError, NatlatError
from .corpus import OBJECT_SEPARATOR

__all__ = ["Term", "Variant", "Plan", "plan", "lookup", "evaluate", "default_jobs", "connect"]


@dataclass(frozen=True, order=True)
class Term:
    """``C(target | given)`` in bits, for sets of atom names."""

    target: frozenset
    given: frozenset = frozenset()

    @classmethod
    def of(cls, target: Iterable[str], given: Iterable[str] = ()) -> "Term":
        return cls(frozenset(target), frozenset(given))


@dataclass(frozen=True)
class Variant:
    """A corpus derived from the loaded one by a seeded row operation.

    ``kind`` is ``"null"`` (each feature column shuffled within the groups of ``latent``'s values: features become
    exactly independent given the latent in the sample), ``"bootstrap"`` (rows resampled with replacement) or
    ``"split"`` (the rows of one random permutation cut into ``parts`` blocks; this is block ``part``, its rows kept in
    their order: the blocks of a replicate are disjoint, so they are independent IID samples of the smaller size).
    """

    kind: str
    seed: int
    replicate: int
    latent: tuple = ()
    parts: int = 0
    part: int = 0

    @property
    def share(self) -> float:
        """The share of the corpus's rows this variant has (a split's block: about 1/parts)."""
        return 1 / self.parts if self.kind == "split" else 1.0

    def build(self, corpus):
        rng = np.random.default_rng([self.seed, self.replicate, ("null", "bootstrap", "split").index(self.kind)])
        if self.kind == "bootstrap":
            return corpus.take(rng.integers(0, corpus.n_items, corpus.n_items))
        if self.kind == "split":  # every part of a replicate draws the same permutation
            return corpus.take(np.sort(np.array_split(rng.permutation(corpus.n_items), self.parts)[self.part]))
        group = np.zeros(corpus.n_items, dtype=np.int64)
        for atom in self.latent:  # the latent's joint value as one group code
            codes, size = corpus.columns[atom].groups()  # (a numeric latent's quantile bins)
            group = group * size + codes
        group = np.unique(group, return_inverse=True)[1].ravel().astype(np.float64)  # 0..G-1, exact as floats
        in_group_order = np.argsort(group, kind="stable")
        shuffled = {}
        for name, column in corpus.columns.items():
            if name in self.latent:
                continue
            # Sorting by group + a random fraction permutes rows within each group (one sort of one key: twice as
            # fast as sorting by the pair); group blocks stay where they are.
            within = np.argsort(group + rng.random(corpus.n_items))
            codes = column.codes.copy()
            codes[in_group_order] = column.codes[within]
            shuffled[name] = replace(column, codes=codes)  # a numeric column stays numeric
        return corpus.with_columns(shuffled)


# A job is what one coder call computes: ("joint", atoms) or ("cond", target_atoms, given_atoms).
Job = tuple


def _jobs_for(term: Term, kind: str, method: str, order: Callable) -> list[tuple[int, Job]]:
    """The signed jobs whose sum is ``term`` for this corpus kind and conditioning method."""
    target = term.target - term.given
    if not target:
        return []
    given = order(term.given)
    if method == MODEL:  # model coders condition directly, on columns
        return [(1, ("cond", order(target), given))]
    if not given:
        return [(1, ("joint", order(target)))]
    if kind == "table":
        return [(1, ("joint", order(target | term.given))), (-1, ("joint", given))]
    if method == PRIMED:
        return [(1, ("cond", order(target), given))]
    return [(1, ("joint", given + order(target))), (-1, ("joint", given))]


def _job_bytes(corpus, job: Job) -> int:
    return sum(corpus.nbytes(atoms) for atoms in job[1:])


@dataclass
class Plan:
    """Every distinct job of a run, per coder and variant, and how the terms are made of them."""

    jobs: list[tuple[str, Variant | None, Job]]  # (coder spec, variant, job), deduplicated
    recipe: dict[tuple[str, Variant | None, Term], list[tuple[int, Job]]]
    bytes_to_compress: int
    job_bytes: dict[Job, int]  # the bytes of each job, measured once: the run and the cost estimate ask again
    cached_jobs: int = 0  # set by evaluate: how many jobs a cache answered


def plan(terms: Iterable[tuple[Variant | None, Term]], corpus, coders: Sequence[str],
         lead: Sequence[str] = ()) -> Plan:
    """Deduplicate the jobs that the (variant, term) pairs need under every coder.

    ``lead`` atoms come first in every serialisation (the latents); the others follow in corpus order.
    """
    rank = {atom: i for i, atom in enumerate(dict.fromkeys([*lead, *corpus.names, *getattr(corpus, "extra", {})]))}
    ordered: dict[frozenset, tuple] = {}  # one tuple per distinct set: jobs that share a set share its tuple

    def order(atoms: frozenset) -> tuple:
        if atoms not in ordered:
            ordered[atoms] = tuple(sorted(atoms, key=rank.__getitem__))
        return ordered[atoms]

    terms = list(dict.fromkeys(terms))
    recipe: dict = {}
    jobs: dict = {}
    for spec in coders:
        method = get_coder(spec).method
        for variant, term in terms:
            parts = _jobs_for(term, corpus.kind, method, order)
            recipe[(spec, variant, term)] = parts
            for _, job in parts:
                jobs.setdefault((spec, variant, job), None)
    job_bytes: dict[Job, int] = {}
    for _, _, job in jobs:
        if job not in job_bytes:  # the same job under every coder and variant
            job_bytes[job] = _job_bytes(corpus, job)
    return Plan(list(jobs), recipe, sum(job_bytes[job] for _, _, job in jobs), job_bytes)


# -- workers ----------------------------------------------------------------------------------------------------------
_WORKER_CORPUS = None
_WORKER_VARIANTS: OrderedDict = OrderedDict()  # variant -> (the corpus it was built from, the replicate)
_VARIANTS_LOCK = threading.Lock()  # Dask workers run tasks on threads


def _init_worker(corpus) -> None:
    global _WORKER_CORPUS
    _WORKER_CORPUS = corpus


def _init_pool_worker(corpus) -> None:
    from .signals import worker_signals

    worker_signals()
    _init_worker(corpus)


def _corpus_for(variant: Variant | None, base=None):
    base = _WORKER_CORPUS if base is None else base
    if variant is None:
        return base
    with _VARIANTS_LOCK:
        cached = _WORKER_VARIANTS.get(variant)
        if cached is None or cached[0] is not base:
            _WORKER_VARIANTS[variant] = cached = (base, variant.build(base))
            while len(_WORKER_VARIANTS) > 4:  # jobs arrive grouped by variant: a few suffice
                _WORKER_VARIANTS.popitem(last=False)
        return cached[1]


def _run_unit(spec: str, variant: Variant | None, jobs: list[Job], base=None) -> list[float]:
    """Evaluate a unit: one byte job, or a model coder's jobs that share one target (and so their work)."""
    corpus = _corpus_for(variant, base)
    coder = get_coder(spec)
    if coder.reads == "symbols":
        return coder.symbol_bits_many(corpus.symbols(), jobs[0][1], [job[2] for job in jobs])
    (job,) = jobs
    # A table's buffer is a memoryview, not bytes: every byte coder reads buffers (TableCorpus.buffer), unchanged.
    return [coder.conditional_bits(*job_input(coder, corpus, job))]  # type: ignore[arg-type]


def job_input(coder, corpus, job: Job) -> tuple[bytes | memoryview, bytes]:
    """What a byte coder codes for a job, and what it is given (its own prior, then the job's given atoms)."""
    if job[0] == "joint":
        return corpus.buffer(job[1]), coder.prior_for(job[1])
    prior, given = coder.prior_for(job[2]), corpus.serialize(job[2])
    return corpus.buffer(job[1]), prior + OBJECT_SEPARATOR + given if prior else given


def _run_batch(batch: list[tuple[str, Variant | None, list[Job]]], base=None) -> list[list[float]]:
    return [_run_unit(*unit, base=base) for unit in batch]


def _units(jobs: list) -> list[tuple[str, Variant | None, list[Job]]]:
    """Byte jobs one by one; a model coder's jobs grouped by (variant, target). The longest come first, so that no
    worker starts one when the others are done: a model coder's joint of several columns (it fits latent-class models;
    measured 5.8 s of 13.4 at 100,000 × 50), then the rest in plan order."""
    units: dict = {}
    for spec, variant, job in jobs:
        key = (spec, variant, job[1]) if get_coder(spec).reads == "symbols" else (spec, variant, job)
        units.setdefault(key, (spec, variant, []))[2].append(job)

    def fits_latent_classes(unit) -> bool:
        spec, _, unit_jobs = unit
        return get_coder(spec).reads == "symbols" and any(len(job[1]) > 1 and not job[2] for job in unit_jobs)

    return sorted(units.values(), key=lambda unit: not fits_latent_classes(unit))


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover  (not Linux)
        return os.cpu_count() or 1


def _cache_keys(items, corpus, cache) -> dict:
    return {item: cache.key(corpus, *item) for item in items if not item[0].startswith("agent:")}


def lookup(the_plan: Plan, corpus, cache=None) -> dict:
    """``{(spec, variant, job): bits}`` for the jobs of the plan that ``cache`` already holds (none without one)."""
    if cache is None:
        return {}
    keys = _cache_keys(the_plan.jobs, corpus, cache)
    found = cache.get_many(keys.values())
    return {item: found[key] for item, key in keys.items() if key in found}


def evaluate(the_plan: Plan, corpus, jobs: int | None = None,
             progress: Callable[[int, int], None] | None = None, client=None, cache=None,
             known: dict | None = None) -> dict:
    """Run every job of the plan and return ``{(spec, variant, term): bits}``.

    ``jobs=1`` runs in this process; more starts a process pool (forked workers inherit the corpus). Results do not
    depend on it: each job is a deterministic function of its spec, variant and atoms, and sums are taken in the plan's
    order.
    ``progress(done_bytes, total_bytes)`` is called as jobs finish. A Dask ``client`` (see :func:`connect`) sends the
    work to its cluster instead: the corpus is scattered to every worker once. With a ``cache``
    (:class:`natlat_compress.cache.TermCache`) jobs computed by an earlier run are read, not run, and new ones are
    stored; ``the_plan.cached_jobs`` says how many were read. ``known`` is what :func:`lookup` found, if the caller
    already asked; progress counts the bytes of the jobs left.
    """
    jobs = default_jobs() if jobs is None else jobs
    results = dict(known) if known is not None else lookup(the_plan, corpus, cache)
    todo = [item for item in the_plan.jobs if item not in results]
    the_plan.cached_jobs = len(the_plan.jobs) - len(todo)
    units = _units(todo)
    sizes = [sum(map(the_plan.job_bytes.__getitem__, unit[2])) for unit in units]
    total, done = sum(sizes), 0

    def record(unit, values, nbytes):
        nonlocal done
        spec, variant, unit_jobs = unit
        results.update(((spec, variant, job), value) for job, value in zip(unit_jobs, values))
        done += nbytes
        if progress:
            progress(done, total)

    if client is not None:
        _evaluate_on_dask(client, corpus, units, sizes, record)
    elif jobs <= 1 or len(units) <= 1:
        _init_worker(corpus)
        for unit, size in zip(units, sizes):
            record(unit, _run_unit(*unit), size)
    else:
        if corpus.kind == "table" and any(get_coder(unit[0]).reads == "bytes" and unit[1] is None for unit in units):
            corpus.prepare_serialization()  # forked workers share it
        executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_init_pool_worker, initargs=(corpus,))
        try:
            futures = {executor.submit(_run_batch, batch): (batch, batch_sizes)
                       for batch, batch_sizes in _batches(units, sizes, jobs)}
            for future in as_completed(futures):
                batch, batch_sizes = futures[future]
                for unit, values, size in zip(batch, future.result(), batch_sizes):
                    record(unit, values, size)
        except BaseException:
            _stop_pool(executor)  # a signal or a failed job: do not wait for the other workers' jobs
            raise
        finally:
            executor.shutdown(cancel_futures=True)
    if cache is not None and todo:
        cache.put_many({key: results[item] for item, key in _cache_keys(todo, corpus, cache).items()})
    return {key: sum(sign * results[(key[0], key[1], job)] for sign, job in parts)
            for key, parts in the_plan.recipe.items()}


def _stop_pool(executor: ProcessPoolExecutor, grace: float = 1.0) -> None:
    """Stop every worker now: SIGTERM (a worker kills its ``cmd:`` programs and exits), then SIGKILL for any still
    inside a long C call after ``grace`` seconds. ``shutdown`` alone would wait for the running jobs."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(deadline - time.monotonic(), 0))
        if process.is_alive():
            process.kill()
            process.join(1.0)


def connect(scheduler: str):
    """A Dask client for ``tcp://HOST:PORT``, or a one-line error (no Dask, no scheduler there)."""
    try:
        from distributed import Client
    except ImportError:
        raise MissingExtraError("--scheduler needs Dask: pip install 'natlat_compress[dask]'") from None
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise NatlatError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


def _evaluate_on_dask(client, corpus, units: list, sizes: list[int], record: Callable) -> None:
    from distributed import as_completed as completed

    workers = max(1, sum(client.nthreads().values()))
    shared = client.scatter(corpus, broadcast=True)
    futures = {client.submit(_run_batch, batch, shared, pure=False): (batch, batch_sizes)
               for batch, batch_sizes in _batches(units, sizes, workers)}
    for future in completed(list(futures)):
        batch, batch_sizes = futures[future]
        for unit, values, size in zip(batch, future.result(), batch_sizes):
            record(unit, values, size)


def _batches(items: list, sizes: list[int], workers: int):
    """Group small units so that pool overhead stays small, while keeping ~8 batches per worker for balance."""
    target = max(sum(sizes) // max(8 * workers, 1), 1)
    batch, batch_sizes, filled = [], [], 0  # a running total: summing the batch anew for each unit was quadratic
    for item, size in zip(items, sizes):
        batch.append(item)
        batch_sizes.append(size)
        filled += size
        if filled >= target:
            yield batch, batch_sizes
            batch, batch_sizes, filled = [], [], 0
    if batch:
        yield batch, batch_sizes
