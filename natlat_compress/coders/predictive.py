"""The model coders' predictive distributions, row by row: what a decoder would compute, exposed for checking.

Every code length of :mod:`natlat_compress.coders.models` is ``Σ_t −log2 P(x_t | x_<t)`` for some sequential predictive
``P`` (THEORY.md §3). The functions here return that ``P`` as an array over the whole alphabet for every row — built from
the same primitives as the code lengths, never from the future rows — so tests can check Kraft (each row's
probabilities sum to one), additivity (their ``−log2`` at the coded symbols sums to the reported length) and
achievability (an arithmetic coder driven by them decodes the table back, :mod:`natlat_compress.coders.arith`).

Shapes: a column's predictive is ``(n, k)``; a row of several columns has one joint symbol, the mixed-radix value of
its cells with the first column most significant (:func:`joint_codes`), and a predictive ``(n, K_1·…·K_m)``. Memory is
n times the alphabet: these are for checking small tables, not for scoring big ones. A numeric column's predictive is
an object with one distribution per row over the unbounded grid of width δ (:class:`StudentTGrid`,
:class:`HistogramGrid`, :class:`CopulaGrid`; section "numeric columns" below).
"""

from __future__ import annotations

from typing import Sequence

import itertools
import math

import numpy as np

from .ctw import ctw_bits, ctw_depth
from .models import LATENT_CLASS_SIZES, _NaiveBayesParts, latent_class_fits, merge_pair
from .numeric import (COPULA_FIRST_ROW, COPULA_MAX_REGRESSORS, COPULA_SCALE_FLOOR, HISTOGRAM_BINS, KRAFT_SLACK_BITS,
                      MAX_INDICATORS, MAX_REGRESSION_CELLS, REGRESSION_GROWTH, SCALE_FLOOR_CELLS, _log_gamma,
                      _log_normal_cdf,
                      _numeric_regressors, class_gaussian_log_likelihood, copula_knots, copula_scores,
                      normal_cell_log_probability)

__all__ = ["kt_predictive", "kt_predictive_by_context", "nb_predictive", "latent_class_predictive",
           "mixture_predictive", "chain_predictive", "joint_codes", "code_length", "link_class_predictives",
           "ctw_predictive", "context_tree_class_predictive", "joint_class_predictives",
           "StudentTGrid", "HistogramGrid", "student_t_cdf", "student_t_cell_predictive", "regression_predictive",
           "histogram_predictive", "CopulaGrid", "copula_predictive", "grid_bits", "numeric_link_class",
           "numeric_link_class_bits", "gaussian_class_predictive"]

Column = tuple[np.ndarray, int]


def joint_codes(columns: Sequence[Column]) -> tuple[np.ndarray, int]:
    """Each row's cells as one symbol (mixed radix, first column most significant) and the joint alphabet size."""
    codes = np.zeros(len(columns[0][0]), dtype=np.int64)
    size = 1
    for column, k in columns:
        codes = codes * k + column
        size *= k
    return codes, size


def code_length(predictive: np.ndarray, symbols: np.ndarray) -> float:
    """``Σ_t −log2 P_t(x_t)`` in bits: the code length a predictive gives the symbols it was asked about."""
    return float(-np.log2(predictive[np.arange(len(symbols)), symbols]).sum())


def kt_predictive(target: np.ndarray, k: int, context: np.ndarray | None = None, n_contexts: int = 1) -> np.ndarray:
    """KT (Dirichlet ½) per row: ``(n_ca + ½) / (N_c + K/2)`` with the counts of the earlier rows in the row's context
    (THEORY.md §3); the sequential form of :func:`~natlat_compress.coders.models.kt_bits`."""
    n = len(target)
    if context is None:
        context = np.zeros(n, dtype=np.int64)
    order = np.argsort(context, kind="stable")  # rows grouped by context, in row order within a group
    one_hot = np.zeros((n, k))
    one_hot[np.arange(n), target[order]] = 1.0
    before = np.cumsum(one_hot, axis=0) - one_hot  # counts over the earlier rows of every group before this one
    sorted_context = context[order]
    group_start = np.searchsorted(sorted_context, sorted_context, side="left")
    before -= before[group_start]  # ... less those of the groups before: the earlier rows of this row's context
    counts = np.empty_like(before)
    counts[order] = before
    return (counts + 0.5) / (counts.sum(axis=1, keepdims=True) + k / 2)


def kt_predictive_by_context(target: np.ndarray, k: int, context: np.ndarray, n_contexts: int) -> np.ndarray:
    """KT per row for every context value, not only the row's own: ``out[t, c, a] = (n_ca + ½) / (N_c + K/2)`` over
    the rows before t. What a joint predictive needs when a row's context is one of its own cells."""
    n = len(target)
    one_hot = np.zeros((n, n_contexts * k))
    one_hot[np.arange(n), context * k + target] = 1.0
    counts = (np.cumsum(one_hot, axis=0) - one_hot).reshape(n, n_contexts, k)
    return (counts + 0.5) / (counts.sum(axis=2, keepdims=True) + k / 2)


def _softmax(scores: np.ndarray) -> np.ndarray:
    out = np.exp(scores - scores.max(axis=1, keepdims=True))
    return out / out.sum(axis=1, keepdims=True)


def nb_predictive(target: np.ndarray, k: int, given: Sequence[Column]) -> np.ndarray:
    """Naive Bayes per row, its statistics refreshed at the block starts; the sequential form of
    :func:`~natlat_compress.coders.models.nb_bits`."""
    return _softmax(_NaiveBayesParts(target, k).scores(list(given), 0, len(target)))


def latent_class_predictive(columns: Sequence[Column], classes: int, perks: bool = False) -> np.ndarray:
    """The prequential latent-class code per row over the joint alphabet; the sequential form of
    :func:`~natlat_compress.coders.models.latent_class_bits` (same blocks, same EM fits, same seed).

    The first rows are KT column by column (a product of marginal predictives); in block [s, 1.25 s) every row has the
    one distribution ``Σ_h π_h ∏_i θ_hi`` fitted on rows [0, s)."""
    n = len(columns[0][0])
    out = np.ones((n, 1))
    for codes, k in columns:  # an outer product per column keeps the first column most significant
        out = (out[:, :, None] * kt_predictive(codes, k)[:, None, :]).reshape(n, -1)
    for start, stop, log_prior, log_theta in latent_class_fits(columns, classes, perks):
        joint = np.exp(log_prior)[None, :]  # (joint values so far, classes)
        for table in log_theta:
            joint = (joint[:, None, :] * np.exp(table)[None, :, :]).reshape(-1, classes)
        out[start:stop] = joint.sum(axis=1)
    return out


def mixture_predictive(members: Sequence[np.ndarray], symbols: np.ndarray) -> np.ndarray:
    """The Bayesian mixture of predictives with equal prior weights, row by row: ``Σ_m w_m P_m`` with
    ``w_m ∝ 2^(−C_m(x_<t))``, the members' code lengths of the earlier rows.

    Its code length is ``−log2 Σ_m 2^(−C_m) / |members|``; the coders' mixtures divide by a class of M ≥ |members|
    instead, which adds ``log2(M / |members|)`` bits."""
    stacked = np.stack(members)  # (members, n, alphabet)
    n = len(symbols)
    log_seen = np.log2(stacked[:, np.arange(n), symbols])
    log_weight = np.cumsum(log_seen, axis=1) - log_seen  # the earlier rows only
    weight = np.exp2(log_weight - log_weight.max(axis=0))
    return np.einsum("mt,mta->ta", weight, stacked) / weight.sum(axis=0)[:, None]


def chain_predictive(targets: Sequence[Column], given: Sequence[Column] = ()) -> np.ndarray:
    """The chain of ``model`` link mixtures over the targets' joint alphabet: target i given ``given`` and targets < i
    of the same row by the uniform mixture of KT given nothing, each single and each pair of those columns (the links of
    a several-column term, and the chain member of a joint one).

    Each link member's weight comes from the rows before (their actual cells); its prediction is taken at the context
    every joint value of the row would give. Where a link has at most two columns before it, this is exactly the class
    the coder evaluates; with more, the coder evaluates the best pair only and this mixture is a shorter code."""
    n, n_given = len(targets[0][0]), len(given)
    columns = list(given) + list(targets)
    sizes = [k for _, k in targets]
    digits = np.indices(sizes).reshape(len(sizes), -1)  # digits[i, v]: target i's cell in joint value v
    out = np.ones((n, digits.shape[1]))
    for i, (codes, k) in enumerate(targets):
        earlier = range(n_given + i)
        # per row, a joint value agreeing with the row's targets up to i (the link's own prediction is read there)
        actual = np.ravel_multi_index([t[0] if j <= i else np.zeros(n, np.int64) for j, t in enumerate(targets)],
                                      sizes)
        subsets: list[list[int]] = [[]] + [[a] for a in earlier] + [[a, b] for a in earlier for b in earlier if a < b]
        log_weights, predicted = [], []
        for subset in subsets:
            context, size = joint_codes([columns[a] for a in subset]) if subset else (np.zeros(n, np.int64), 1)
            by_context = kt_predictive_by_context(codes, k, context, size)
            seen = np.log2(by_context[np.arange(n), context, codes])
            log_weights.append(np.cumsum(seen) - seen)  # the member's code length of the earlier rows
            value_context = np.zeros((n, digits.shape[1]), dtype=np.int64)  # the context each joint value gives
            for a in subset:
                cell = columns[a][0][:, None] if a < n_given else digits[a - n_given][None, :]
                value_context = value_context * columns[a][1] + cell
            predicted.append(by_context[np.arange(n)[:, None], value_context, digits[i][None, :]])
        log_weight = np.array(log_weights)
        weight = np.exp2(log_weight - log_weight.max(axis=0))
        link = np.einsum("mt,mtv->tv", weight, np.array(predicted)) / weight.sum(axis=0)[:, None]
        if len(earlier) >= 2:  # beside the compact members, the context-tree half (prior ½ each, #14)
            tree = _chain_tree_link(codes, k, [columns[a] for a in earlier], n_given, digits, i)
            link = mixture_predictive([link, tree], actual)
        out *= link
    return out


def _chain_tree_link(codes: np.ndarray, k: int, earlier: Sequence[Column], n_given: int, digits: np.ndarray,
                     i: int) -> np.ndarray:
    """A chain link's context-tree half at every joint value of each row: CTW of target ``i`` over every order of
    ``ctw_depth`` earlier columns (uniform over the orders, weighted by their code lengths of the earlier rows), the
    earlier targets' cells taken from the joint value. ``rows × values × orders`` prefix evaluations."""
    n, values = len(codes), digits.shape[1]
    depth = ctw_depth(n, [kc for _, kc in earlier])
    members = []
    for order in itertools.permutations(range(len(earlier)), depth):
        out = np.empty((n, values))
        trial = np.array(codes, dtype=np.int64)
        cells = [np.array(earlier[a][0], dtype=np.int64) for a in order]
        before = 0.0
        for t in range(n):  # a reference, row by row (see ctw_predictive)
            for v in range(values):
                for c, a in zip(cells, order):
                    if a >= n_given:  # an earlier target: its cell in this joint value
                        c[t] = digits[a - n_given][v]
                trial[t] = digits[i][v]
                out[t, v] = ctw_bits(trial[:t + 1], k, [(c[:t + 1], earlier[a][1]) for c, a in zip(cells, order)])
            for c, a in zip(cells, order):  # the row's actual cells, for the rows after it
                c[t] = earlier[a][0][t]
            trial[t] = codes[t]
            actual_v = next(v for v in range(values) if all(
                digits[a - n_given][v] == earlier[a][0][t] for a in range(n_given, len(earlier)))
                and digits[i][v] == codes[t])
            lengths = out[t].copy()
            out[t] = np.exp2(before - lengths)
            before = lengths[actual_v]
        members.append(out)
    # the joint value each row actually has, as far as targets <= i go (later targets' digits do not matter here)
    actual = np.array([next(v for v in range(values) if all(
        digits[a - n_given][v] == earlier[a][0][t] for a in range(n_given, len(earlier))) and digits[i][v] == codes[t])
        for t in range(n)])
    return mixture_predictive(members, actual)


def link_class_predictives(table, target: str, given: Sequence[str], naive_bayes: bool) -> list[np.ndarray]:
    """Every member of the class a ``model`` link mixture stands for (not only those it evaluates): KT given nothing,
    given each column and each pair of ``given``; with ``naive_bayes`` (one-column targets), naive Bayes over all of
    them if two or more and over all with each pair merged if three or more. Their uniform mixture codes the target in
    at most the reported bits, since the coder drops members and keeps the class size."""
    codes, k = table[target]
    given = list(given)
    members = [kt_predictive(codes, k)]
    singles = [[g] for g in given]
    pairs = [[a, b] for i, a in enumerate(given) for b in given[i + 1:]]
    for names in singles + pairs:
        context, size = joint_codes([table[g] for g in names])
        members.append(kt_predictive(codes, k, context, size))
    if naive_bayes and len(given) >= 2:
        columns = [table[g] for g in given]
        members.append(nb_predictive(codes, k, columns))
        if len(given) >= 3:
            members += [nb_predictive(codes, k, merge_pair(columns, (i, j)))
                        for i in range(len(given)) for j in range(i + 1, len(given))]
    return members


def joint_class_predictives(columns: Sequence[Column]) -> list[np.ndarray]:
    """The latent-class members of a ``model`` joint term's class, over the joint alphabet: H = 2, 4, 8, 16 on the
    columns and on the columns with each pair merged (merging keeps the joint alphabet's order), each with ½ and with
    Perks' 1/K smoothing of its emission tables."""
    n_rows, n = len(columns[0][0]), len(columns)
    sizes = [k for _, k in columns]
    members = [latent_class_predictive(columns, h, perks) for perks in (False, True) for h in LATENT_CLASS_SIZES]
    for i in range(n) if n >= 3 else ():
        for j in range(i + 1, n):
            # merge_pair puts the pair in the first one's place: its joint symbols list the columns in this order
            order = [c for m in range(n) if m != j for c in ((i, j) if m == i else (m,))]
            for h, perks in itertools.product(LATENT_CLASS_SIZES, (False, True)):
                merged = latent_class_predictive(merge_pair(columns, (i, j)), h, perks)
                members.append(merged.reshape(n_rows, *[sizes[c] for c in order])
                               .transpose(0, *[1 + order.index(c) for c in range(n)]).reshape(n_rows, -1))
    return members


def ctw_predictive(target: np.ndarray, k: int, columns: Sequence[Column]) -> np.ndarray:
    """Context-tree weighting per row, from its code lengths of prefixes: ``P(a | x_<t) = 2^(C(x_<t) − C(x_<t a))``
    with the given columns' cells of those rows. CTW is prefix-consistent (every node's weighted probability sums over
    the next symbol to its own), so each row sums to one and the rows' lengths add up to ``ctw_bits`` of the whole.
    A reference, not a fast path: ``rows × k`` closed-form evaluations."""
    n = len(target)
    out = np.empty((n, k))
    before = 0.0
    trial = np.array(target, dtype=np.int64)
    for t in range(n):  # a loop over rows: this spells the code out row by row, which the coder never does
        cut = [(codes[:t + 1], kc) for codes, kc in columns]
        lengths = []
        for a in range(k):
            trial[t] = a
            lengths.append(ctw_bits(trial[:t + 1], k, cut))
        trial[t] = target[t]
        out[t] = np.exp2(before - np.array(lengths))
        before = lengths[int(target[t])]
    return out


def context_tree_class_predictive(table, target: str, given: Sequence[str]) -> np.ndarray:
    """The context-tree half of a ``model`` link given two or more columns, over its whole class: the uniform mixture
    of CTW over every order of ``ctw_depth`` distinct given columns (the coder evaluates one order and charges log2 of
    their number, so its length is at least this mixture's)."""
    codes, k = table[target]
    depth = ctw_depth(len(codes), [table[g][1] for g in given])
    members = [ctw_predictive(codes, k, [table[g] for g in order]) for order in itertools.permutations(given, depth)]
    return mixture_predictive(members, codes)


# -- numeric columns: each row's distribution over the grid of width δ -------------------------------------------------
# A numeric value y is coded as its grid position j = y/δ (an integer: δ is the data's own precision); the members of
# coders/numeric.py charge −log2(f(y)·δ) for a predictive density f, or a histogram bin's probability spread uniformly
# over its grid cells. The classes below hold those distributions row by row, re-derived here from the formulas the
# numeric module cites (not from its functions), so that a test comparing the two checks the formulas too.

TAIL_SCALES = 64.0  # the part of a Student-t's grid spelt out for an arithmetic coder: location ± 64 scales ...
MAX_HALF_WIDTH = 1 << 15  # ... at most this many cells either side; the rest is reached through an escape


class StudentTGrid:
    """Per row, the Student-t density ``f`` (location, scale, degrees of freedom) taken on the grid: cell j has
    probability ``f(jδ)·δ / (1 + 1e-6)``, the midpoint rule with numeric.py's Kraft slack. Scales below 2δ are raised to
    2δ, as numeric.py does (its Poisson-summation bound needs it)."""

    def __init__(self, loc: np.ndarray, scale: np.ndarray, dof: np.ndarray, delta: float) -> None:
        self.delta = float(delta)
        self.loc = np.asarray(loc, dtype=np.float64)
        self.scale = np.maximum(np.asarray(scale, dtype=np.float64), SCALE_FLOOR_CELLS * self.delta)
        self.dof = np.asarray(dof, dtype=np.float64)
        self.header_bits = 0.0
        self.condition = 1.0  # a regression's worst condition number of A (see regression_predictive)
        self._norm = _log_gamma((self.dof + 1) / 2) - _log_gamma(self.dof / 2) - 0.5 * np.log(self.dof * math.pi)

    def __len__(self) -> int:
        return len(self.loc)

    def _log2_probability(self, values: np.ndarray, rows) -> np.ndarray:
        """``log2(f(value)·δ) − slack`` under the distributions of ``rows`` (an index or a slice)."""
        z = (np.asarray(values, dtype=np.float64) - self.loc[rows]) / self.scale[rows]
        nu = self.dof[rows]
        log_density = self._norm[rows] - np.log(self.scale[rows]) - (nu + 1) / 2 * np.log1p(z * z / nu)
        return (log_density + math.log(self.delta)) / math.log(2) - KRAFT_SLACK_BITS

    def log2_cells(self, row: int, positions: np.ndarray) -> np.ndarray:
        """``log2 P(j)`` at row ``row`` for the grid positions j."""
        return self._log2_probability(np.asarray(positions, dtype=np.float64) * self.delta, row)

    def row_bits(self, values: np.ndarray) -> np.ndarray:
        """``−log2 P`` of each row's own value, in bits: what numeric.py charges the row."""
        return -self._log2_probability(values, slice(None))

    def window(self, row: int) -> tuple[int, int]:
        """The grid positions ``[lo, hi)`` spelt out for an arithmetic coder: location ± ``TAIL_SCALES`` scales."""
        centre = int(round(self.loc[row] / self.delta))
        half = int(min(MAX_HALF_WIDTH, math.ceil(TAIL_SCALES * self.scale[row] / self.delta)))
        return centre - half, centre + half + 1

    def tail_mass(self, row: int, below: float, above: float) -> float:
        """``P(X < below) + P(X > above)`` for the row's continuous Student-t (its CDF, :func:`student_t_cdf`)."""
        lo = (below - self.loc[row]) / self.scale[row]
        hi = (above - self.loc[row]) / self.scale[row]
        return float(student_t_cdf(lo, self.dof[row]) + 1 - student_t_cdf(hi, self.dof[row]))

    def take(self, rows: np.ndarray) -> "StudentTGrid":
        return StudentTGrid(self.loc[rows], self.scale[rows], self.dof[rows], self.delta)

    @staticmethod
    def scatter(parts: Sequence[tuple[np.ndarray, "StudentTGrid"]], n: int, delta: float) -> "StudentTGrid":
        """One grid predictive of ``n`` rows from predictives of disjoint row sets (a regression per context cell)."""
        loc, scale, dof = np.empty(n), np.empty(n), np.empty(n)
        for rows, part in parts:
            loc[rows], scale[rows], dof[rows] = part.loc, part.scale, part.dof
        out = StudentTGrid(loc, scale, dof, delta)
        out.condition = max([part.condition for _, part in parts], default=1.0)
        return out


def student_t_cdf(t: float, dof: float) -> float:
    """``P(T ≤ t)`` for Student's t with an integer number of degrees of freedom, in closed form (Abramowitz & Stegun
    26.7.3–4: with θ = atan(t/√ν), a finite series in cos θ)."""
    nu = int(round(dof))
    theta = math.atan(t / math.sqrt(nu))
    s, c = math.sin(theta), math.cos(theta)
    if nu % 2:  # odd: (2/π)(θ + sin θ (cos θ + (2/3) cos³ θ + … ))
        series, term = 0.0, c
        for k in range(1, (nu - 1) // 2 + 1):
            series += term
            term *= c * c * (2 * k) / (2 * k + 1)
        central = 2 / math.pi * (theta + s * series)
    else:  # even: sin θ (1 + ½ cos² θ + (1·3)/(2·4) cos⁴ θ + … )
        series, term = 0.0, 1.0
        for k in range(1, nu // 2 + 1):
            series += term
            term *= c * c * (2 * k - 1) / (2 * k)
        central = s * series
    return 0.5 + central / 2  # central = P(|T| ≤ t) signed by t


class HistogramGrid:
    """Per row, a quantile histogram's distribution: the bin's probability (``bin_probabilities``, KT) spread uniformly
    over its grid cells ``[edges[b], edges[b+1])``; nothing outside ``[edges[0], edges[-1])``. The edges are a header
    sent before the rows: Elias-γ codes of the number of edges, the least position (zig-zag) and the edges' gaps."""

    def __init__(self, edges: np.ndarray, bin_probabilities: np.ndarray, delta: float) -> None:
        self.edges = np.asarray(edges, dtype=np.int64)
        self.bin_probabilities = bin_probabilities
        self.delta = float(delta)
        lowest = int(self.edges[0])
        self.header = [len(self.edges), 2 * abs(lowest) + (lowest < 0) + 1, *np.diff(self.edges).tolist()]
        self.header_bits = float(sum(2 * (int(v).bit_length() - 1) + 1 for v in self.header))

    def __len__(self) -> int:
        return len(self.bin_probabilities)

    def log2_cells(self, row: int, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        inside = (positions >= self.edges[0]) & (positions < self.edges[-1])
        bins = np.clip(np.searchsorted(self.edges, positions, side="right") - 1, 0, len(self.edges) - 2)
        with np.errstate(divide="ignore"):
            return np.where(inside, np.log2(self.bin_probabilities[row, bins]) - np.log2(np.diff(self.edges)[bins]),
                            -np.inf)

    def row_bits(self, values: np.ndarray) -> np.ndarray:
        positions = np.rint(np.asarray(values) / self.delta).astype(np.int64)
        bins = np.searchsorted(self.edges, positions, side="right") - 1
        return -np.log2(self.bin_probabilities[np.arange(len(positions)), bins]) + np.log2(np.diff(self.edges)[bins])

    def window(self, row: int) -> tuple[int, int]:
        return int(self.edges[0]), int(self.edges[-1])


class CopulaGrid:
    """Per row, numeric.py's Gaussian-copula member: the grid cell ``[(j − ½)δ, (j + ½)δ)`` mapped through the row's
    marginal ``z = Φ⁻¹(F(v))`` (knots and CDF values from the earlier rows) has the Gaussian mass of that interval
    under ``N(location, scale²)``, divided by ``1 + 1e-6``; rows the member does not code take ``fallback``'s."""

    def __init__(self, fallback: StudentTGrid, delta: float) -> None:
        self.fallback = fallback
        self.delta = float(delta)
        self.header_bits = 0.0
        self.block = np.full(len(fallback), -1)  # each row's block (-1: the fallback's row)
        self.marginals: list[tuple[np.ndarray, np.ndarray]] = []
        self.location = np.zeros(len(fallback))
        self.scale = np.ones(len(fallback))
        self.condition = 1.0  # the worst condition number of a block's A (see regression_predictive)

    def __len__(self) -> int:
        return len(self.fallback)

    def _log2_cell(self, rows: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """``log2 P`` of grid position ``positions[i]`` at row ``rows[i]`` (copula rows, one block at a time)."""
        out = np.empty(len(rows))
        for b in np.unique(self.block[rows]).tolist():
            mine = self.block[rows] == b
            knots, cdf = self.marginals[b]
            at = positions[mine] * self.delta
            low, high = (copula_scores(knots, cdf, at + side * self.delta / 2) for side in (-1, 1))
            location, scale = self.location[rows[mine]], self.scale[rows[mine]]
            out[mine] = normal_cell_log_probability((low - location) / scale, (high - location) / scale) / math.log(2)
        return out - KRAFT_SLACK_BITS

    def log2_cells(self, row: int, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.float64)
        if self.block[row] < 0:
            return self.fallback.log2_cells(row, positions)
        return self._log2_cell(np.full(len(positions), row), positions)

    def row_bits(self, values: np.ndarray) -> np.ndarray:
        out = self.fallback.row_bits(values)
        coded = np.flatnonzero(self.block >= 0)
        out[coded] = -self._log2_cell(coded, np.rint(np.asarray(values)[coded] / self.delta))
        return out

    def _value_at(self, row: int, z: float) -> float:
        """The value v with ``Φ⁻¹(F(v)) = z`` under the row's marginal (the inverse of numeric.py's tails too)."""
        knots, cdf = self.marginals[self.block[row]]
        log_p = float(_log_normal_cdf(np.array([-abs(z)]))[0])  # ln Φ(−|z|): the tail mass on z's side
        if z <= 0:
            if log_p >= math.log(cdf[0]):
                return float(np.interp(math.exp(log_p), cdf, knots))
            w = cdf[0] * (knots[1] - knots[0]) / (cdf[1] - cdf[0])
            return float(knots[0] + w * (log_p - math.log(cdf[0])))
        if log_p >= math.log(1 - cdf[-1]):
            return float(np.interp(1 - math.exp(log_p), cdf, knots))
        w = (1 - cdf[-1]) * (knots[-1] - knots[-2]) / (cdf[-1] - cdf[-2])
        return float(knots[-1] - w * (log_p - math.log(1 - cdf[-1])))

    def window(self, row: int) -> tuple[int, int]:
        """The grid positions whose cells lie within ``TAIL_SCALES`` / 4 standard deviations of the location on the
        normal-score scale (at most ``MAX_HALF_WIDTH`` cells either side of the centre)."""
        if self.block[row] < 0:
            return self.fallback.window(row)
        reach = TAIL_SCALES / 4 * self.scale[row]
        lo, hi = (self._value_at(row, self.location[row] + side * reach) / self.delta for side in (-1, 1))
        centre = int(round(self._value_at(row, self.location[row]) / self.delta))
        return max(math.floor(lo), centre - MAX_HALF_WIDTH), min(math.ceil(hi) + 1, centre + MAX_HALF_WIDTH + 1)

    def tail_mass(self, row: int, below: float, above: float) -> float:
        """``P(V < below) + P(V > above)`` for the row's continuous distribution (the copula rows only)."""
        knots, cdf = self.marginals[self.block[row]]
        low, high = (float((copula_scores(knots, cdf, np.array([v]))[0] - self.location[row]) / self.scale[row])
                     for v in (below, above))
        return 0.5 * math.erfc(-low / math.sqrt(2)) + 0.5 * math.erfc(high / math.sqrt(2))  # Φ(low) + 1 − Φ(high)


def copula_predictive(y: np.ndarray, design: np.ndarray, delta: float, fallback: StudentTGrid) -> CopulaGrid:
    """numeric.py's Gaussian-copula member row by row: blocks [s, e) from row ``COPULA_FIRST_ROW``, growing by 25 %;
    in each, the marginal from rows [0, s) (knots and mid-rank CDF), each row's normal score ``Φ⁻¹F(y)`` under its own
    block's marginal, the scores of the earlier scored rows regressed on the design (a direct solve with the ridge; at
    least d + 2 of them, else the fallback's rows), a row's location ``zᵀβ̂`` and scale ``√(SSR/(m − d)·(1 + zᵀA⁻¹z))``
    (at least ``COPULA_SCALE_FLOOR``)."""
    n, d = design.shape
    out = CopulaGrid(fallback, delta)
    scores = np.full(n, np.nan)
    s = min(COPULA_FIRST_ROW, n)
    while s < n:
        e = min(n, max(s + 1, math.ceil(s * REGRESSION_GROWTH)))
        knots, cdf = copula_knots(y[:s])
        earlier = np.flatnonzero(~np.isnan(scores[:s]))
        if len(knots) >= 2:
            scores[s:e] = copula_scores(knots, cdf, y[s:e])
            if len(earlier) >= d + 2:
                z, target = design[earlier], scores[earlier]
                gram = z.T @ z
                gram += 1e-10 * max(float(np.trace(gram)) / d, 1e-300) * np.eye(d)
                out.condition = max(out.condition, float(np.linalg.cond(gram)))
                coef = np.linalg.solve(gram, z.T @ target)
                residual = float(((target - z @ coef) ** 2).sum())
                rows = design[s:e]
                leverage = (rows * np.linalg.solve(gram, rows.T).T).sum(axis=1)
                out.block[s:e] = len(out.marginals)
                out.marginals.append((knots, cdf))
                out.location[s:e] = rows @ coef
                out.scale[s:e] = np.maximum(np.sqrt(residual / (len(earlier) - d) * (1 + leverage)),
                                            COPULA_SCALE_FLOOR)
        s = e
    return out


def _exclusive_cumsum(values: np.ndarray) -> np.ndarray:
    """Sums over the rows before each row (axis 0). Not ``cumsum − values``: that rounds with the row's own value in,
    and a decoder, which has not seen it yet, would round differently."""
    out = np.zeros_like(values)
    np.cumsum(values[:-1], axis=0, out=out[1:])
    return out


def student_t_cell_predictive(y: np.ndarray, delta: float, context: np.ndarray | None = None) -> StudentTGrid:
    """The Normal–inverse-gamma code per context cell (numeric.py's Student-t member), from Murphy (2007), §3, in its
    textbook form: after m earlier rows of the cell with mean x̄ and squared deviations SS, and the prior
    μ0 = mean, β0 = variance of all earlier rows (κ0 = α0 = 1): ``κ = 1 + m``, ``μ = (μ0 + m x̄)/κ``, ``α = 1 + m/2``,
    ``β = β0 + SS/2 + m (x̄ − μ0)²/(2κ)``, Student-t with ``ν = 2α`` and scale² ``β(κ + 1)/(ακ)``. Row 0: ν = 2,
    location 0, scale 1; row 1's prior variance is ``max(|y0|, δ)²``. Per-cell sums from one-hot cumulative sums."""
    n = len(y)
    context = np.zeros(n, dtype=np.int64) if context is None else np.asarray(context, dtype=np.int64)
    shifted = y - y[0] if n else y  # sums of the values less the first, for accuracy (the decoder knows y[0] first)
    one_hot = np.zeros((n, int(context.max()) + 1 if n else 1))
    one_hot[np.arange(n), context] = 1.0
    m = _exclusive_cumsum(one_hot)[np.arange(n), context]
    s1 = _exclusive_cumsum(one_hot * shifted[:, None])[np.arange(n), context]
    s2 = _exclusive_cumsum(one_hot * shifted[:, None] ** 2)[np.arange(n), context]
    rows = np.maximum(np.arange(n), 1)
    prior_mean = _exclusive_cumsum(shifted) / rows
    prior_var = np.maximum(_exclusive_cumsum(shifted ** 2) / rows - prior_mean ** 2, delta ** 2)
    if n > 1:
        prior_var[1] = max(abs(y[0]), delta) ** 2
    mean = s1 / np.maximum(m, 1)
    squares = np.maximum(s2 - m * mean ** 2, 0.0)
    kappa, alpha = 1 + m, 1 + m / 2
    mu = (prior_mean + m * mean) / kappa
    beta = prior_var + squares / 2 + m * (mean - prior_mean) ** 2 / (2 * kappa)
    loc = mu + (y[0] if n else 0.0)
    scale = np.sqrt(beta * (kappa + 1) / (alpha * kappa))
    dof = 2 * alpha
    if n:
        loc[0], scale[0], dof[0] = 0.0, 1.0, 2.0
    return StudentTGrid(loc, scale, dof, delta)


def regression_predictive(y: np.ndarray, design: np.ndarray, delta: float, fallback: StudentTGrid) -> StudentTGrid:
    """numeric.py's sequential Bayesian regression (reference prior, Gelman et al. *BDA* §14.2) row by row: in the block
    [s, e) (s from d + 2, growing by 25 %), least squares on rows [0, s) with numeric.py's ridge of 1e-10 of the mean
    diagonal, Student-t with ``ν = s − d``, location ``zᵀβ̂``, scale² ``SSR/ν · (1 + zᵀ A⁻¹ z)``; the first d + 2 rows
    from ``fallback``. A direct solve per block, not numeric.py's running sums: where A is near-singular (collinear
    columns: a given column constant among the earlier rows) the two round differently and the ridge amplifies it, so
    the worst condition number of A met is kept as ``condition``."""
    n, d = design.shape
    first = min(d + 2, n)
    loc, scale, dof = fallback.loc.copy(), fallback.scale.copy(), fallback.dof.copy()
    shifted = y - y[0] if n else y
    condition = 1.0
    s = first
    while s < n:
        e = min(n, max(s + 1, math.ceil(s * REGRESSION_GROWTH)))
        z, target = design[:s], shifted[:s]
        gram = z.T @ z
        gram += 1e-10 * max(float(np.trace(gram)) / d, 1e-300) * np.eye(d)
        condition = max(condition, float(np.linalg.cond(gram)))
        coef = np.linalg.solve(gram, z.T @ target)
        residual = float(((target - z @ coef) ** 2).sum())
        rows = design[s:e]
        leverage = (rows * np.linalg.solve(gram, rows.T).T).sum(axis=1)
        loc[s:e] = rows @ coef + y[0]
        scale[s:e] = np.sqrt(residual / (s - d) * (1 + leverage))
        dof[s:e] = s - d
        s = e
    out = StudentTGrid(loc, scale, dof, delta)
    out.condition = condition
    return out


def histogram_predictive(y: np.ndarray, delta: float, bins: int, context: np.ndarray | None = None,
                         n_contexts: int = 1, edges: np.ndarray | None = None) -> HistogramGrid:
    """numeric.py's quantile histogram with at most ``bins`` bins (Kontkanen & Myllymäki 2007): inner edges at the
    grid positions of ranks ⌊i·n/bins⌋ (distinct, above the least), bins by KT given ``context``. With ``edges`` (a
    decoder's, read from the header) each row's bin comes from the rows before it only."""
    grid = np.rint(y / delta).astype(np.int64)
    if edges is None:
        ordered = np.sort(grid)
        inner = np.unique(ordered[(np.arange(1, bins) * len(grid)) // bins])
        edges = np.r_[ordered[0], inner[inner > ordered[0]], ordered[-1] + 1]
    codes = np.clip(np.searchsorted(edges, grid, side="right") - 1, 0, len(edges) - 2)
    return HistogramGrid(edges, kt_predictive(codes, len(edges) - 1, context, n_contexts), delta)


def grid_bits(member: StudentTGrid | HistogramGrid, values: np.ndarray) -> float:
    """A numeric member's code length of ``values`` (one a row), its header included, in bits."""
    return member.header_bits + float(member.row_bits(values).sum())


def numeric_link_class(table, target: str, given: Sequence[str],
                       edges: np.ndarray | None = None) -> tuple[list, int]:
    """The members of the mixture ``model`` codes a numeric target's present values with, over the whole class the
    mixture stands for (coders/numeric.py's docstring), and the class size ``M``.

    Members: Student-t; quantile histograms with 2..64 bins; given columns G: Student-t per joint value of G's
    categorical columns, a regression per such value (when G has numeric columns too and at most 32 values), the
    regressions on indicators and standardised numeric columns and on their normal scores, and the histograms given the
    categorical columns with the bins of each numeric column (numeric.py evaluates the best one); the Gaussian copula
    on the indicators and normal scores of G when they are at most ``COPULA_MAX_REGRESSORS``. ``M`` counts
    1 + 6 members, with G 1 + 1 + 2 + 6 per numeric column of G (at least 6), and 1 for the copula. ``edges``: every
    histogram's edges (a decoder's, read from the header of the one member it decodes)."""
    column = table.numeric[target]
    present = ~column.missing
    y, delta = column.values[present], column.precision
    n = len(y)
    numeric_given = [g for g in given if g in table.numeric]
    categorical_given = [g for g in given if g not in table.numeric]
    marginal = student_t_cell_predictive(y, delta)
    members: list = [marginal, *(histogram_predictive(y, delta, m, edges=edges) for m in HISTOGRAM_BINS)]
    class_size = 1 + len(HISTOGRAM_BINS)
    fallback = marginal
    if given:
        class_size += 1 + 1 + 2 + len(HISTOGRAM_BINS) * max(1, len(numeric_given))
        if categorical_given:
            cells = np.unique(joint_codes([table[g] for g in categorical_given])[0][present], return_inverse=True)[1]
            fallback = student_t_cell_predictive(y, delta, cells)
            members.append(fallback)
            if numeric_given and cells.max() < MAX_REGRESSION_CELLS:
                design = np.column_stack([np.ones(n), *(x[present] for g in numeric_given
                                                        for x in _numeric_regressors(table.numeric[g], False))])
                parts = [(rows, regression_predictive(y[rows], design[rows], delta, fallback.take(rows)))
                         for rows in (np.flatnonzero(cells == c) for c in range(cells.max() + 1))]
                members.append(StudentTGrid.scatter(parts, n, delta))
        indicators = [np.eye(table[g][1])[table[g][0][present]][:, 1:] for g in categorical_given
                      if table[g][1] - 1 <= MAX_INDICATORS]
        for scores in ([False, True] if numeric_given else [False]):
            design = np.column_stack([np.ones(n), *(c for block in indicators for c in block.T),
                                      *(x[present] for g in numeric_given
                                        for x in _numeric_regressors(table.numeric[g], scores))])
            members.append(regression_predictive(y, design, delta, fallback))
        for extra in ([[g] for g in numeric_given] or [[]]):
            names = categorical_given + extra
            if names:
                context = np.unique(joint_codes([table[g] for g in names])[0][present], return_inverse=True)[1]
                members += [histogram_predictive(y, delta, m, context, int(context.max()) + 1, edges)
                            for m in HISTOGRAM_BINS]
            else:
                members += [histogram_predictive(y, delta, m, edges=edges) for m in HISTOGRAM_BINS]
    regressors = [c for g in given for c in (
        [x[present] for x in _numeric_regressors(table.numeric[g], True)] if g in table.numeric
        else list(np.eye(table[g][1])[table[g][0][present]][:, 1:].T) if table[g][1] - 1 <= MAX_INDICATORS else [])]
    if len(regressors) <= COPULA_MAX_REGRESSORS:
        members.append(copula_predictive(y, np.column_stack([np.ones(n), *regressors]), delta, fallback))
        class_size += 1
    return members, class_size


def numeric_link_class_bits(table, target: str, given: Sequence[str]) -> float:
    """``C(target | given)`` of a numeric target from :func:`numeric_link_class`: its missing indicators by KT (the
    sequential code of :func:`kt_predictive`), then ``−log2 Σ_m 2^(−C_m) / M`` over the class; at most what
    ``model`` reports, which sums over the members it evaluates only."""
    missing = table.numeric[target].missing
    indicator = code_length(kt_predictive(missing.astype(np.int64), 2), missing.astype(np.int64)) \
        if missing.any() else 0.0
    members, class_size = numeric_link_class(table, target, given)
    lengths = np.array([grid_bits(m, table.numeric[target].values[~missing]) for m in members])
    best = lengths.min()
    return indicator + float(best - np.log2(np.exp2(best - lengths).sum()) + math.log2(class_size))


def gaussian_class_predictive(table, target: str, given: Sequence[str]) -> np.ndarray:
    """A categorical target given columns some of which are numeric, per row over its alphabet: naive-Bayes factors of
    the categorical given columns times the class-conditional multivariate-t of the numeric ones (the sequential form
    of :func:`~natlat_compress.coders.numeric.gaussian_class_bits`)."""
    codes, k = table[target]
    numeric_given = [g for g in given if g in table.numeric]
    scores = _NaiveBayesParts(codes, k).scores([table[g] for g in given if g not in table.numeric], 0, len(codes))
    x = np.column_stack([_numeric_regressors(table.numeric[g], False)[0] for g in numeric_given])
    return _softmax(scores + class_gaussian_log_likelihood(x, codes, k))
