"""Context-tree weighting over a table's columns: the universal member of the ``model`` mixture.

A *context tree* over given columns ``G_1..G_m`` (in a fixed order) splits the rows on ``G_1``, then every node on
``G_2``, and so on; a *tree model* stops splitting at some nodes (its leaves) and codes the target at each leaf with a
Krichevsky–Trofimov (Dirichlet ½) code. Context-tree weighting (Willems, Shtarkov & Tjalkens 1995, "The context-tree
weighting method: basic properties", IEEE Trans. IT 41(3)) mixes over *all* tree models of depth ≤ m with the prior
that gives each node weight ½ to stop and ½ to split:

    P_w(node) = ½ P_e(node) + ½ ∏_children P_w(child)        (P_w = P_e at depth m)

where ``P_e`` is the KT probability of the node's target symbols. Each tree model is a sequential code (KT is), so
their mixture is one too: a decoder computes ``P_w(x_1..x_{t+1}) / P_w(x_1..x_t)`` row after row, and no row is coded
with statistics that include it. KT is exchangeable, so ``P_e`` depends only on a node's final counts and the whole
code length is a closed form in counts, computed level by level with ``bincount`` (THEORY.md §3).

Guarantee (Willems et al., Theorem 2, for a K-ary target): for every tree model S with |S| leaves and every sequence,

    L_CTW ≤ L_S + Γ_m(S) + |S|·((K−1)/2·log2(n/|S|) + log2 K)      with Γ_m(S) ≤ 2|S| − 1 bits,

so against any i.i.d. source of the target given the columns (the full tree is one S), the per-row excess over the
conditional entropy is ``O(|S|·K·log n / n)`` → 0: every dependence among the given columns, of any order, is learned,
and only the structure actually present is paid for.

A node with a single row is a fixed point (``P_e = 1/K`` at every depth), so splitting stops there: the work is
``O(n·depth reached)``, not ``O(n·m)``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__ = ["ctw_bits", "ctw_depth", "ctw_class_bits"]

LN_HALF = math.log(0.5)
LN2 = math.log(2.0)


def _kt_log_prob(node: np.ndarray, target: np.ndarray, k: int, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """``ln P_e`` per node, ``Σ_a ln Γ(n_a+½)/Γ(½) − ln Γ(N+K/2)/Γ(K/2)`` from the node's counts, and the counts N."""
    from .models import _log_rising_at  # no table of the rows' size (issue #16)

    cell = np.bincount(node * k + target, minlength=n_nodes * k)
    total = np.bincount(node, minlength=n_nodes)
    per_cell = _log_rising_at(0.5, cell).reshape(n_nodes, k).sum(axis=1)
    return per_cell - _log_rising_at(k / 2, total), total


def _renumber(key: np.ndarray, size: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Dense ids for the distinct values of ``key`` (< ``size``), and for each id its key. A bincount when the key
    space is small against the rows (linear), a sort otherwise."""
    if size <= 4 * len(key) + 1024:
        present = np.bincount(key, minlength=size) > 0
        ids = np.cumsum(present) - 1
        return ids[key], int(present.sum()), np.flatnonzero(present)
    values, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel(), len(values), values


def ctw_depth(n: int, alphabets: Sequence[int]) -> int:
    """The depth of the context trees ``model`` weights over: the fewest columns whose joint alphabet reaches ``n``
    contexts, taking the smallest alphabets (so no order of the columns goes deeper), at most all of them. Deeper
    splits would leave under one row per context on average; the cap depends on ``n`` and the alphabet sizes only,
    never on the values, so it is part of the class, not a choice made from the data."""
    depth, contexts = 0, 1
    for k in sorted(alphabets):
        if contexts >= n:
            break
        depth, contexts = depth + 1, contexts * max(k, 1)
    return depth


def ctw_class_bits(n_columns: int, depth: int) -> float:
    """``log2`` of the number of context trees' split orders: sequences of ``depth`` distinct columns out of
    ``n_columns``, ``n_columns! / (n_columns − depth)!``."""
    return (math.lgamma(n_columns + 1) - math.lgamma(n_columns - depth + 1)) / LN2


def ctw_bits(target: np.ndarray, k: int, columns: Sequence[tuple[np.ndarray, int]]) -> float:
    """The CTW code length of ``target`` (alphabet size ``k``) given ``columns`` split in the order given (the tree's
    depth is ``len(columns)``), in bits."""
    n = len(target)
    if n == 0:
        return 0.0
    rows = np.arange(n)  # the rows still being split (those in nodes with two or more rows)
    symbols = target  # their target symbols
    node = np.zeros(n, dtype=np.int64)
    n_nodes = 1
    levels = []  # per depth: ln P_e per node, the parent of each node, which nodes are split further
    parent = np.zeros(1, dtype=np.int64)
    for depth in range(len(columns) + 1):
        log_pe, total = _kt_log_prob(node, symbols, k, n_nodes)
        split = total >= 2 if depth < len(columns) else np.zeros(n_nodes, dtype=bool)
        levels.append((log_pe, parent, split))
        if not split.any():
            break
        keep = split[node]
        rows, node, symbols = rows[keep], node[keep], symbols[keep]
        codes, kj = columns[depth]
        node, n_nodes, keys = _renumber(node * kj + codes[rows], n_nodes * kj)
        parent = keys // kj
    log_pw_children = None  # per node of the current level, Σ ln P_w over its children (unseen children: ln 1 = 0)
    for depth in range(len(levels) - 1, -1, -1):
        log_pe, parent, split = levels[depth]
        log_pw = log_pe.copy()
        if log_pw_children is not None:
            log_pw[split] = np.logaddexp(LN_HALF + log_pe[split], LN_HALF + log_pw_children[split])
        above = len(levels[depth - 1][0]) if depth else 1
        log_pw_children = np.bincount(parent, weights=log_pw, minlength=above)
    assert log_pw_children is not None  # levels holds the root at least
    return float(-log_pw_children[0] / LN2)
