"""Every predictive path of the model coders, one line each: what the Kraft tests and the round trips run over.

A case names the columns it codes (one joint symbol per row), builds its per-row predictive from a table
(:mod:`natlat_compress.coders.predictive`) and asks the library for the code length it reports. ``exact``: the two must
agree to rounding; otherwise the predictive is the whole class the coder's mixture stands for, whose code is at most the
reported length (the coder evaluates some members and divides by the class size all the same).

Tables have columns t, u, v (targets) and g, h, w (given). A new member or family is one more line in ``CASES``; a
numeric member (a distribution over the grid of width δ) one more line in ``NUMERIC_CASES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from natlat_compress.coders import get_coder
from natlat_compress.coders.models import SymbolColumns, latent_class_bits
from natlat_compress.coders.numeric import (HISTOGRAM_BINS, NumericColumn, _numeric_regressors, copula_bits,
                                            gaussian_class_bits, histogram_bits, regression_bits, student_t_cell_bits)
from natlat_compress.coders.predictive import (StudentTGrid, chain_predictive, code_length, copula_predictive,
                                               context_tree_class_predictive, gaussian_class_predictive,
                                               histogram_predictive, joint_class_predictives, joint_codes,
                                               kt_predictive, latent_class_predictive, link_class_predictives,
                                               mixture_predictive, nb_predictive, regression_predictive,
                                               student_t_cell_predictive)

TARGETS, GIVEN = ("t", "u", "v"), ("g", "h", "w")


@dataclass(frozen=True)
class Case:
    name: str
    targets: tuple[str, ...]
    predictive: Callable[[SymbolColumns], np.ndarray]
    reported: Callable[[SymbolColumns], float]
    exact: bool = True


def bits(spec: str, target, given=(), leave_out: str | None = None) -> Callable[[SymbolColumns], float]:
    """The coder's reported ``C(target | given)``; with ``leave_out``, through the leave-one-out path: asked together
    with the set that also holds that column, so the coder subtracts its factor instead of refitting."""
    if leave_out is None:
        return lambda table: get_coder(spec).symbol_bits(table, list(target), list(given))
    return lambda table: get_coder(spec).symbol_bits_many(table, list(target), [[*given, leave_out], list(given)])[1]


def kt(table, target, given=()):
    codes, k = table[target]
    return kt_predictive(codes, k, *joint_codes([table[g] for g in given])) if given else kt_predictive(codes, k)


def nb(table, target, given):
    codes, k = table[target]
    return nb_predictive(codes, k, [table[g] for g in given])


def link_mixture(table, target, given):
    """A ``model`` link: its compact members' class, and with two or more given columns the context-tree half beside
    it (prior ½ each, #14)."""
    codes, _ = table[target]
    compact = mixture_predictive(link_class_predictives(table, target, given, naive_bayes=True), codes)
    if len(given) < 2:
        return compact
    return mixture_predictive([compact, context_tree_class_predictive(table, target, given)], codes)


def joint_mixture(table, targets):
    columns = [table[c] for c in targets]
    return mixture_predictive([chain_predictive(columns), *joint_class_predictives(columns)], joint_codes(columns)[0])


CASES = [
    Case("model:kt t", ("t",), lambda T: kt(T, "t"), bits("model:kt", "t")),
    Case("model:kt t|g,h", ("t",), lambda T: kt(T, "t", ["g", "h"]), bits("model:kt", "t", ["g", "h"])),
    Case("model:nb t|g", ("t",), lambda T: nb(T, "t", ["g"]), bits("model:nb", "t", ["g"])),
    Case("model:nb t|g,h,w", ("t",), lambda T: nb(T, "t", ["g", "h", "w"]), bits("model:nb", "t", ["g", "h", "w"])),
    Case("model:nb t|g,h leave-one-out", ("t",), lambda T: nb(T, "t", ["g", "h"]),
         bits("model:nb", "t", ["g", "h"], leave_out="w")),
    Case("model t|g", ("t",), lambda T: link_mixture(T, "t", ["g"]), bits("model", "t", ["g"])),
    # the coder evaluates one split order of the tree (and skips the tree where it loses on the leading rows)
    Case("model t|g,h (class)", ("t",), lambda T: link_mixture(T, "t", ["g", "h"]), bits("model", "t", ["g", "h"]),
         exact=False),
    Case("model t|g,h leave-one-out (class)", ("t",), lambda T: link_mixture(T, "t", ["g", "h"]),
         bits("model", "t", ["g", "h"], leave_out="w"), exact=False),
    Case("model t|g,h,w (class)", ("t",), lambda T: link_mixture(T, "t", ["g", "h", "w"]),
         bits("model", "t", ["g", "h", "w"]), exact=False),
    Case("model t,u|g chain (class)", ("t", "u"), lambda T: chain_predictive([T["t"], T["u"]], [T["g"]]),
         bits("model", ["t", "u"], ["g"]), exact=False),
    # the coder evaluates the Perks-smoothed latent-class member of its best fit only: an upper bound on the class
    Case("model t,u joint (class)", ("t", "u"), lambda T: joint_mixture(T, ["t", "u"]), bits("model", ["t", "u"]),
         exact=False),
    Case("model t,u,v joint (class)", ("t", "u", "v"), lambda T: joint_mixture(T, ["t", "u", "v"]),
         bits("model", ["t", "u", "v"]), exact=False),
    *[Case(f"latent class H={h} t,u,v", ("t", "u", "v"),
           lambda T, h=h: latent_class_predictive([T[c] for c in TARGETS], h),
           lambda T, h=h: latent_class_bits([T[c] for c in TARGETS], h)) for h in (2, 4)],
]


def make_table(seed: int, n: int, sizes: dict[str, int], noise: float) -> SymbolColumns:
    """A table whose targets depend on the given columns and on each other (copies through noise), so that the
    conditional members have something to find; ``noise`` = 1 makes every column independent and uniform."""
    rng = np.random.default_rng(seed)
    columns = {}
    for name in GIVEN + TARGETS:
        k = sizes[name]
        fresh = rng.integers(0, k, n)
        source = columns.get({"t": "g", "u": "t", "v": "h"}.get(name, ""))
        if source is not None:
            fresh = np.where(rng.random(n) < noise, fresh, source[0] % k)
        columns[name] = (fresh.astype(np.int64), k)
    return SymbolColumns(columns)


def excess_bits(case: Case, table: SymbolColumns) -> float:
    """Reported length minus the predictive's code length (0 for an exact case, ≥ 0 for a class)."""
    symbols = joint_codes([table[c] for c in case.targets])[0]
    return case.reported(table) - code_length(case.predictive(table), symbols)




# -- numeric columns (#13's members): each row's distribution over the grid of width δ ---------------------------------
# Tables have numeric columns y (target), x, w (given) and categorical ones g (given) and c (a class, target given
# x, w).

@dataclass(frozen=True)
class NumericCase:
    """A numeric member: its per-row grid predictive (:class:`StudentTGrid` or :class:`HistogramGrid`) of the present
    values of ``y`` and the bits numeric.py reports for the same code. ``member(table, edges)``: a histogram takes its
    edges from ``edges`` where given (a decoder's, from the header), the others ignore it."""
    name: str
    member: Callable[..., object]
    reported: Callable[[SymbolColumns], float]


def present(table, name="y"):
    column = table.numeric[name]
    return column.values[~column.missing], column.precision, ~column.missing


def cell_context(table, names=("g",)):
    """The joint value of categorical columns over y's present rows, numbered 0.. (the per-cell members' cells)."""
    return np.unique(joint_codes([table[g] for g in names])[0][present(table)[2]], return_inverse=True)[1]


def design(table, numeric=("x", "w"), categorical=("g",), scores=False):
    """numeric.py's regression design: an intercept, indicators of the categorical columns, the numeric ones
    standardised (or their normal scores) with a missing indicator where some are missing."""
    mask = present(table)[2]
    indicators = [np.eye(table[g][1])[table[g][0][mask]][:, 1:] for g in categorical]
    numeric_columns = [x[mask] for g in numeric for x in _numeric_regressors(table.numeric[g], scores)]
    return np.column_stack([np.ones(mask.sum()), *(c for b in indicators for c in b.T), *numeric_columns])


def per_cell_regression(table):
    """A regression on x, w in every cell of g: the member and its reported bits, over the cells' rows in order."""
    y, delta, _ = present(table)
    cells, z = cell_context(table), design(table, categorical=())
    fallback = student_t_cell_predictive(y, delta, cells)
    rows_of = [np.flatnonzero(cells == c) for c in range(cells.max() + 1)] if len(y) else []
    member = StudentTGrid.scatter([(r, regression_predictive(y[r], z[r], delta, fallback.take(r))) for r in rows_of],
                                  len(y), delta)
    bits = sum(regression_bits(y[r], z[r], delta, student_t_cell_bits(y, delta, cells)[r]) for r in rows_of)
    return member, bits


def histogram(bins, context_names=()):
    def member(table, edges=None):
        y, delta, _ = present(table)
        if not context_names:
            return histogram_predictive(y, delta, bins, edges=edges)
        context = cell_context(table, context_names)
        return histogram_predictive(y, delta, bins, context, int(context.max()) + 1, edges)

    def reported(table):
        y, delta, _ = present(table)
        grid = np.rint(y / delta).astype(np.int64)
        if not context_names:
            return histogram_bits(grid, bins)
        context = cell_context(table, context_names)
        return histogram_bits(grid, bins, context, int(context.max()) + 1)

    return member, reported


def _design_member(numeric, categorical, scores, predictive, bits):
    """A member of y on an intercept, indicators of ``categorical`` and ``numeric`` (standardised, or their normal
    scores), its first rows coded by the Student-t per cell of ``categorical`` (by the plain Student-t without):
    ``predictive`` row by row against ``bits`` as the coder reports them."""
    def parts(table):
        y, delta, _ = present(table)
        cells = cell_context(table, categorical) if categorical else None
        return y, design(table, numeric, categorical, scores), delta, cells

    def member(table, edges=None):
        y, z, delta, cells = parts(table)
        return predictive(y, z, delta, student_t_cell_predictive(y, delta, cells))

    def reported(table):
        y, z, delta, cells = parts(table)
        return bits(y, z, delta, student_t_cell_bits(y, delta, cells))

    return member, reported


def regression(numeric=("x", "w"), categorical=("g",), scores=False):
    """A Bayesian linear regression of y (see :func:`_design_member`)."""
    return _design_member(numeric, categorical, scores, regression_predictive, regression_bits)


def copula(numeric=("x", "w"), categorical=("g",)):
    """The Gaussian-copula member of y: its target on the normal-score scale, regressed on the normal scores of
    ``numeric`` (see :func:`_design_member`)."""
    return _design_member(numeric, categorical, True, copula_predictive, copula_bits)


NUMERIC_CASES = [
    NumericCase("student-t y", lambda T, edges=None: student_t_cell_predictive(*present(T)[:2]),
                lambda T: float(student_t_cell_bits(*present(T)[:2]).sum())),
    NumericCase("student-t per cell y|g",
                lambda T, edges=None: student_t_cell_predictive(*present(T)[:2], cell_context(T)),
                lambda T: float(student_t_cell_bits(*present(T)[:2], cell_context(T)).sum())),
    NumericCase("regression y|g,x,w", *regression()),
    NumericCase("regression on normal scores y|x,w", *regression(categorical=(), scores=True)),
    NumericCase("regression per cell y|g,x,w", lambda T, edges=None: per_cell_regression(T)[0],
                lambda T: per_cell_regression(T)[1]),
    NumericCase("copula y", *copula(numeric=(), categorical=())),
    NumericCase("copula y|g,x,w", *copula()),
    *[NumericCase(f"histogram {m} bins y", *histogram(m)) for m in HISTOGRAM_BINS],
    *[NumericCase(f"histogram {m} bins y|g,x", *histogram(m, ("g", "x"))) for m in (2, 64)],
]

# The class-conditional multivariate t: a categorical target, one line of the categorical cases run on numeric tables.
NUMERIC_GIVEN_CASES = [
    Case("model class-conditional t c|x,w", ("c",), lambda T: gaussian_class_predictive(T, "c", ["x", "w"]),
         lambda T: gaussian_class_bits(T, "c", ["x", "w"])),
    Case("model class-conditional t c|g,x", ("c",), lambda T: gaussian_class_predictive(T, "c", ["g", "x"]),
         lambda T: gaussian_class_bits(T, "c", ["g", "x"])),
]

# The whole numeric link of `model` (missing indicators, then the mixture): given nothing and categorical columns only
# the class is what the coder evaluates; with numeric columns it evaluates the histograms given one of them only.
NUMERIC_LINKS = [([], True), (["g"], True), (["x"], True), (["g", "x"], True), (["x", "w"], False),
                 (["g", "x", "w"], False)]


def make_numeric_table(seed: int, n: int, delta: float, spread_cells: float, missing: float, k: int) -> SymbolColumns:
    """Numeric columns on the grid of width ``delta`` (values ``j·δ``, spread ``spread_cells`` cells: below the
    2-cell scale floor, or wide), y depending on g and x, c a class that moves x; a share ``missing`` of y missing."""
    rng = np.random.default_rng(seed)
    c = rng.integers(0, k, n)
    g = rng.integers(0, k, n)
    x = rng.normal(size=n) + c
    w = rng.standard_t(3, size=n)
    y = x - g + 0.5 * rng.normal(size=n)
    values = {name: np.rint(v * spread_cells) * delta for name, v in (("x", x), ("w", w), ("y", y))}
    values["y"][1:][rng.random(n - 1) < missing] = np.nan  # (row 0 kept: numeric.py fails on a column all missing)
    numeric = {name: NumericColumn(v, delta) for name, v in values.items()}
    columns = {"c": (c.astype(np.int64), k), "g": (g.astype(np.int64), k),
               **{name: column.bins() for name, column in numeric.items()}}
    return SymbolColumns(columns, None, numeric)
