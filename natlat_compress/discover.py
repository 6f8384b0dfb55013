"""``discover``: which latent is natural here? Candidate latents for a table, learned and scored by cross-fitting.

The candidates (DESIGN.md, "Corpora, features, latents"):

* every column, as a latent over the other columns;
* learned latent-class variables for K = 2 … K_max: EM with restarts (the model and smoothing of ``_lc_fit`` in
  ``coders/models.py``, run on all columns at once), numeric columns cut into quantile bins first; the K whose
  held-out code length ``−log2 P(x)`` is shortest is marked ``chosen_by_code_length``;
* Gaussian-mixture clusters (diagonal covariances) of the numeric columns, K = 2 … K_max, when there are two or more;
* merges of two columns (their joint value), for the pairs with the largest plug-in mutual information.

**Cross-fitting.** The rows are split at random into two halves. A learned latent is fitted on one half and *assigned*
on the other (each row's most probable class under parameters that never saw it), and the assigned half is scored;
then the halves swap and the two scores are added. A latent that memorised its rows would look natural on them (a
class per row mediates everything); scored on rows it never saw it does not. Every candidate, columns included, is
scored on the same two halves, so their errors are comparable. The errors are those of ``natlat score`` (THEORY.md §1:
mediation ``TC(X|Λ)`` and the four redundancy variants, measured by a coder, ``model`` by default); candidates are
ranked by the weak error (mediation + the worst weak redundancy) per row.

**Theorem 1 comparison** (``compare``): for a discovered latent Λ and a given column Λ', the code lengths
``C(Λ'|Λ)`` and ``C(Λ|Λ')`` with the right-hand sides of "mediator determines redund" (arXiv 2509.03780; THEORY.md §1)
over the features that are neither, and the mutual information ``C(Λ') − C(Λ'|Λ)``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import conditions as cond
from .coders import get_coder
from .corpus import Column, TableCorpus
from .engine import evaluate, plan
from .errors import CorpusError, NatlatError

__all__ = ["discover", "discover_candidates", "discover_rows", "discover_text", "plot_discovery", "Candidate",
           "numeric_columns", "latent_column_csv", "read_latent_column", "compare",
           "agreement", "DEFAULT_K_MAX"]

DEFAULT_K_MAX = 8
EM_RESTARTS = 3
EM_ITERATIONS = 80
RESTART_ITERATIONS = 10
EM_TOLERANCE = 1e-6  # relative change of the log likelihood at which EM stops
EM_MAX_ROWS = 3000  # rows of a half that EM fits on (a seeded sample when the half is larger)
NUMERIC_MIN_VALUES = 16  # a column of numbers with fewer distinct values stays categorical
NUMERIC_BINS = 8  # numeric columns are coded as quantile bins until column kinds (#13) give them a coder of their own
MERGE_PAIRS = 3
LATENT_PREFIX = "Λ:"  # candidate latents' column names in the scoring tables: never a table's own


@dataclass
class Candidate:
    """A candidate latent: its values on every row (codes < ``k``, table order) and where they came from."""

    name: str
    kind: str  # column | latent_classes | gaussian_mixture | merge
    codes: np.ndarray
    k: int
    sources: tuple[str, ...]  # the table's columns it is made of (kept out of its features)
    labels: list[str] = field(default_factory=list)
    detail: dict = field(default_factory=dict)


# -- numeric columns -------------------------------------------------------------------------------------------------
def numeric_columns(corpus: TableCorpus) -> dict[str, np.ndarray]:
    """The numeric columns (their kinds: :func:`natlat_compress.corpus.infer_kind`, or ``--numeric``) with at least
    NUMERIC_MIN_VALUES distinct values and none missing, as floats per row."""
    out = {}
    for name, column in corpus.columns.items():
        if column.kind == "numeric" and column.cardinality >= NUMERIC_MIN_VALUES:
            values = column.row_values()
            if np.isfinite(values).all():
                out[name] = values
    return out


def _quantile_bins(values: np.ndarray, bins: int = NUMERIC_BINS) -> tuple[np.ndarray, int]:
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
    codes = np.searchsorted(edges, values, side="right")
    return codes.astype(np.int64), len(edges) + 1


def _symbol_columns(corpus: TableCorpus, numeric: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, int]]:
    """Every column as (codes, alphabet size): categories as they are, numeric columns as quantile bins."""
    return {name: _quantile_bins(numeric[name]) if name in numeric
            else (col.codes.astype(np.int64), col.cardinality) for name, col in corpus.columns.items()}


# -- learning latents on one half, assigning them on the other --------------------------------------------------------
def _indicators(columns: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the index of each cell among all (column, value) indicators (rows × columns), and each indicator's
    column's alphabet size."""
    sizes = np.array([k for _, k in columns])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    cells = np.stack([codes for codes, _ in columns], axis=1) + offsets
    return cells, np.repeat(sizes, sizes)


def _lc_parameters(cells: np.ndarray, alphabet: np.ndarray, resp: np.ndarray, pairs: np.ndarray | None = None):
    """The M step of ``coders.models._lc_fit`` (Dirichlet ½ smoothing): log π (K) and log θ (indicators × K). The
    expected counts are one ``bincount`` over the (indicator, class) ``pairs`` (computed if not given)."""
    n, k = resp.shape
    per_class = resp.sum(axis=0)
    log_prior = np.log(per_class + 0.5) - math.log(n + k / 2)
    if pairs is None:
        pairs = _class_pairs(cells, k)
    weights = np.broadcast_to(resp[:, None, :], (n, cells.shape[1], k)).ravel()
    counts = np.bincount(pairs, weights=weights, minlength=len(alphabet) * k).reshape(len(alphabet), k)
    return log_prior, np.log(counts + 0.5) - np.log(per_class[None, :] + alphabet[:, None] / 2)


def _class_pairs(cells: np.ndarray, k: int) -> np.ndarray:
    return (cells[:, :, None] * k + np.arange(k)).ravel()


def _lc_assign(cells: np.ndarray, params) -> np.ndarray:
    """``ln π_h + Σ_i ln θ_hi(x_i)`` per row and class."""
    log_prior, log_theta = params
    return log_theta[cells].sum(axis=1) + log_prior


def _log_normalise(scores: np.ndarray) -> tuple[np.ndarray, float]:
    """Responsibilities from log scores, and the total log likelihood in nats."""
    top = scores.max(axis=1, keepdims=True)
    resp = np.exp(scores - top)
    total = resp.sum(axis=1, keepdims=True)
    return resp / total, float((top + np.log(total)).sum())


def _fit_latent_classes(cells: np.ndarray, alphabet: np.ndarray, k: int, seed: int):
    """EM for a latent-class model (the model of ``coders.models.latent_class_bits``, Dirichlet ½ smoothing, random
    Dirichlet first responsibilities as ``_lc_fit`` draws them), with one gather and one ``bincount`` a step over all
    columns at once instead of one per column and class (no matrix products: OpenBLAS threads on a shared machine made
    them 15× slower). EM_RESTARTS starts run
    RESTART_ITERATIONS steps; the most likely goes on to EM_ITERATIONS or until the likelihood stops moving.
    Fitted on at most EM_MAX_ROWS of the rows."""
    if len(cells) > EM_MAX_ROWS:  # enough rows to pin K·Σk parameters; the rest only slow EM down
        cells = cells[np.sort(np.random.default_rng([seed, k]).choice(len(cells), EM_MAX_ROWS, replace=False))]
    n = len(cells)
    pairs = _class_pairs(cells, k)
    starts = []
    for restart in range(EM_RESTARTS):
        resp = np.random.default_rng([seed, k, restart]).dirichlet(np.ones(k), size=n)
        starts.append(_run_em(cells, alphabet, pairs, resp, RESTART_ITERATIONS))
    resp, _ = max(starts, key=lambda s: s[1])
    resp, _ = _run_em(cells, alphabet, pairs, resp, EM_ITERATIONS - RESTART_ITERATIONS)
    return _lc_parameters(cells, alphabet, resp, pairs)


def _run_em(cells, alphabet, pairs, resp, iterations: int) -> tuple[np.ndarray, float]:
    likelihood = -math.inf
    for _ in range(iterations):
        resp, new = _log_normalise(_lc_assign(cells, _lc_parameters(cells, alphabet, resp, pairs)))
        if new - likelihood < EM_TOLERANCE * abs(new):
            return resp, new
        likelihood = new
    return resp, likelihood


def _fit_gaussian_mixture(values: np.ndarray, k: int, seed: int):
    """Diagonal Gaussian mixture by EM from EM_RESTARTS starts at K random rows (values: rows × dims, standardised);
    the parameters (log weights, means, variances) of the start with the highest likelihood."""
    n, d = values.shape
    best, best_ll = None, -math.inf
    floor = 1e-3  # variance floor (in units of the column's variance): a cluster may not collapse on one value
    for restart in range(EM_RESTARTS):
        rng = np.random.default_rng([seed, k, restart, 1])
        means = values[rng.choice(n, size=k, replace=False)]
        variances = np.ones((k, d))
        log_weights = np.full(k, -math.log(k))
        for _ in range(EM_ITERATIONS):
            resp, _ = _log_normalise(_gaussian_scores(values, log_weights, means, variances))
            mass = resp.sum(axis=0) + 1e-9
            log_weights = np.log(mass / n)
            means = resp.T @ values / mass[:, None]
            variances = np.maximum(resp.T @ values ** 2 / mass[:, None] - means ** 2, floor)
        _, ll = _log_normalise(_gaussian_scores(values, log_weights, means, variances))
        if ll > best_ll:
            best, best_ll = (log_weights, means, variances), ll
    return best


def _gaussian_scores(values, log_weights, means, variances) -> np.ndarray:
    """``ln w_h + ln N(x; μ_h, diag σ²_h)`` per row and cluster."""
    quad = ((values[:, None, :] - means[None]) ** 2 / variances[None]).sum(axis=2)
    return log_weights - 0.5 * (quad + np.log(2 * math.pi * variances).sum(axis=1))


def _align(reference: np.ndarray, other: np.ndarray, k: int) -> np.ndarray:
    """A relabelling of ``other``'s classes onto ``reference``'s (greedy on the table of co-occurrences), so that the
    two halves' fits name the same class alike in the latent column written out."""
    counts = np.bincount(other * k + reference, minlength=k * k).reshape(k, k).astype(float)
    mapping = np.full(k, -1)
    for _ in range(k):
        i, j = np.unravel_index(np.argmax(counts), counts.shape)
        mapping[i] = j
        counts[i, :], counts[:, j] = -1, -1
    return mapping


def _cross_fit(halves, fit: Callable, assign: Callable, k: int) -> tuple[np.ndarray, float]:
    """Fit on each half, assign on the other: the latent's codes on every row (classes aligned across the two fits)
    and the held-out code length of the rows in bits (``−log2 P(x)`` under parameters that never saw them)."""
    first, second = halves
    fit_first, fit_second = fit(first), fit(second)
    n = len(first) + len(second)
    codes = np.empty(n, dtype=np.int64)
    held_out = 0.0
    for rows, params in ((second, fit_first), (first, fit_second)):
        scores = assign(rows, params)
        held_out -= _log_normalise(scores)[1] / math.log(2)
        codes[rows] = scores.argmax(axis=1)
    # Relabel the second fit's classes (used on the first half) to agree with the first fit's, judged on all rows.
    all_rows = np.concatenate([first, second])
    by_first = assign(all_rows, fit_first).argmax(axis=1)
    by_second = assign(all_rows, fit_second).argmax(axis=1)
    codes[first] = _align(by_first, by_second, k)[codes[first]]
    return codes, held_out


def _latent_class_candidates(symbols, names, halves, k_max: int, seed: int) -> list[Candidate]:
    cells, alphabet = _indicators([symbols[c] for c in names])
    out = []
    for k in range(2, k_max + 1):
        codes, held_out = _cross_fit(
            halves, lambda rows: _fit_latent_classes(cells[rows], alphabet, k, seed),
            lambda rows, params: _lc_assign(cells[rows], params), k)
        out.append(Candidate(f"latent classes K={k}", "latent_classes", codes, k, (),
                             detail={"K": k, "held_out_bits": held_out}))
    _mark_chosen(out)
    return out


def _gaussian_candidates(numeric: dict[str, np.ndarray], halves, k_max: int, seed: int) -> list[Candidate]:
    if len(numeric) < 2:
        return []
    values = np.stack(list(numeric.values()), axis=1)
    values = (values - values.mean(axis=0)) / np.where(values.std(axis=0) > 0, values.std(axis=0), 1.0)
    out = []
    for k in range(2, k_max + 1):
        codes, held_out = _cross_fit(
            halves, lambda rows: _fit_gaussian_mixture(values[rows], k, seed),
            lambda rows, params: _gaussian_scores(values[rows], *params), k)
        # A density, not a code length: −log2 of it plus the precision's cost, the same for every K, compares K alike.
        out.append(Candidate(f"Gaussian clusters K={k}", "gaussian_mixture", codes, k, (),
                             detail={"K": k, "held_out_bits": held_out, "columns": list(numeric)}))
    _mark_chosen(out)
    return out


def _mark_chosen(candidates: list[Candidate]) -> None:
    if candidates:
        best = min(candidates, key=lambda c: c.detail["held_out_bits"])
        for c in candidates:
            c.detail["chosen_by_code_length"] = c is best


def _plugin_mutual_information(a: tuple[np.ndarray, int], b: tuple[np.ndarray, int]) -> float:
    """``I(A;B)`` of the empirical distribution, in bits (only to pick which pairs are worth scoring as merges)."""
    (ca, ka), (cb, kb) = a, b
    joint = np.bincount(ca * kb + cb, minlength=ka * kb).reshape(ka, kb).astype(float)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    return float((joint[nz] * np.log2(joint[nz] / np.outer(pa, pb)[nz])).sum())


def _merge_candidates(symbols, names, n_rows: int) -> list[Candidate]:
    """The MERGE_PAIRS pairs of columns that share the most information, each as one latent of their joint value (if
    it has fewer values than a tenth of the rows: a merge with a value per few rows is a copy of the rows)."""
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if symbols[a][1] * symbols[b][1] <= max(n_rows // 10, 4):
                pairs.append((_plugin_mutual_information(symbols[a], symbols[b]), a, b))
    out = []
    for mi, a, b in sorted(pairs, key=lambda p: -p[0])[:MERGE_PAIRS]:
        (ca, _), (cb, kb) = symbols[a], symbols[b]
        codes, k = np.unique(ca * kb + cb, return_inverse=True)
        out.append(Candidate(f"{a} & {b}", "merge", k.astype(np.int64), len(codes), (a, b),
                             detail={"plugin_mutual_information_bits": mi}))
    return out


# -- scoring -----------------------------------------------------------------------------------------------------------
def _errors_recorded(C, X, L) -> dict:
    return {"mediation_error": cond.mediation_error(C, X, L),
            "latent_given_features": cond.latent_given_features(C, X, L),
            "redundancy": cond.redundancy_errors(C, X, L)}


def _score_candidates(symbols, names, candidates: list[Candidate], halves, coder: str, jobs: int | None) -> None:
    """Every candidate's errors, summed over the two halves (each half a table of its own, with every candidate's
    values as one more column), stored in ``candidate.detail['scores']``."""
    keys = [f"{LATENT_PREFIX}{i}" for i in range(len(candidates))]
    features = {key: [f for f in names if f not in c.sources] for key, c in zip(keys, candidates)}
    recorder = cond.Recorder()
    for key in keys:
        _errors_recorded(recorder, [frozenset([f]) for f in features[key]], frozenset([key]))
    totals: dict = {}
    for rows in halves:
        columns = {name: Column(symbols[name][0][rows].astype(np.int32), _labels(symbols[name][1]))
                   for name in names}
        columns |= {key: Column(c.codes[rows].astype(np.int32), _labels(c.k)) for key, c in zip(keys, candidates)}
        half = TableCorpus(columns, "half")
        the_plan = plan([(None, t) for t in recorder.terms], half, [coder], lead=keys)
        for (_, _, term), bits in evaluate(the_plan, half, jobs=jobs).items():
            totals[term] = totals.get(term, 0.0) + bits
    C = cond.TermTable(totals)
    for key, candidate in zip(keys, candidates):
        est = _errors_recorded(C, [frozenset([f]) for f in features[key]], frozenset([key]))
        candidate.detail["features"] = features[key]
        candidate.detail["scores"] = est


def _labels(k: int) -> list[bytes]:
    return [str(v).encode() for v in range(k)]


def _summary(candidate: Candidate, n: int) -> dict:
    est, names = candidate.detail["scores"], candidate.detail["features"]
    redundancy = {variant: dict(zip(names, values)) for variant, values in est["redundancy"].items()}
    worst = {variant: max(values.items(), key=lambda kv: kv[1]) for variant, values in redundancy.items()}
    weak = est["mediation_error"] + worst["weak"][1]
    return {
        "name": candidate.name, "kind": candidate.kind, "values": candidate.k,
        **{k: v for k, v in candidate.detail.items() if k not in ("scores", "features")},
        "n_features": len(names),
        "mediation_error": est["mediation_error"], "latent_given_features": est["latent_given_features"],
        "redundancy_errors": redundancy,
        "worst_redundancy": {v: {"feature": f, "bits": b} for v, (f, b) in worst.items()},
        "weak_error": weak,
        "per_row": {"weak_error": weak / n, "mediation_error": est["mediation_error"] / n,
                    "worst_redundancy": {v: b / n for v, (_, b) in worst.items()}},
    }


# -- the whole run -----------------------------------------------------------------------------------------------------
def discover(corpus: TableCorpus, *, features: Sequence[str] | None = None, k_max: int = DEFAULT_K_MAX,
             coder: str = "model", seed: int = 0, jobs: int | None = None, merges: bool = True) -> dict:
    """Find and rank candidate latents of a table (module docstring), every error in bits.

    Parameters
    ----------
    corpus
        The table.
    features
        The columns to use (default: all). The others are ignored, as if absent.
    k_max
        The largest number of classes a learned latent may have (at least 2).
    coder
        The coder that measures the errors (``model`` by default; any spec of ``natlat coders``).
    seed
        Seeds the split into halves and the EM starts: results are a function of it.

    Returns
    -------
    dict
        ``{"unit": "bits", "corpus": ..., "method": ..., "candidates": [...ranked by weak error per row...]}``; each
        candidate carries its errors (totals over both halves, and ``per_row``), and ``codes``/``labels`` stay out of
        the report (:func:`discover_candidates` returns them).
    """
    report, _ = discover_candidates(corpus, features=features, k_max=k_max, coder=coder, seed=seed, jobs=jobs,
                                    merges=merges)
    return report


def discover_candidates(corpus: TableCorpus, *, features: Sequence[str] | None = None, k_max: int = DEFAULT_K_MAX,
                        coder: str = "model", seed: int = 0, jobs: int | None = None,
                        merges: bool = True) -> tuple[dict, list[Candidate]]:
    """:func:`discover`'s report and the ranked candidates themselves (with each row's value)."""
    if not isinstance(corpus, TableCorpus):
        raise CorpusError("discover reads a table (CSV/TSV); texts take `natlat score --latent discover`")
    if k_max < 2:
        raise NatlatError(f"--k-max must be at least 2; got {k_max}")
    get_coder(coder)  # an unknown spec fails before any work
    names = list(dict.fromkeys(features)) if features else corpus.names
    unknown = [f for f in names if f not in corpus.columns]
    if unknown:
        raise CorpusError(f"unknown column {unknown[0]!r}; the columns are: {', '.join(corpus.names)}")
    if len(names) < 3:
        raise CorpusError(f"discover needs at least three columns (a latent and two features); got {len(names)}")
    n = corpus.n_items
    if n < 8:
        raise CorpusError(f"discover needs at least 8 rows to split in two halves; got {n}")
    numeric = {c: v for c, v in numeric_columns(corpus).items() if c in names}
    symbols = _symbol_columns(corpus, numeric)
    order = np.random.default_rng(seed).permutation(n)
    halves = (np.sort(order[:n // 2]), np.sort(order[n // 2:]))
    k_max = min(k_max, n // 2)  # a half cannot hold more classes than rows

    candidates = [Candidate(name, "column", symbols[name][0], symbols[name][1], (name,)) for name in names]
    candidates += _latent_class_candidates(symbols, names, halves, k_max, seed)
    candidates += _gaussian_candidates(numeric, halves, k_max, seed)
    if merges:
        candidates += _merge_candidates(symbols, names, n)
    _score_candidates(symbols, names, candidates, halves, coder, jobs)
    for c in candidates:
        c.labels = _value_labels(c, corpus, numeric)
    summaries = [_summary(c, n) for c in candidates]
    ranking = sorted(range(len(candidates)), key=lambda i: summaries[i]["weak_error"])
    ranked = []
    for rank, i in enumerate(ranking, 1):
        summaries[i]["rank"] = rank
        ranked.append(summaries[i])
    report = {
        "unit": "bits",
        "corpus": {"kind": "table", "source": corpus.source, "n_items": n, "columns": names,
                   "numeric_columns": list(numeric), "numeric_bins": NUMERIC_BINS if numeric else None},
        "method": {"coder": coder, "k_max": k_max, "seed": seed, "em_restarts": EM_RESTARTS,
                   "cross_fitting": "rows split at random into two halves of "
                                    f"{len(halves[0])} and {len(halves[1])}; learned latents fitted on one half and "
                                    "assigned on the other, every candidate scored on each half and the two added",
                   "ranked_by": "weak_error per row (mediation + worst weak redundancy)"},
        "candidates": ranked,
    }
    return report, [candidates[i] for i in ranking]


def _value_labels(candidate: Candidate, corpus: TableCorpus, numeric) -> list[str]:
    """What each value of a candidate is called in a written latent column."""
    if candidate.kind == "column" and candidate.sources[0] not in numeric:
        return [c.decode("utf-8", "surrogateescape") for c in corpus.columns[candidate.sources[0]].categories]
    if candidate.kind == "column":
        return [f"bin {v + 1}" for v in range(candidate.k)]
    return [f"{'class' if candidate.kind != 'merge' else 'pair'} {v + 1}" for v in range(candidate.k)]


# -- keeping a latent --------------------------------------------------------------------------------------------------
def latent_column_csv(candidate: Candidate) -> str:
    """The candidate as a one-column CSV: header = its name, then one value per row in the table's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([candidate.name])
    labels = np.array(candidate.labels, dtype=object)
    writer.writerows([v] for v in labels[candidate.codes].tolist())
    return out.getvalue()


def read_latent_column(data: bytes, corpus: TableCorpus, source: str = "the latent file") -> tuple[str, Column]:
    """A one-column CSV (header = the latent's name, one value per row of ``corpus``, in its order) as a column.

    A name that is already one of the table's columns gets `` (file)`` appended, so both can be used."""
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "surrogateescape")
    rows = list(csv.reader(io.StringIO(text)))
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        raise CorpusError(f"{source} is empty: expected a header (the latent's name) and one value per row")
    widths = {len(r) for r in rows}
    if widths != {1}:
        raise CorpusError(f"{source} must have one column (header = the latent's name); a line has "
                          f"{max(widths)} fields")
    name, values = rows[0][0], [r[0] for r in rows[1:]]
    if len(values) != corpus.n_items:
        raise CorpusError(f"{source} has {len(values)} values but the table has {corpus.n_items} rows; it must have "
                          "one value per row, in the table's order")
    if name in corpus.columns:
        name = f"{name} (file)"
    return name, Column.from_values(values)


# -- comparing with a given column -------------------------------------------------------------------------------------
def compare(corpus: TableCorpus, candidate: Candidate, column: str, *, features: Sequence[str] | None = None,
            coder: str = "model", jobs: int | None = None) -> dict:
    """How a discovered latent Λ relates to a given column Λ': the mutual information ``C(Λ') − C(Λ'|Λ)`` and both
    Theorem 1 checks, ``C(Λ'|Λ)`` and ``C(Λ|Λ')`` each against its tightest bound over the features that are
    neither, all in bits on the whole table (the latent's values were each assigned by a fit that did not see the
    row, so scoring the whole table does not reward memorising)."""
    if column not in corpus.columns:
        raise CorpusError(f"unknown column {column!r} for --compare; the columns are: {', '.join(corpus.names)}")
    mine = f"{LATENT_PREFIX}discovered"
    names = [f for f in (features or corpus.names) if f != column and f not in candidate.sources]
    if len(names) < 2:
        raise CorpusError("--compare needs at least two features beside the two latents")
    table = TableCorpus({mine: Column(candidate.codes.astype(np.int32), _labels(candidate.k)),
                         **{c: corpus.columns[c] for c in [column, *names]}}, corpus.source)
    X = [frozenset([f]) for f in names]
    L, L2 = frozenset([mine]), frozenset([column])
    recorder = cond.Recorder()
    cond.theorem1_check(recorder, X, L, L2)
    cond.theorem1_check(recorder, X, L2, L)
    recorder(L2)
    recorder(L)
    the_plan = plan([(None, t) for t in recorder.terms], table, [coder], lead=[mine, column])
    C = cond.TermTable({t: bits for (_, _, t), bits in evaluate(the_plan, table, jobs=jobs).items()})

    def check(given, target) -> dict:
        estimate, bounds = cond.theorem1_check(C, X, given, target)
        tightest = min(bounds, key=lambda b: b.bound)
        return {"estimate": estimate, "bound": tightest.bound, "partition": tightest.partition,
                "holds": estimate <= tightest.bound, "mediation": tightest.mediation,
                "redundancy_a": tightest.redundancy_a, "redundancy_b": tightest.redundancy_b}

    n = corpus.n_items
    mutual_information = C(L2) - C(L2, L)
    return {"latent": candidate.name, "column": column, "coder": coder, "features": names,
            "agreement": agreement(candidate.codes, corpus.columns[column].codes),
            "mutual_information": mutual_information, "mutual_information_per_row": mutual_information / n,
            "column_bits": C(L2), "latent_bits": C(L),
            "column_given_latent": check(L, L2), "latent_given_column": check(L2, L)}


def agreement(latent: np.ndarray, truth: np.ndarray) -> float:
    """The share of rows whose truth is the most common truth among the rows with the same latent value (purity):
    how well the latent, read through the best map from its values to the truth's, predicts the truth."""
    latent, truth = np.asarray(latent), np.asarray(truth)
    _, li = np.unique(latent, return_inverse=True)
    _, ti = np.unique(truth, return_inverse=True)
    counts = np.bincount(li.ravel() * (ti.max() + 1) + ti.ravel(),
                         minlength=(li.max() + 1) * (ti.max() + 1)).reshape(li.max() + 1, ti.max() + 1)
    return float(counts.max(axis=1).sum() / len(latent))


# -- showing it -------------------------------------------------------------------------------------------------------
def discover_rows(report: dict) -> list[dict]:
    """One flat row per candidate, best first, per row of the table (bits)."""
    return [{"rank": c["rank"], "latent": c["name"], "kind": c["kind"], "values": c["values"],
             "weak_error_per_row": round(c["per_row"]["weak_error"], 4),
             "mediation_per_row": round(c["per_row"]["mediation_error"], 4),
             "worst_weak_redundancy_per_row": round(c["per_row"]["worst_redundancy"]["weak"], 4),
             "chosen_k": c.get("chosen_by_code_length")} for c in report["candidates"]]


def discover_text(report: dict) -> str:
    """The readable form: the ranking, then the comparison with a given column if one was asked for."""
    from .report import render_rows

    corpus, method = report["corpus"], report["method"]
    lines = [f"{corpus['source']}: {corpus['n_items']:,} rows, {len(corpus['columns'])} columns; coder "
             f"{method['coder']}, K up to {method['k_max']}, seed {method['seed']}; errors cross-fitted over two "
             "halves, in bits per row; ranked by weak error (mediation + worst weak redundancy)",
             render_rows(discover_rows(report), "table")]
    best = report["candidates"][0]
    lines.append(f"most natural: {best['name']} ({best['values']} values), weak error "
                 f"{best['per_row']['weak_error']:.3f} bits/row")
    if "kept" in report:
        lines.append(f"kept: {report['kept']['latent']} written to {report['kept']['path']}")
    if "compare" in report:
        c = report["compare"]
        lines.append(f"against {c['column']}: agreement {c['agreement']:.1%}, mutual information "
                     f"{c['mutual_information_per_row']:.3f} bits/row")
        for key, label in (("column_given_latent", f"C({c['column']} | Λ)"),
                           ("latent_given_column", f"C(Λ | {c['column']})")):
            check = c[key]
            lines.append(f"  Theorem 1: {label} = {check['estimate']:,.1f} bits, bound {check['bound']:,.1f} "
                         f"({check['partition']}): {'holds' if check['holds'] else 'does not hold'}")
    return "\n".join(lines)


def plot_discovery(report: dict, path) -> None:
    """The errors per row of the learned latents against K, and the ranking of the best candidates; written
    atomically (the ``plot`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise NatlatError("--plot needs matplotlib: pip install 'natlat_compress[plot]'") from None
    from .report import write_atomic

    candidates = report["candidates"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for kind, colour in (("latent_classes", "C0"), ("gaussian_mixture", "C1")):
        family = sorted((c for c in candidates if c["kind"] == kind), key=lambda c: c["K"])
        if not family:
            continue
        ks = [c["K"] for c in family]
        for key, style, label in (("weak_error", "-", "weak error"), ("mediation_error", "--", "mediation"),
                                  (None, ":", "worst weak redundancy")):
            values = [c["per_row"][key] if key else c["per_row"]["worst_redundancy"]["weak"] for c in family]
            left.plot(ks, values, style, color=colour, marker="o", ms=3, label=f"{kind.replace('_', ' ')}: {label}")
        chosen = [c for c in family if c.get("chosen_by_code_length")]
        for c in chosen:
            left.axvline(c["K"], color=colour, lw=0.6, alpha=0.5)
    left.axhline(0, color="0.5", lw=0.5)
    left.set_xlabel("K (vertical line: K chosen by held-out code length)")
    left.set_ylabel("bits per row (cross-fitted)")
    left.legend(fontsize=7)
    shown = candidates[:15][::-1]
    right.barh([c["name"] for c in shown], [c["per_row"]["weak_error"] for c in shown],
               color=["C0" if c["kind"] == "latent_classes" else "C1" if c["kind"] == "gaussian_mixture"
                      else "C2" if c["kind"] == "merge" else "0.6" for c in shown])
    right.set_xlabel("weak error, bits per row (lower is more natural)")
    right.tick_params(axis="y", labelsize=7)
    right.set_title("candidates, best at the top")
    fig.suptitle(f"natlat discover: {report['corpus']['source']}", fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=110)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
