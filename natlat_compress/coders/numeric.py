"""Numeric columns for the model coders: real values coded on the grid of width δ, in the same Bayesian mixture.

A numeric column's value is coded at its precision δ (default: the data's own decimals): the probability of the value's
grid cell ``[y − δ/2, y + δ/2)`` under a predictive density f is taken as ``f(y)·δ`` (the midpoint rule). By Poisson
summation the midpoint sums of a density over any shifted grid exceed 1 by at most ``2 Σ_{m≥1} |φ(2πm/δ)|`` (φ its
characteristic function); for the Student-t predictives below, with ν ≥ 2 degrees of freedom and scale floored at 2δ,
that is below 1e-6, so every row is charged ``log2(1 + 1e-6)`` bits more and Kraft's inequality holds. Every
``−log2 δ`` then cancels in the mediation error and the weak and strong redundancies (THEORY.md §3, "Real-valued
columns"); the deterministic variants of a numeric latent keep it.

A missing value is a binary symbol (KT) coded before the value; only present values are coded, no row is dropped.

Members of the mixture for one numeric target given columns G (every one a sequential code: no row is coded with
statistics that include it), all vectorised with cumulative sums:

* **Student-t per context cell** — a Normal–inverse-gamma model per joint value of the categorical columns of G (or
  one cell): the exact Bayesian predictive of each row from the earlier rows of its cell, computed for every row at
  once from grouped cumulative sums. The prior is the pooled mean and variance of all earlier rows (one
  pseudo-observation), so it is scale-equivariant; only the first row uses a fixed Student-t (ν = 2, location 0,
  scale 1), a cost every term of the same target shares.
* **Bayesian linear regression** on an intercept, the categorical columns of G as indicators and the numeric ones
  (standardised with all rows: a given column is known to the decoder), with the reference prior ``p(β, σ²) ∝ 1/σ²``:
  a Student-t predictive with ``ν = s − d`` (Gelman et al., *Bayesian Data Analysis*, §14.2), refreshed at block
  starts (blocks 25 % longer than the rows before them; the statistics of earlier blocks only). Rows before the
  regression has ν ≥ 2 are coded by the Student-t member. A second regression uses the numeric columns' normal scores
  (ranks of all rows through Φ⁻¹), which is invariant under any monotone transform of a given column.
  With categorical and numeric columns given, a third regression is fitted per joint value of the categorical ones
  (its own slopes and variance in every cell), each cell's first rows coded by that cell's Student-t.
  The regressions of one target are made in families, each family at once (:func:`regression_bits_of_subsets`):
  given each other column alone, and given all other columns or all but one (the leave-one-out terms, from one
  eigendecomposition of the whole Gram matrix per block). Every term's bits are those of its own regression.
* **Quantile histograms** (Kontkanen & Myllymäki 2007, MDL histograms, here with KT counts and a mixture over
  resolutions 2..64): the value's bin by KT given a context (nothing; or the categorical columns of G with the quantile
  bins of the numeric given column that predicts the target best), then the grid cell uniformly within the bin. The
  bin edges are quantiles of the target's own rows, so they are paid for: Elias-γ codes of their grid positions. The
  bin part depends on ranks only, which is what keeps the precision-free estimates still under monotone transforms.
* **Gaussian copula** (terms whose design has at most ``COPULA_MAX_REGRESSORS`` columns besides the intercept): each
  row's value on the normal-score scale ``z = Φ⁻¹(F(y))`` of a marginal F fitted to the rows before its block
  (:func:`copula_marginal`; the sequential form of the copula's probability-integral transform, Joe,
  *Dependence Modeling with Copulas*, 2014, §1.5), z regressed on an intercept, the indicators of the categorical
  given columns and the normal scores of the numeric ones (:func:`copula_bits`). Its cells are not charged by the
  midpoint rule: a row's grid cell maps to an interval of z whose Gaussian mass is its probability, computed to a
  relative 5e-7 (:func:`normal_cell_log_probability`), so the cells partition the line and the same Kraft slack
  covers it. Where a table is a monotone transform of a jointly Gaussian one this is the right model: the
  regressions above see the skew or heavy tail of the target's residuals, the copula does not.

The mixture is uniform over a class fixed by the term's shape (its size counts every member the class could hold,
including the histograms given each numeric column, of which only the best is evaluated, and the copula where the
term's shape admits it): at most ``log2 M`` above its best member, as the categorical ``model`` is.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__ = ["NumericColumn", "numeric_link_bits", "student_t_cell_bits", "regression_bits", "regression_bits_of_subsets",
           "histogram_bits", "normal_quantile", "copula_knots", "copula_scores", "copula_marginal", "copula_bits",
           "normal_cell_log_probability", "CONTEXT_BINS", "HISTOGRAM_BINS"]

LN2 = math.log(2.0)
CONTEXT_BINS = 8  # quantile bins of a numeric column used as a categorical context
HISTOGRAM_BINS = (2, 4, 8, 16, 32, 64)
SCALE_FLOOR_CELLS = 2.0  # predictive scales below 2δ are raised to it (the Poisson-summation bound above)
KRAFT_SLACK_BITS = math.log2(1 + 1e-6)
REGRESSION_GROWTH = 1.25
MAX_INDICATORS = 64  # categorical given columns enter a regression as indicators up to this many in all
MAX_REGRESSION_CELLS = 32  # a regression per joint value of the categorical given columns, up to this many values
MAX_GAUSSIAN_CLASSES = 64  # class-conditional Gaussians for a categorical target of at most this many values
_lgamma = np.frompyfunc(math.lgamma, 1, 1)


class NumericColumn:
    """A numeric column for the model coders: each row's value (NaN where missing) and the precision δ."""

    def __init__(self, values: np.ndarray, precision: float) -> None:
        self.values = np.asarray(values, dtype=np.float64)
        self.precision = float(precision)
        self.missing = np.isnan(self.values)
        self._bins: tuple[np.ndarray, int] | None = None
        self.regressors: dict[bool, list[np.ndarray]] = {}  # see _numeric_regressors

    def bins(self) -> tuple[np.ndarray, int]:
        """The column as a categorical context: ``CONTEXT_BINS`` quantile bins of all rows, missing its own code."""
        if self._bins is None:
            present = self.values[~self.missing]
            edges = np.unique(np.quantile(present, np.arange(1, CONTEXT_BINS) / CONTEXT_BINS, method="lower")) \
                if len(present) else np.empty(0)
            codes = np.searchsorted(edges, self.values, side="right").astype(np.int64)
            k = len(edges) + 1
            if self.missing.any():
                codes[self.missing] = k
                k += 1
            self._bins = (codes, k)
        return self._bins

    def bin_labels(self) -> list[bytes]:
        return [f"bin {j}".encode() for j in range(self.bins()[1])]


def _log_gamma(x: np.ndarray) -> np.ndarray:
    """ln Γ elementwise, evaluated once per distinct value (degrees of freedom take few). Halves of integers (the
    Student-t cells' ν/2 and (ν + 1)/2) are found by counting, without a sort."""
    doubled = 2 * np.asarray(x, dtype=np.float64)
    halves = doubled.astype(np.int64)
    if len(halves) and (halves == doubled).all() and 0 < halves.min() and halves.max() <= 4 * len(halves) + 64:
        values = np.flatnonzero(np.bincount(halves))
        table = np.zeros(values[-1] + 1)
        table[values] = np.asarray(_lgamma(values / 2), dtype=np.float64)
        return table[halves]
    uniques, inverse = np.unique(x, return_inverse=True)
    return _lgamma(uniques).astype(np.float64)[inverse.ravel()]


def _student_t_bits(y: np.ndarray, loc: np.ndarray, scale: np.ndarray, dof: np.ndarray, delta: float) -> np.ndarray:
    """Per row, ``−log2(f(y)·δ)`` for the Student-t density f (scale floored at 2δ), plus the Kraft slack, in bits."""
    scale = np.maximum(scale, SCALE_FLOOR_CELLS * delta)
    dof = np.broadcast_to(dof, y.shape).astype(np.float64)
    z2 = ((y - loc) / scale) ** 2
    log_density = (_log_gamma((dof + 1) / 2) - _log_gamma(dof / 2) - 0.5 * np.log(dof * math.pi) - np.log(scale)
                   - (dof + 1) / 2 * np.log1p(z2 / dof))
    return -(log_density + math.log(delta)) / LN2 + KRAFT_SLACK_BITS


def student_t_cell_bits(y: np.ndarray, delta: float, context: np.ndarray | None = None) -> np.ndarray:
    """Per row, the bits of the sequential Normal–inverse-gamma (Student-t) code of ``y`` per ``context`` cell.

    Row t's predictive comes from the earlier rows of its cell, with the prior ``μ0`` = mean and ``β0/α0`` = variance
    of all earlier rows (κ0 = α0 = 1); posterior after m cell rows (sums S1, S2): ``κ = 1 + m``,
    ``μ = (μ0 + S1)/κ``, ``α = 1 + m/2``, ``β = β0 + (S2 − S1²/m)/2 + (S1 − m μ0)²/(2κm)``; predictive Student-t with
    ``ν = 2α``, location μ, scale² ``β(κ + 1)/(ακ)`` (Murphy 2007, "Conjugate Bayesian analysis of the Gaussian
    distribution", §3). Vectorised: grouped cumulative sums over the rows sorted by cell.
    """
    n = len(y)
    out = np.empty(n)
    if n == 0:
        return out
    out[0] = _student_t_bits(y[:1], np.zeros(1), np.ones(1), np.full(1, 2.0), delta)[0]
    if n == 1:
        return out
    centred = y - y[0]  # for the sums' accuracy; rows after the first may use it, the decoder knows y[0] by then
    t = np.arange(n, dtype=np.float64)
    before1 = np.cumsum(centred) - centred
    before2 = np.cumsum(centred ** 2) - centred ** 2
    seen = np.maximum(t, 1)
    pooled_mean = before1 / seen
    pooled_var = np.maximum(before2 / seen - pooled_mean ** 2, delta ** 2)
    pooled_var[1] = max(abs(y[0]), delta) ** 2  # one earlier row: its size as the scale
    if context is None:
        m, s1, s2 = t, before1, before2
    else:
        order = np.argsort(context, kind="stable")
        sorted_context, sorted_y = context[order], centred[order]
        first = np.r_[True, sorted_context[1:] != sorted_context[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        m, s1, s2 = np.empty(n), np.empty(n), np.empty(n)
        for total, values in ((s1, sorted_y), (s2, sorted_y ** 2)):
            exclusive = np.cumsum(values) - values
            total[order] = exclusive - exclusive[group_start]
        m[order] = np.arange(n) - group_start
    kappa = 1 + m
    mu = (pooled_mean + s1) / kappa
    alpha = 1 + m / 2
    safe_m = np.maximum(m, 1)
    beta = pooled_var + np.maximum(s2 - s1 ** 2 / safe_m, 0) / 2 + (s1 - m * pooled_mean) ** 2 / (2 * kappa * safe_m)
    scale = np.sqrt(beta * (kappa + 1) / (alpha * kappa))
    out[1:] = _student_t_bits(centred[1:], mu[1:], scale[1:], 2 * alpha[1:], delta)
    return out


def _regression_schedule(n: int, d: int) -> list[int]:
    """The block starts of a regression on ``d`` design columns over ``n`` rows, then ``n``: the first block starts
    at ``d + 2`` (ν = s − d ≥ 2), each block is 25 % longer than the rows before it."""
    starts = [min(d + 2, n)]
    while starts[-1] < n:
        starts.append(min(n, max(starts[-1] + 1, math.ceil(starts[-1] * REGRESSION_GROWTH))))
    return starts


def _ridge(trace: float | np.ndarray, d: int) -> float | np.ndarray:
    """The ridge added to a Gram matrix before it is inverted: 1e-10 of its mean diagonal (it only keeps a design
    column that is still constant invertible)."""
    return 1e-10 * np.maximum(trace / d, 1e-300)


def regression_bits(y: np.ndarray, design: np.ndarray, delta: float, fallback: np.ndarray) -> float:
    """The bits of the sequential Bayesian linear regression of ``y`` on ``design`` (n × d, an intercept included),
    reference prior, refreshed at block starts; rows before ν = s − d ≥ 2 cost their ``fallback`` bits.

    Given rows [0, s): ``β̂ = A⁻¹b`` with ``A = Σ z zᵀ``, ``b = Σ z y``; ``SSR = Σ y² − bᵀβ̂``; each row of the
    block is Student-t with ``ν = s − d``, location ``zᵀβ̂`` and scale² ``SSR/ν · (1 + zᵀA⁻¹z)``. Blocks start at
    s = d + 2 and grow by 25 %: a plug-in of the posterior at a block's start pays about (g − 1)/ln g = 1.12 times the
    Bayesian regret of (d/2)·log2 n bits, a few thousandths of a bit per row at 2,000 rows, in a fifth of the
    passes that blocks growing by 5 % take. :func:`regression_bits_of_subsets` gives the same bits for several
    subsets of one design's columns at once.
    """
    bits, first = regression_bits_of_subsets(y, design, [range(design.shape[1])], delta)
    return float(fallback[:first[0]].sum()) + float(bits[0])


CONDITION_LIMIT = 1e8  # Gram matrices with a wider spectrum (a column still constant) are inverted per subset
CANCELLATION_LIMIT = 1e6  # a subset's leverage this many times below the whole design's is computed directly


def regression_bits_of_subsets(y: np.ndarray, design: np.ndarray, subsets: Sequence[Sequence[int]],
                               delta: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`regression_bits` of ``y`` on several subsets of the columns of ``design`` (each subset a list of column
    indices with the intercept), from each regression's first block on: ``(bits, first)`` per subset; add the
    fallback bits of the rows before ``first``. The same code lengths, to float rounding, for far less work.

    Every subset's Gram matrix is a submatrix of the whole design's, made once per block start. Subsets of one size
    share a block schedule and are computed together, in one of two ways, whichever takes fewer operations per row:

    * directly, a stack of the subsets' Gram matrices inverted at once (small subsets: each column alone);
    * from the whole design, when a subset lacks only a few columns E (the leave-one-out terms). With the
      eigendecomposition ``A = V diag(e) Vᵀ`` of the whole Gram matrix, a subset's own ridge λ only changes the
      weights ``w = 1/(e + λ)`` of ``P = (A + λI)⁻¹ = V diag(w) Vᵀ``, and leaving out E is a Schur complement: with
      ``u = P z`` and ``c = P b``, the subset's leverage is ``zᵀPz − u_Eᵀ P_EE⁻¹ u_E``, its location
      ``zᵀPb − u_Eᵀ P_EE⁻¹ c_E`` and its explained sum of squares ``bᵀPb − c_Eᵀ P_EE⁻¹ c_E`` (Golub & Van Loan,
      *Matrix Computations*, §3.2 and §12.5; z and b may keep their values on E, since ``P − P_{·E} P_EE⁻¹ P_{E·}``
      vanishes there). Where that subtraction would lose more than six digits, or the whole Gram matrix is
      ill-conditioned (a column still constant), the block is computed directly.
    """
    n, width = design.shape
    centred = y - y[0] if n else y
    columns = design.T  # every block below is the design's columns × the block's rows (contiguous when the caller
    # made the design as the transpose of its columns, as the numeric model does)
    indices = [np.asarray(sorted(subset), dtype=np.int64) for subset in subsets]
    bits = np.zeros(len(indices))
    by_size: dict[int, list[int]] = {}
    for i, subset in enumerate(indices):
        by_size.setdefault(len(subset), []).append(i)
    schedules = {d: _regression_schedule(n, d) for d in by_size}
    first = np.array([schedules[len(subset)][0] for subset in indices], dtype=np.int64)
    kept = {d: np.array([indices[i] for i in members]).reshape(len(members), d) for d, members in by_size.items()}
    removed = {d: np.array([np.setdiff1d(np.arange(width), subset) for subset in rows]).reshape(len(rows), width - d)
               for d, rows in kept.items()}
    # Every size's blocks in the order of their starts: the Gram matrix grows once through all of them.
    blocks = sorted((s, e, d) for d, starts in schedules.items() for s, e in zip(starts[:-1], starts[1:]))
    gram, moment, square, seen = np.zeros((width, width)), np.zeros(width), 0.0, 0
    for s, e, d in blocks:
        before = columns[:, seen:s]
        gram += before @ before.T
        moment += before @ centred[seen:s]
        square += float(centred[seen:s] @ centred[seen:s])
        seen = s
        m, k = len(kept[d]), width - d
        statistics = (gram, moment, square, s)
        if m * d * d <= width * width + m * width * (k + 2):
            bits[by_size[d]] += _subset_block_bits(columns[:, s:e], centred[s:e], statistics, kept[d], delta)
        else:
            bits[by_size[d]] += _leaving_out_block_bits(columns[:, s:e], centred[s:e], statistics, kept[d],
                                                        removed[d], delta)
    return bits, first


def _student_t_block_bits(y: np.ndarray, location: np.ndarray, variance: np.ndarray, dof: int,
                          delta: float) -> np.ndarray:
    """:func:`_student_t_bits` of one block of rows (the last axis) for several regressions, summed over the rows,
    from the squared scales ``variance``: the same bits, in fewer passes over the rows."""
    variance = np.maximum(variance, (SCALE_FLOOR_CELLS * delta) ** 2)
    per_row = np.log(variance) / 2 + (dof + 1) / 2 * np.log1p((y - location) ** 2 / (variance * dof))
    constant = (math.lgamma(dof / 2) - math.lgamma((dof + 1) / 2) + 0.5 * math.log(dof * math.pi)
                - math.log(delta)) / LN2 + KRAFT_SLACK_BITS
    return per_row.sum(axis=-1) / LN2 + constant * variance.shape[-1]


def _subset_block_bits(block: np.ndarray, y: np.ndarray, statistics: tuple, kept: np.ndarray,
                       delta: float) -> np.ndarray:
    """The bits of one block (``block``: the design's columns × the block's rows) for the regression on each
    subset ``kept[j]`` of the columns (m × d), summed over its rows; ``statistics`` are the Gram matrix, moment
    vector and sum of squares of the ``s`` rows before the block, and ``s``."""
    gram, moment, square, s = statistics
    m, d = kept.shape
    grams = gram[kept[:, :, None], kept[:, None, :]]
    ridge = np.asarray(_ridge(np.trace(grams, axis1=1, axis2=2), d))
    inverse = np.linalg.inv(grams + ridge[:, None, None] * np.eye(d))
    moments = moment[kept]
    coef = (inverse @ moments[:, :, None])[:, :, 0]
    residual = np.maximum(square - (moments * coef).sum(axis=1), 0.0)
    whole = m == 1 and d == len(block)  # one regression on every column: the block itself, not a copy
    z = block[None] if whole else block[kept]  # m × d × rows
    leverage = ((inverse @ z) * z).sum(axis=1)
    location = (coef[:, None, :] @ z)[:, 0]
    return _student_t_block_bits(y, location, residual[:, None] / (s - d) * (1 + leverage), s - d, delta)


def _leaving_out_block_bits(block: np.ndarray, y: np.ndarray, statistics: tuple, kept: np.ndarray,
                            removed: np.ndarray, delta: float) -> np.ndarray:
    """:func:`_subset_block_bits` for subsets given as the whole design without the columns ``removed[j]`` (m × k),
    by the Schur complement of :func:`regression_bits_of_subsets`."""
    gram, moment, square, s = statistics
    m, k = removed.shape
    d = len(gram) - k
    ridge = _ridge(gram.trace() - np.diag(gram)[removed].sum(axis=1), d)  # each subset's own
    eigenvalues, vectors = np.linalg.eigh(gram)
    weights = 1 / (eigenvalues[:, None] + ridge)  # column j: P_j = V diag(weights[:, j]) Vᵀ
    direct = (eigenvalues[-1] + ridge) > CONDITION_LIMIT * (eigenvalues[0] + ridge)
    projected = vectors.T @ block
    projected_moment = vectors.T @ moment
    leverage = weights.T @ projected ** 2  # m × rows
    location = (weights * projected_moment[:, None]).T @ projected
    explained = (projected_moment ** 2) @ weights
    if k:
        directions = weights.T[:, None, :] * vectors[removed]  # m × k × width: the rows E of P_j, in V's basis
        corner = np.linalg.inv(directions @ vectors[removed].transpose(0, 2, 1))  # (P_j)_EE⁻¹
        removed_moment = directions @ projected_moment  # m × k: (P_j b)_E
        removed_rows = (directions.reshape(m * k, -1) @ projected).reshape(m, k, -1)  # (P_j z)_E
        solved = corner * removed_rows if k == 1 else corner @ removed_rows  # (one column: a product of numbers)
        whole_leverage = leverage
        leverage = leverage - (solved * removed_rows).sum(axis=1)
        location = location - (solved * removed_moment[:, :, None]).sum(axis=1)
        explained = explained - (removed_moment * (corner @ removed_moment[:, :, None])[:, :, 0]).sum(axis=1)
        direct |= (leverage * CANCELLATION_LIMIT < whole_leverage).any(axis=1)
    residual = np.maximum(square - explained, 0.0)
    bits = _student_t_block_bits(y, location, residual[:, None] / (s - d) * (1 + leverage), s - d, delta)
    if direct.any():
        bits[direct] = _subset_block_bits(block, y, statistics, kept[direct], delta)
    return bits


def histogram_bits(grid: np.ndarray, bins: int, context: np.ndarray | None = None, n_contexts: int = 1) -> float:
    """The bits of a quantile histogram code of the grid positions ``grid`` (integers: value / δ): the bin edges
    (Elias-γ), each row's bin by KT given ``context``, and its grid cell uniformly within the bin."""
    from .models import kt_bits

    if len(grid) == 0:
        return 0.0
    codes, k, fixed = histogram_layout(grid, bins)
    return fixed + (kt_bits(codes, k) if context is None else kt_bits(codes, k, context, n_contexts))


def histogram_layout(grid: np.ndarray, bins: int) -> tuple[np.ndarray, int, float]:
    """A quantile histogram of ``grid`` with at most ``bins`` bins: each row's bin, the number of bins, and the bits
    that do not depend on a context (the edges and the cells within the bins)."""
    n = len(grid)
    ordered = np.sort(grid)
    inner = np.unique(ordered[(np.arange(1, bins) * n) // bins])
    inner = inner[inner > ordered[0]]
    edges = np.r_[ordered[0], inner, ordered[-1] + 1]
    codes = np.searchsorted(inner, grid, side="right")
    cells = np.diff(edges).astype(np.float64)
    within = float(np.log2(cells)[codes].sum())
    lowest = int(edges[0])
    edge_bits = _elias_gamma_bits(np.r_[len(edges), 2 * abs(lowest) + (lowest < 0) + 1, np.diff(edges)])
    return codes, len(edges) - 1, edge_bits + within


def _elias_gamma_bits(values: np.ndarray) -> float:
    """Bits of Elias-γ codes of positive integers: ``2⌊log2 x⌋ + 1`` each."""
    return float((2 * np.floor(np.log2(values.astype(np.float64))) + 1).sum())


# -- the Gaussian-copula member ----------------------------------------------------------------------------------------
COPULA_FIRST_ROW = 32  # the copula member codes rows from here on (the rows before: its fallback's bits)
COPULA_MAX_REGRESSORS = 8  # terms whose design has at most this many columns besides the intercept hold the member
COPULA_SCALE_FLOOR = 1e-3  # on the normal-score scale (the marginal's sd is 1): keeps a near-singular fit finite
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(5)
MIDPOINT_WIDTH = 0.05  # cells with width·(1 + |centre|) below this (in sds): the midpoint rule with its curvature term
QUADRATURE_WIDTH = 0.5  # cells narrower than this: 5-point Gauss–Legendre; wider ones: differences of Φ
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def copula_knots(earlier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The marginal CDF of a target from its earlier values: knots ``q`` (distinct values at ``K = ⌈2 s^⅓⌉`` equally
    spaced ranks of the ``s`` earlier values) and ``c = F(q)``, the mid-rank empirical CDF ``(#below + #equal/2 + ½) /
    (s + 1)``, strictly increasing inside (0, 1). Between knots F is linear; beyond them exponential tails whose
    density meets the neighbouring piece's (:func:`copula_log_cdf`)."""
    s = len(earlier)
    ordered = np.sort(earlier)
    k = min(s, math.ceil(2 * s ** (1 / 3)))
    knots = np.unique(ordered[((np.arange(k) + 0.5) * s / k).astype(np.int64)])
    below = np.searchsorted(ordered, knots, side="left")
    equal = np.searchsorted(ordered, knots, side="right") - below
    return knots, (below + equal / 2 + 0.5) / (s + 1)


def copula_log_cdf(knots: np.ndarray, cdf: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ln F(v), ln(1 − F(v)))`` for the marginal of :func:`copula_knots` (two knots at least), each computed
    without cancellation: linear between the knots, ``F = c_0 e^((v − q_0)/w_0)`` below them and
    ``1 − F = (1 − c_K) e^(−(v − q_K)/w_K)`` above, ``w`` matching the density of the piece next to the tail."""
    w_low = cdf[0] * (knots[1] - knots[0]) / (cdf[1] - cdf[0])
    w_high = (1 - cdf[-1]) * (knots[-1] - knots[-2]) / (cdf[-1] - cdf[-2])
    with np.errstate(divide="ignore"):
        log_lower = np.log(np.interp(v, knots, cdf))
        log_upper = np.log(np.interp(v, knots, 1 - cdf))
    below, above = v < knots[0], v > knots[-1]
    log_lower[below] = math.log(cdf[0]) + (v[below] - knots[0]) / w_low
    log_upper[below] = np.log1p(-np.exp(log_lower[below]))
    log_upper[above] = math.log(1 - cdf[-1]) - (v[above] - knots[-1]) / w_high
    log_lower[above] = np.log1p(-np.exp(log_upper[above]))
    return log_lower, log_upper


def copula_scores(knots: np.ndarray, cdf: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``Φ⁻¹(F(v))``: values on the normal-score scale of the marginal (monotone in v, finite however far out)."""
    log_lower, log_upper = copula_log_cdf(knots, cdf, v)
    below_median = _normal_quantile_of_log(np.minimum(log_lower, log_upper))
    return np.where(log_lower < log_upper, below_median, -below_median)


def _normal_quantile_of_log(log_p: np.ndarray) -> np.ndarray:
    """Φ⁻¹(p) for p ≤ ½ given ln p: Acklam's approximation, its lower tail from ``√(−2 ln p)`` (no underflow)."""
    out = np.empty_like(log_p)
    tail = log_p < math.log(0.02425)
    out[~tail] = normal_quantile(np.exp(log_p[~tail]))
    q = np.sqrt(-2 * log_p[tail])
    out[tail] = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / \
                ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1)
    return out


def _log_normal_cdf(x: np.ndarray) -> np.ndarray:
    """``ln Φ(x)`` for x ≤ 0 (fractional error of Φ below 1.2e-7: the erfc of Numerical Recipes §6.2, in logs)."""
    u = -x / math.sqrt(2)
    t = 1 / (1 + 0.5 * u)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (
        0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    return math.log(0.5) + np.log(t) - u * u + poly


def normal_cell_log_probability(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``ln(Φ(high) − Φ(low))`` for standardised cell edges low < high. The narrowest cells (``MIDPOINT_WIDTH``)
    by the midpoint rule with its curvature term (below); narrow ones (under ``QUADRATURE_WIDTH``) by 5-point
    Gauss–Legendre quadrature of φ (its error, summed over every cell of the line, is below 1e-13); wide ones as
    ``Φ(b)(1 − Φ(a)/Φ(b))`` after reflecting the cell into the lower half, where a relative error of 1.2e-7 in Φ is
    at most 5e-7 in the difference. All three stay within the Kraft slack of 1e-6 (module docstring); a test checks
    them against the standard library's erfc."""
    half = (high - low) / 2
    mid = (high + low) / 2
    width = 2 * half
    # Most cells are far narrower than a standard deviation: the midpoint rule with its curvature term,
    # ∫φ = hφ(m)(1 + h²(m² − 1)/24) + R, R/∫φ about h⁴(m⁴ − 6m² + 3)/1920 (the next Taylor term): under 3e-9 where
    # h(1 + |m|) < 0.05. One logarithm a row.
    out = np.log(width * (1 + width ** 2 * (mid ** 2 - 1) / 24)) - mid ** 2 / 2 - _LOG_SQRT_2PI
    narrow = (width * (1 + np.abs(mid)) >= MIDPOINT_WIDTH) & (width < QUADRATURE_WIDTH)
    nodes, weights = _GAUSS_LEGENDRE
    central = narrow & (np.abs(mid) < 30)  # φ far from underflow: summed as it is
    out[central] = np.log(half[central] * (np.exp(-(mid[central, None] + half[central, None] * nodes) ** 2 / 2)
                                           @ weights)) - _LOG_SQRT_2PI
    far = narrow & ~central  # in logs
    points = mid[far, None] + half[far, None] * nodes
    log_terms = np.log(weights) - points ** 2 / 2
    top = log_terms.max(axis=1)
    out[far] = np.log(half[far]) - _LOG_SQRT_2PI + top + np.log(np.exp(log_terms - top[:, None]).sum(axis=1))
    wide = width >= QUADRATURE_WIDTH
    flip = mid[wide] > 0
    a = np.where(flip, -high[wide], low[wide])
    b = np.where(flip, -low[wide], high[wide])
    log_b = np.where(b <= 0, _log_normal_cdf(np.minimum(b, 0)), np.log1p(-np.exp(_log_normal_cdf(-np.abs(b)))))
    out[wide] = log_b + np.log1p(-np.exp(_log_normal_cdf(a) - log_b))
    return out


def copula_marginal(y: np.ndarray, delta: float) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """A target's sequential normal scores: the block starts (the regressions' schedule from ``COPULA_FIRST_ROW``),
    and for every row of a block [s, e) its value and its grid cell's edges on the normal-score scale of the marginal
    fitted to the rows before s: ``z = Φ⁻¹(F(y))``, ``Φ⁻¹(F(y ∓ δ/2))`` (:func:`copula_knots`). NaN for the rows
    before the first block, and in a block whose earlier rows hold fewer than two distinct values. Each row's
    scores use the rows before its block only, so a decoder computes them in turn; they depend on the target alone,
    so every term of the target shares them."""
    n = len(y)
    starts = _regression_schedule(n, COPULA_FIRST_ROW - 2)
    scores, low, high = (np.full(n, np.nan) for _ in range(3))
    for s, e in zip(starts[:-1], starts[1:]):
        knots, cdf = copula_knots(y[:s])
        if len(knots) >= 2:
            for out, shift in ((scores, 0.0), (low, -delta / 2), (high, delta / 2)):
                out[s:e] = copula_scores(knots, cdf, y[s:e] + shift)
    return starts, scores, low, high


def copula_bits(y: np.ndarray, design: np.ndarray, delta: float, fallback: np.ndarray,
                marginal: tuple | None = None) -> float:
    """The bits of the Gaussian-copula member of ``y`` given ``design`` (n × d, an intercept included); ``marginal``
    is :func:`copula_marginal` of y (made here if not given).

    In the block [s, e), the sequential normal scores z of the earlier rows that have them are regressed on the design
    by least squares (numeric.py's ridge); a block row's z is Gaussian with location ``xᵀβ̂`` and variance
    ``SSR/(m − d) · (1 + xᵀA⁻¹x)``, its square root at least ``COPULA_SCALE_FLOOR`` (m those rows, at least d + 2;
    else the block's rows cost ``fallback``). The row's grid cell ``[y − δ/2, y + δ/2)`` maps to
    ``[Φ⁻¹F(y − δ/2), Φ⁻¹F(y + δ/2))``, whose Gaussian mass
    (:func:`normal_cell_log_probability`) is its probability: the cells partition the line, so Kraft holds up to the
    quadrature's error, inside the slack. A monotone transform of a jointly Gaussian table is linear-Gaussian on this
    scale (a Gaussian copula), whatever its marginals."""
    starts, scores, low, high = marginal if marginal is not None else copula_marginal(y, delta)
    n, d = design.shape
    columns = design.T
    known = ~np.isnan(scores)
    gram, moment, square, seen, count = np.zeros((d, d)), np.zeros(d), 0.0, 0, 0
    bits = 0.0
    coded = np.zeros(n, dtype=bool)
    for s, e in zip(starts[:-1], starts[1:]):
        rows = slice(seen, s) if known[seen:s].all() else np.flatnonzero(known[seen:s]) + seen
        gram += columns[:, rows] @ design[rows]
        moment += columns[:, rows] @ scores[rows]
        square += float(scores[rows] @ scores[rows])
        count += len(scores[rows])
        seen = s
        if count < d + 2 or not known[s]:
            continue
        inverse = np.linalg.inv(gram + _ridge(float(np.trace(gram)), d) * np.eye(d))
        coef = inverse @ moment
        residual = max(square - float(moment @ coef), 0.0)
        block = design[s:e]
        leverage = ((block @ inverse) * block).sum(axis=1)
        scale = np.maximum(np.sqrt(residual / (count - d) * (1 + leverage)), COPULA_SCALE_FLOOR)
        location = block @ coef
        log_p = normal_cell_log_probability((low[s:e] - location) / scale, (high[s:e] - location) / scale)
        bits += float(-log_p.sum()) / LN2 + (e - s) * KRAFT_SLACK_BITS
        coded[s:e] = True
    return bits + float(fallback[~coded].sum())


# Acklam's rational approximation of Φ⁻¹ (relative error below 1.2e-9), vectorised.
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
      4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)


def normal_quantile(p: np.ndarray) -> np.ndarray:
    """Φ⁻¹(p) for p in (0, 1)."""
    p = np.asarray(p, dtype=np.float64)
    out = np.empty_like(p)
    low, high = p < 0.02425, p > 1 - 0.02425
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q / \
               (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1)
    for mask, sign in ((low, 1.0), (high, -1.0)):
        q = np.sqrt(-2 * np.log(np.where(sign > 0, p[mask], 1 - p[mask])))
        out[mask] = sign * (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / \
                    ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1)
    return out


def _normal_scores(values: np.ndarray) -> np.ndarray:
    """Φ⁻¹ of the mid-ranks (ties share one) of all rows: the column's normal scores."""
    uniques, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    return normal_quantile((below + (counts + 1) / 2 - 0.5) / len(values))[inverse.ravel()]


def _numeric_regressors(column: NumericColumn, scores: bool) -> list[np.ndarray]:
    """A numeric given column as regressors: standardised (or its normal scores), 0 where missing, with a missing
    indicator when some are (kept on the column: every term given it uses them)."""
    if scores not in column.regressors:
        column.regressors[scores] = _regressors(column, scores)
    return column.regressors[scores]


def _regressors(column: NumericColumn, scores: bool) -> list[np.ndarray]:
    present = ~column.missing
    if not present.any():  # no value at all: a constant column and its indicator, without numpy's empty-slice warnings
        return [np.zeros(len(column.values)), column.missing.astype(np.float64)]
    values = column.values[present]
    if scores:
        x = _normal_scores(values)
    else:
        spread = values.std()
        x = (values - values.mean()) / (spread if spread > 0 else 1.0)
    full = np.zeros(len(column.values))
    full[present] = x
    return [full, column.missing.astype(np.float64)] if column.missing.any() else [full]


def numeric_link_bits(table, target: str, given: Sequence[str]) -> float:
    """``C(target | given)`` in bits for a numeric target: the missing indicators, then the mixture (module docstring)
    over the present values. ``table`` is a :class:`~natlat_compress.coders.models.SymbolColumns`."""
    from .models import _compact, _context, _mixture, kt_bits

    key = ("numeric", target, frozenset(given))
    if key in table.cache:
        return table.cache[key]
    column = table.numeric[target]
    present = ~column.missing
    y = column.values[present]
    delta = column.precision
    bits = kt_bits(column.missing.astype(np.int64), 2) if column.missing.any() else 0.0
    numeric_given = [g for g in given if g in table.numeric]
    categorical_given = [g for g in given if g not in table.numeric]
    n = len(y)
    if n == 0:  # every cell missing: the indicators are the whole code
        table.cache[key] = bits
        return bits

    def cached(name, compute):
        cache_key = ("numeric-part", target, name)
        if cache_key not in table.cache:
            table.cache[cache_key] = compute()
        return table.cache[cache_key]

    marginal_rows = cached("t", lambda: student_t_cell_bits(y, delta))
    members = [float(marginal_rows.sum())]
    grid = cached("grid", lambda: np.rint(y / delta).astype(np.int64))
    layouts = [cached(("layout", m), lambda m=m: histogram_layout(grid, m)) for m in HISTOGRAM_BINS]
    members += [cached(("histogram", m), lambda c=c, k=k, f=f: f + kt_bits(c, k))
                for m, (c, k, f) in zip(HISTOGRAM_BINS, layouts)]
    class_size = 1 + len(HISTOGRAM_BINS)
    fallback = marginal_rows
    if given:
        if categorical_given:
            context, _ = _context([table[g] for g in categorical_given], table.n)
            cell_rows = student_t_cell_bits(y, delta, context[present])
            members.append(float(cell_rows.sum()))
            fallback = cell_rows  # (a code of its own: the regression's first rows need one, not a per-row best)
        if categorical_given and numeric_given:  # a regression per context cell: its own slopes and variance
            cells, n_cells = _compact(context[present])
            if n_cells <= MAX_REGRESSION_CELLS:
                design = np.column_stack([np.ones(n), *(x[present] for g in numeric_given
                                                        for x in _numeric_regressors(table.numeric[g], False))])
                rows_of = np.argsort(cells, kind="stable")
                bounds = np.r_[0, np.cumsum(np.bincount(cells, minlength=n_cells))]
                members.append(sum(regression_bits(y[rows], design[rows], delta, cell_rows[rows])
                                   for rows in (rows_of[a:b] for a, b in zip(bounds[:-1], bounds[1:]))))
        for scores in ([False, True] if numeric_given else [False]):
            members.append(_regression_member(table, target, given, scores, fallback, cached))
        # Student-t per cell, regression per cell, the two regressions, histograms given each numeric column.
        class_size += 1 + 1 + 2 + len(HISTOGRAM_BINS) * max(1, len(numeric_given))
        # The histogram's context: the categorical given columns and the numeric one whose bins predict best.
        target_bins = cached("bins", lambda: np.searchsorted(np.unique(np.quantile(
            y, np.arange(1, CONTEXT_BINS) / CONTEXT_BINS, method="lower")), y, side="right"))
        best = min(numeric_given, key=lambda g: (cached(("bins given", g), lambda: kt_bits(
            target_bins, CONTEXT_BINS, table[g][0][present], table[g][1])), g)) if numeric_given else None

        def histograms() -> list[float]:
            context_columns = [table[g] for g in categorical_given] + ([table[best]] if best else [])
            context, size = _context(context_columns, table.n)
            context, size = _compact(context[present])
            return [fixed + kt_bits(codes, k, context, size) for codes, k, fixed in layouts]

        members += cached(("histograms given", tuple(categorical_given), best), histograms)
    regressors = [x for g in given for x in _regressor_columns(table, g, present, True)]
    if len(regressors) <= COPULA_MAX_REGRESSORS:  # (a class fixed by the term's shape: the decoder knows G)
        design = np.column_stack([np.ones(n), *regressors])
        members.append(copula_bits(y, design, delta, fallback, cached("copula", lambda: copula_marginal(y, delta))))
        class_size += 1
    bits += _mixture(members, class_size)
    table.cache[key] = bits
    return bits


def _regressor_columns(table, name: str, present: np.ndarray | slice, scores: bool) -> list[np.ndarray]:
    """A given column's regressors over the target's present rows: a categorical one's indicators (none past
    ``MAX_INDICATORS``), a numeric one's values or normal scores (see :func:`_numeric_regressors`)."""
    if name in table.numeric:
        return [x[present] for x in _numeric_regressors(table.numeric[name], scores)]
    codes, k = table[name]
    return list(np.eye(k)[codes[present]][:, 1:].T) if k - 1 <= MAX_INDICATORS else []


def _regression_member(table, target: str, given: Sequence[str], scores: bool, fallback: np.ndarray,
                       cached) -> float:
    """The regression member of ``C(target | given)`` in bits. The terms of one target come in families computed
    together by :func:`regression_bits_of_subsets` and kept: given every other column or all but one (the
    leave-one-out terms), and given one column alone. Other given sets are computed by :func:`regression_bits`."""
    column = table.numeric[target]
    present = slice(None) if not column.missing.any() else ~column.missing  # (a slice takes views, not copies)
    y = column.values[present]
    others = [g for g in dict.fromkeys([*table.columns, *table.numeric])
              if g != target and (g in table.numeric or table[g][1] - 1 <= MAX_INDICATORS)]  # those with regressors
    chosen = [g for g in others if g in given]
    if len(chosen) >= len(others) - 1:
        family, subsets = "all but one", [others] + [[g for g in others if g != left] for left in others]
        member = [g for g in others if g not in given][:1]
    elif len(chosen) == 1:
        family, subsets, member = "one", [[g] for g in others], chosen
    else:
        columns = [np.ones(len(y)), *(x for g in chosen for x in _regressor_columns(table, g, present, scores))]
        return regression_bits(y, np.array(columns).T, column.precision, fallback)

    def compute() -> dict:
        regressors = {g: _regressor_columns(table, g, present, scores) for g in others}
        offsets = dict(zip(others, np.cumsum([1] + [len(r) for r in regressors.values()]).tolist()))
        design = np.array([np.ones(len(y)), *(x for r in regressors.values() for x in r)]).T
        indices = [[0, *(i for g in subset for i in range(offsets[g], offsets[g] + len(regressors[g])))]
                   for subset in subsets]
        bits, first = regression_bits_of_subsets(y, design, indices, column.precision)
        keys = [tuple(g for g in others if g not in subset) for subset in subsets] if family == "all but one" \
            else [tuple(subset) for subset in subsets]
        return dict(zip(keys, zip(bits.tolist(), first.tolist())))

    bits, first = cached(("regression", family, scores), compute)[tuple(member)]
    return float(fallback[:first].sum()) + bits


def gaussian_class_bits(table, target: str, given: Sequence[str]) -> float:
    """A categorical target given columns some of which are numeric: ``P(a | g) ∝ P(a) ∏_cat P(g_j | a) · p(x | a)``,
    naive-Bayes factors (KT) for the categorical given columns and, for the numeric ones x (standardised with all rows,
    0 where missing), the class-conditional Normal–inverse-Wishart predictive: a multivariate Student-t with
    ``ν_n − d + 1`` degrees of freedom (prior μ0 = 0, κ0 = 1, ν0 = d + 2, Ψ0 = I; Murphy 2007, §9). It is what
    describes a Gaussian mixture with a discrete latent (QDA). Statistics of earlier blocks only (refreshed at block
    starts, blocks 25 % longer than the rows before them), so the code is sequential. In bits."""
    from .models import _nb_from_scores, _NaiveBayesParts

    codes, k = table[target]
    numeric_given = [g for g in given if g in table.numeric]
    # k is at most MAX_GAUSSIAN_CLASSES: the rows × classes scores are small enough to make at once
    scores = _NaiveBayesParts(codes, k).scores([table[g] for g in given if g not in table.numeric], 0, len(codes))
    x = np.column_stack([_numeric_regressors(table.numeric[g], False)[0] for g in numeric_given])
    scores += class_gaussian_log_likelihood(x, codes, k)
    return _nb_from_scores(scores, codes)


def class_gaussian_log_likelihood(x: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """``out[row, a] = ln p(x_row | class a)`` under the class's NIW posterior predictive from earlier blocks."""
    from .models import block_starts

    n, d = x.shape
    out = np.empty((n, k))
    starts = block_starts(n, REGRESSION_GROWTH)
    ends = np.r_[starts[1:], n]
    counts = np.zeros(k)
    sums = np.zeros((k, d))
    squares = np.zeros((k, d, d))
    kappa0, nu0 = 1.0, d + 2.0
    identity = np.eye(d)
    for s, e in zip(starts.tolist(), ends.tolist()):
        rows = x[s:e]
        for a in range(k):
            m = counts[a]
            mean = sums[a] / max(m, 1.0)
            scatter = squares[a] - m * np.outer(mean, mean)
            kappa, nu = kappa0 + m, nu0 + m
            location = sums[a] / kappa
            psi = identity + scatter + kappa0 * m / kappa * np.outer(mean, mean)
            dof = nu - d + 1
            shape = psi * (kappa + 1) / (kappa * dof)
            sign, log_det = np.linalg.slogdet(shape)
            diff = rows - location
            mahalanobis = ((diff @ np.linalg.inv(shape)) * diff).sum(axis=1)
            out[s:e, a] = (math.lgamma((dof + d) / 2) - math.lgamma(dof / 2) - d / 2 * math.log(dof * math.pi)
                           - log_det / 2 - (dof + d) / 2 * np.log1p(mahalanobis / dof))
        block_codes = codes[s:e]
        counts += np.bincount(block_codes, minlength=k)
        for a in np.unique(block_codes).tolist():
            mine = rows[block_codes == a]
            sums[a] += mine.sum(axis=0)
            squares[a] += mine.T @ mine
    return out
