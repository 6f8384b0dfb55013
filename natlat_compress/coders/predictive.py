"""The model coders' predictive distributions, row by row: what a decoder would compute, exposed for checking.

Every code length of :mod:`natlat_compress.coders.models` is ``Σ_t −log2 P(x_t | x_<t)`` for some sequential predictive
``P`` (THEORY.md §3). The functions here return that ``P`` as an array over the whole alphabet for every row — built from
the same primitives as the code lengths, never from the future rows — so tests can check Kraft (each row's
probabilities sum to one), additivity (their ``−log2`` at the coded symbols sums to the reported length) and
achievability (an arithmetic coder driven by them decodes the table back, :mod:`natlat_compress.coders.arith`).

Shapes: a column's predictive is ``(n, k)``; a row of several columns has one joint symbol, the mixed-radix value of
its cells with the first column most significant (:func:`joint_codes`), and a predictive ``(n, K_1·…·K_m)``. Memory is
n times the alphabet: these are for checking small tables, not for scoring big ones.
"""

from __future__ import annotations

from typing import Sequence

import itertools

import numpy as np

from .ctw import ctw_bits, ctw_depth
from .models import LATENT_CLASS_SIZES, _NaiveBayesParts, latent_class_fits, merge_pair

__all__ = ["kt_predictive", "kt_predictive_by_context", "nb_predictive", "latent_class_predictive",
           "mixture_predictive", "chain_predictive", "joint_codes", "code_length", "link_class_predictives",
           "ctw_predictive", "context_tree_class_predictive",
           "joint_class_predictives"]

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
        subsets = [[]] + [[a] for a in earlier] + [[a, b] for a in earlier for b in earlier if a < b]
        log_weight, predicted = [], []
        for subset in subsets:
            context, size = joint_codes([columns[a] for a in subset]) if subset else (np.zeros(n, np.int64), 1)
            by_context = kt_predictive_by_context(codes, k, context, size)
            seen = np.log2(by_context[np.arange(n), context, codes])
            log_weight.append(np.cumsum(seen) - seen)  # the member's code length of the earlier rows
            value_context = np.zeros((n, digits.shape[1]), dtype=np.int64)  # the context each joint value gives
            for a in subset:
                cell = columns[a][0][:, None] if a < n_given else digits[a - n_given][None, :]
                value_context = value_context * columns[a][1] + cell
            predicted.append(by_context[np.arange(n)[:, None], value_context, digits[i][None, :]])
        log_weight = np.array(log_weight)
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
