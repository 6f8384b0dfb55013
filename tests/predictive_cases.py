"""Every predictive path of the model coders, one line each: what the Kraft tests and the round trips run over.

A case names the columns it codes (one joint symbol per row), builds its per-row predictive from a table
(:mod:`natlat_compress.coders.predictive`) and asks the library for the code length it reports. ``exact``: the two must
agree to rounding; otherwise the predictive is the whole class the coder's mixture stands for, whose code is at most the
reported length (the coder evaluates some members and divides by the class size all the same).

Tables have columns t, u, v (targets) and g, h, w (given). A new member or family is one more line in ``CASES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from natlat_compress.coders import get_coder
from natlat_compress.coders.models import SymbolColumns, latent_class_bits
from natlat_compress.coders.predictive import (chain_predictive, code_length, context_tree_class_predictive,
                                               joint_class_predictives, joint_codes,
                                               kt_predictive, latent_class_predictive, link_class_predictives,
                                               mixture_predictive, nb_predictive)

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


