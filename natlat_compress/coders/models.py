"""Model coders: sequential Bayesian codes over symbol tables, which need no bytes and reach the entropy.

A table's columns are categorical; a model coder codes target columns given other columns, row after row, each row
with statistics of the rows before it only — every code length here is a real, sequentially decodable code
(THEORY.md §3). A term ``C(T | G)`` with several target columns is a chain: ``Σ_k C(T_k | G, T_<k)``, each *link* one
column given others.

Members (each is also a coder of its own):

* ``model:kt`` — Krichevsky–Trofimov (Dirichlet ½) with the joint value of all given columns as context. KT is
  exchangeable, so its sequential code length has a closed form in the final counts (THEORY.md §3):
  ``Σ_c [log Γ(N_c + K/2) − log Γ(K/2) − Σ_a (log Γ(n_ca + ½) − log Γ(½))]``, computed from ``bincount`` and
  cumulative log tables — no sort, no loop over rows.
* ``model:nb`` — naive Bayes: ``P(a | g) ∝ P(a) ∏_j P(g_j | a)``, every factor a KT estimate from earlier rows,
  refreshed at block starts (every row at first, then blocks 5 % longer than the rows before them: one table lookup per
  row instead of a sort). It stays accurate when the joint context space is far larger than the number of rows.
  Leaving one given column out subtracts its factor: the n leave-one-out terms cost one pass, not n refits.
* latent-class models (a mixture of products over H hidden classes, a member of ``model`` only) for several columns
  coded together, prequential: rows [s, 1.25 s) are coded with parameters fitted by EM on rows [0, s) only, the first
  64 rows by KT per column. It is what describes a table whose columns share a cause that is not among them.
* ``model`` — the Bayesian mixture, uniform prior over a class fixed by the term's shape. Per link: the marginal, KT
  given each single given column, KT given each pair of them, and (for one-column targets) naive Bayes over all of
  them when there are two or more, and naive Bayes with one pair of them merged when there are three or more. For
  several columns with nothing given: the chain of those link mixtures, and latent-class models with H = 2, 4, 8, 16,
  on the columns and on the columns with one pair merged, each with ½ and with Perks' 1/K smoothing of its emission
  tables (issue #14: ½ spreads mass over the symbols of a wide alphabet that a class never emits; the 1/K form is
  evaluated for the best fit only, on all rows when it leads on the first eighth). Its code length is ``−log2 Σ_m 2^(−C_m) / M`` over the members it evaluates (all
  singles, the pair of the two best singles, naive Bayes, the most dependent pair merged, the latent-class models):
  members left out only add probability, so Kraft's inequality holds, and the length is at
  most the best member's plus ``log2 M`` — the finite-class version of the Solomonoff mixture.
* **Universality** (issue #14). With two or more given columns a link's prior is ½ on the members above and ½ on
  context-tree weighting over the given columns (:mod:`.ctw`; Willems, Shtarkov & Tjalkens 1995), split most
  informative alone first, to the depth :func:`.ctw.ctw_depth` allows, charged ``log2`` of the number of split orders.
  CTW's excess over any tree model S is at most ``Γ(S) + |S|·((K−1)/2·log2(n/|S|) + log2 K)`` bits, so for every i.i.d.
  source on the table's alphabet (within that depth) the link's excess over ``n·H(target | given)`` is
  ``O(|S|·K·log n)`` bits plus the class costs: ``→ 0`` per row. A dependence of any order among the given columns
  (a parity of three) is learned; the compact members keep small samples accurate. The tree is evaluated on all rows
  only when it beats the compact members on the leading ``CTW_GATE_ROWS`` rows (naive Bayes among them); left out, it
  only adds probability. Every member is sequential, so the mixture is too.
* ``…:tail`` — ``n`` times the rate of the second half of the rows coded after the first: the same model with most of
  its sample-size regret removed (an estimate, not a code length of the table).

**Memory** (issue #16: ``--stream`` with ``model`` on tables of tens of millions of rows). Codes stay in the
narrowest unsigned type (1–2 bytes a cell) and are widened a block of ``MODEL_BLOCK_ROWS`` rows at a time; KT's counts,
naive Bayes's per-column counts and the latent-class sums are carried from block to block, and no table of the rows'
size is made (:func:`_log_rising_at`, :func:`_pairwise_sum`). Every number is the one the whole-array computation gives
— the same integer counts, the same additions in the same order — so the bits are exactly those of main before the
change (tests/test_model_pins.py). The context tree (:mod:`.ctw`) still holds per-row arrays where it is evaluated.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, Sequence, TypeVar

import numpy as np

from .base import MODEL, Coder
from .ctw import ctw_bits, ctw_class_bits, ctw_depth

__all__ = ["ModelCoder", "kt_bits", "nb_bits", "latent_class_bits", "SymbolColumns"]

LN2 = math.log(2.0)
LATENT_CLASS_SIZES = (2, 4, 8, 16)
LC_FIRST_BLOCK = 64
LC_EM_ITERATIONS = 20  # the first fit; later fits start from the previous one
LC_WARM_ITERATIONS = 2
LC_BLOCK_ROWS = 1 << 16  # rows an EM pass holds at once (16 classes: 8 MB of responsibilities), whatever the rows
LC_HELD_CELLS = 1 << 22  # rows x classes of a fit's responsibilities kept for the next fit (32 MB); more: made again
# Block [s, g·s) is coded with parameters fitted on rows [0, s). A plug-in code pays about (d/2)·(g − 1)/ln g nats of
# regret per e-fold of rows against a Bayesian code's d/2: 1.44× for g = 2, 1.12× for g = 1.25 (measured, K-mediation
# on noisy_copies at 20,000 rows: 0.037 → 0.023 bits/row off). With 2 warm iterations a fit, EM passes over 8n rows in
# all against 5n for g = 2 and 5 iterations; one iteration a fit was unstable (dirichlet_emissions 0.02 → 0.07).
LC_BLOCK_GROWTH = 1.25
NB_BLOCK_GROWTH = 1.05
PAIR_SELECTION_ROWS = 5000  # the leading rows on which the most dependent pair of columns is chosen
NB_SCORE_CELLS = 1 << 21  # rows x classes of naive-Bayes scores held at once (16 MB): memory linear in rows and classes
PAIR_CANDIDATES = 8  # naive Bayes merges a pair among the given columns that predict the target best alone
CTW_GATE_ROWS = 1000  # the leading rows on which the context tree must beat the compact members to be evaluated
NB_HEAD_CACHE_CELLS = 1 << 23  # naive-Bayes factor cells kept for the gate's rows (64 MB)
NB_GROUP_CELLS = 1 << 20  # per-block pair counts a naive-Bayes factor makes at once (8 MB), whatever the rows
MODEL_BLOCK_ROWS = 1 << 16  # rows whose temporaries a block-wise member holds at once (issue #16: bounded memory)


class SymbolColumns:
    """A table's columns as integer codes and alphabet sizes, with a cache shared by every term asked of it.
    ``numeric`` holds the numeric columns' values (:class:`~natlat_compress.coders.numeric.NumericColumn`); their
    ``columns`` entry is their quantile bins, for categorical links given them."""

    def __init__(self, columns: dict[str, tuple[np.ndarray, int]], categories: dict[str, list] | None = None,
                 numeric: dict | None = None) -> None:
        self.columns = columns
        self.categories = categories or {}
        self.numeric = numeric or {}
        self.n = len(next(iter(columns.values()))[0]) if columns else 0
        self.cache: dict = {}

    def __getitem__(self, name: str) -> tuple[np.ndarray, int]:
        return self.columns[name]


@lru_cache(maxsize=64)
def _log_rising(beta: float, n: int) -> np.ndarray:
    """``table[m] = Σ_{k<m} ln(k + beta) = ln Γ(m + beta) − ln Γ(beta)``, for m = 0..n."""
    out = np.zeros(n + 1)
    np.cumsum(np.log(np.arange(n) + beta), out=out[1:])
    return out


LOG_TABLE_ROWS = 1 << 18  # a rising-factorial table up to this many entries is made whole and cached (2 MB)
_RISING_MARKS: dict[tuple, list[float]] = {}  # (beta, piece) -> table[i · piece] for i = 0, 1, ...


def _log_rising_at(beta: float, counts: np.ndarray) -> np.ndarray:
    """``_log_rising(beta, n)[counts]`` for any n ≥ max(counts), without a table of the rows' size (issue #16).

    Up to ``LOG_TABLE_ROWS`` a cached table; beyond, the table is made in pieces of that size, each piece's cumulative
    sum started from the last entry of the piece before — the same additions in the same order as one ``cumsum``, so
    the same numbers — keeping only the entries asked. Each piece's first entry is remembered per ``beta``."""
    counts = np.asarray(counts)
    top = int(counts.max()) if counts.size else 0
    if top <= LOG_TABLE_ROWS:
        return _log_rising(beta, LOG_TABLE_ROWS // 64 if top <= LOG_TABLE_ROWS // 64 else LOG_TABLE_ROWS)[counts]
    needed = np.unique(counts)
    values = np.empty(len(needed))
    marks = _RISING_MARKS.setdefault((beta, LOG_TABLE_ROWS), [0.0])
    for piece in range(top // LOG_TABLE_ROWS + 1):
        lo = piece * LOG_TABLE_ROWS
        hi = min(lo + LOG_TABLE_ROWS, top)  # the piece holds table[lo..hi]
        first, last = np.searchsorted(needed, lo), np.searchsorted(needed, hi, side="right")
        if first == last and piece + 1 < len(marks):
            continue
        entries = np.cumsum(np.concatenate([[marks[piece]], np.log(np.arange(lo, hi) + beta)]))
        if piece + 1 == len(marks) and hi == lo + LOG_TABLE_ROWS:
            marks.append(float(entries[-1]))
        values[first:last] = entries[needed[first:last] - lo]
    return values[np.searchsorted(needed, counts)]


def _context(columns: Sequence[tuple[np.ndarray, int]], n: int) -> tuple[np.ndarray, int]:
    """The joint value of several columns as one code < n_contexts (compacted when the product grows large)."""
    context = np.zeros(n, dtype=np.int64)
    size = 1
    for codes, k in columns:
        if size * k > max(4 * n, 1 << 16):
            context, size = _compact(context)
        context = context * k + codes
        size *= k
    if size > max(4 * n, 1 << 16):
        context, size = _compact(context)
    return context, size


def _compact(values: np.ndarray) -> tuple[np.ndarray, int]:
    uniques, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int64).ravel(), len(uniques)


def kt_bits(target: np.ndarray, k: int, context: np.ndarray | None = None, n_contexts: int = 1) -> float:
    """The KT code length of ``target`` (alphabet size ``k``) given ``context``, in bits, in closed form."""
    return _kt_from_counts(*_kt_counts(target, k, n_contexts, lambda lo, hi: context[lo:hi]
                                       if context is not None else None), k)


def _kt_counts(target: np.ndarray, k: int, n_contexts: int, context_of) -> tuple[np.ndarray, np.ndarray]:
    """The counts ``(cell[c·k + a], total[c])`` of (context, target) over all rows, gathered over blocks of rows
    (``context_of(lo, hi)``: the context codes of rows lo..hi, or None for one context)."""
    cell = np.zeros(n_contexts * k, dtype=np.int64)
    total = np.zeros(n_contexts, dtype=np.int64)
    for lo, hi in _row_blocks(0, len(target)):
        context = context_of(lo, hi)
        if context is None:
            cell += np.bincount(target[lo:hi], minlength=k)
            total[0] += hi - lo
        else:
            context = _wide(context)
            cell += np.bincount(context * k + target[lo:hi], minlength=n_contexts * k)
            total += np.bincount(context, minlength=n_contexts)
    return cell, total


def _kt_from_counts(cell: np.ndarray, total: np.ndarray, k: int) -> float:
    """KT's closed form over final counts: ``Σ_c [ln Γ(N_c + K/2) − ln Γ(K/2)] − Σ_ca [ln Γ(n_ca + ½) − ln Γ(½)]``."""
    if not total.any():
        return 0.0
    nats = _log_rising_at(k / 2, total).sum() - _log_rising_at(0.5, cell).sum()
    return float(nats / LN2)


def _kt_given(target: np.ndarray, k: int, given: Sequence[tuple[np.ndarray, int]], n: int) -> float:
    """KT of ``target`` with the joint value of the ``given`` columns as context. When the product of their alphabets
    is small enough that :func:`_context` would not compact it, the context is made block by block (memory does not
    grow with the rows, issue #16); otherwise it is made whole and compacted, as :func:`_context` does."""
    size = math.prod(kj for _, kj in given)
    if size > max(4 * n, 1 << 16):
        context, size = _context(given, n)
        return kt_bits(target, k, context, size)

    def context_of(lo: int, hi: int) -> np.ndarray:
        context = np.zeros(hi - lo, dtype=np.int64)
        for codes, kj in given:
            context = context * kj + codes[lo:hi]
        return context

    return _kt_from_counts(*_kt_counts(target, k, size, context_of), k)


def block_starts(n: int, growth: float = NB_BLOCK_GROWTH) -> np.ndarray:
    """Row indices where naive-Bayes statistics are refreshed: every row at first, then blocks growing by ``growth``."""
    starts = [0]
    while starts[-1] < n:
        starts.append(max(starts[-1] + 1, math.ceil(starts[-1] * growth)))
    return np.array(starts[:-1], dtype=np.int64)


def _row_blocks(lo: int, hi: int):
    """Rows lo..hi in blocks of ``MODEL_BLOCK_ROWS``: what a block-wise member holds temporaries for at once."""
    for start in range(lo, hi, MODEL_BLOCK_ROWS):
        yield start, min(start + MODEL_BLOCK_ROWS, hi)


def _wide(codes: np.ndarray) -> np.ndarray:
    """Codes as int64 for arithmetic (a table keeps them in the narrowest type; ``uint8 * 1000`` would overflow)."""
    return codes.astype(np.int64, copy=False)


def _pairwise_sum(values_of: Callable[[int, int], np.ndarray], lo: int, hi: int) -> float:
    """``values_of(lo, hi).sum()`` — numpy's pairwise summation of the rows' values — without holding them all: the
    range is split where numpy splits it (half, rounded down to a multiple of 8) until a piece fits in a block, and
    each piece is summed by numpy. The same additions in the same order, so the same float (tests/test_model_pins.py)."""
    n = hi - lo
    if n <= max(MODEL_BLOCK_ROWS, 128):
        return float(np.sum(values_of(lo, hi)))
    half = n // 2 - (n // 2) % 8
    return _pairwise_sum(values_of, lo, lo + half) + _pairwise_sum(values_of, lo + half, hi)


class _NaiveBayesParts:
    """The naive-Bayes log scores from the statistics of earlier blocks: the prior ``ln(n_a + ½)`` and, per given
    column, ``ln P(g_j | a) = ln(n_{a,g_j} + ½) − ln(n_a + K_j/2)``. Logarithms are taken on the small per-block
    tables, then gathered for a range of rows: the scores are rows × classes, so they are made for ``chunks`` of at
    most ``NB_SCORE_CELLS`` cells — a target with as many classes as rows (an id column) would otherwise need n².

    Memory does not grow with the rows (issue #16): no per-row array is kept, and each given column's counts are
    carried from block to block (:class:`_RunningPairs`, one given alphabet × target alphabet table) instead of a
    table per block. Every number is the one the whole-array computation gives (the same integer counts, the same
    logarithms of them), so the bits are too (tests/test_model_pins.py)."""

    def __init__(self, target: np.ndarray, k: int) -> None:
        n = len(target)
        self.target, self.k, self.n = target, k, n
        self._blocks: dict[tuple[int, int], np.ndarray] = {}
        self.starts = block_starts(n)
        self.ends = np.append(self.starts[1:], n)
        self.n_blocks = len(self.starts)
        flat = np.zeros(self.n_blocks * k, dtype=np.int64)
        for lo, hi in _row_blocks(0, n):
            flat += np.bincount(self.block(lo, hi) * k + target[lo:hi], minlength=self.n_blocks * k)
        cells = flat.reshape(self.n_blocks, k)
        self.class_counts = np.cumsum(cells, axis=0) - cells  # [b, a]: rows before block b with target a
        self.log_prior = np.log(self.class_counts + 0.5)
        step = max(1, NB_SCORE_CELLS // max(k, 1))
        self.chunks = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
        self._running: dict[int, tuple] = {}  # id(codes) -> (column, its running counts): kept while chunks run

    def block(self, lo: int, hi: int) -> np.ndarray:
        """The block of each row lo..hi (a few ranges kept: a chunk's prior and every column's factor ask the same)."""
        if (lo, hi) not in self._blocks:
            if len(self._blocks) >= 4:
                self._blocks.clear()
            self._blocks[(lo, hi)] = np.searchsorted(self.starts, np.arange(lo, hi), side="right") - 1
        return self._blocks[(lo, hi)]

    def prior(self, lo: int, hi: int) -> np.ndarray:
        return self.log_prior[self.block(lo, hi)]

    def factor(self, column: tuple[np.ndarray, int], lo: int, hi: int) -> np.ndarray:
        codes, _ = column
        if id(codes) not in self._running:
            self._running[id(codes)] = (column, _RunningPairs(self, column))
        return self._running[id(codes)][1].factor(lo, hi)

    def cells(self) -> int:
        """The cells of count and log tables held for the given columns."""
        return sum(running.cells() for _, running in self._running.values())

    def scores(self, columns: Sequence[tuple[np.ndarray, int]], lo: int, hi: int) -> np.ndarray:
        scores = self.prior(lo, hi)
        for column in columns:
            scores += self.factor(column, lo, hi)
        return scores


class _RunningPairs:
    """One given column's naive-Bayes factor, from counts carried across the rows: ``counts`` are the pairs ``n[g, a]``
    of the rows before block ``at``. A range of rows is made in groups of blocks whose per-block tables hold at most
    ``NB_GROUP_CELLS`` cells: the per-block counts of a group by one bincount and a cumulative sum, as the whole-array
    computation made them for every block at once (the same integers, the same logarithms: the same bits), in memory
    that does not grow with the rows. Callers ask the same chunk's factor several times: the counts at the chunk's
    first block are kept (``mark``), so going back to it costs the chunk's rows, not all rows before; and when the
    chunk's blocks fit in one group, their table is kept (``kept``) for the next call on the same blocks."""

    def __init__(self, parts: _NaiveBayesParts, column: tuple[np.ndarray, int]) -> None:
        self.parts = parts
        self.codes, self.kj = column
        self.at, self.counts = 0, np.zeros(self.kj * parts.k, dtype=np.int64)
        self.mark: tuple[int, np.ndarray] = (0, self.counts.copy())  # (a block, the counts before it)
        self.kept: tuple[tuple[int, int], np.ndarray] | None = None  # ((first, last) block, their table) of one group

    def cells(self) -> int:
        return len(self.counts) + len(self.mark[1]) + (self.kept[1].size if self.kept is not None else 0)

    def _pairs(self, lo: int, hi: int, block_of: np.ndarray | None = None, n_blocks: int = 1) -> np.ndarray:
        """The pair counts of rows lo..hi (with ``block_of``, per block: n_blocks × pairs)."""
        parts, cells = self.parts, len(self.counts)
        out = np.zeros(n_blocks * cells, dtype=np.int64)
        for a, b in _row_blocks(lo, hi):
            key = _wide(self.codes[a:b]) * parts.k + parts.target[a:b]
            if block_of is not None:
                key += block_of[a - lo:b - lo] * cells
            out += np.bincount(key, minlength=n_blocks * cells)
        return out.reshape(n_blocks, cells)

    def _seek(self, block: int) -> None:
        """Make ``counts`` those of the rows before ``block``."""
        parts = self.parts
        if block < self.at:
            self.at, self.counts = self.mark if self.mark[0] <= block else (0, np.zeros_like(self.counts))
        if block > self.at:
            self.counts = self.counts + self._pairs(int(parts.starts[self.at]), int(parts.starts[block]))[0]
            self.at = block

    def factor(self, lo: int, hi: int) -> np.ndarray:
        """``ln P(g_j | a)`` for rows lo..hi and every class a, from the rows before each row's block."""
        parts, kj, k = self.parts, self.kj, self.parts.k
        out = np.empty((hi - lo, k))
        if hi <= lo:
            return out
        first, last = (int(b) for b in np.searchsorted(parts.starts, [lo, hi - 1], side="right") - 1)
        group = max(1, NB_GROUP_CELLS // len(self.counts))
        if self.kept is None or self.kept[0] != (first, last):
            self.kept = None
            self._seek(first)
            if self.mark[0] != first:
                self.mark = (first, self.counts)
        for g0 in range(first, last + 1, group):
            g1 = min(g0 + group, last + 1)
            table = self.kept[1] if self.kept is not None else self._table(g0, g1)
            if g1 - g0 == last + 1 - first:  # the whole range in one table: kept for the next call on it
                self.kept = ((first, last), table)
            r0, r1 = max(lo, int(parts.starts[g0])), min(hi, int(parts.ends[g1 - 1]))
            out[r0 - lo:r1 - lo] = np.take(table, (parts.block(r0, r1) - g0) * kj + self.codes[r0:r1], axis=0)
        return out

    def _table(self, g0: int, g1: int) -> np.ndarray:
        """The log factors of blocks g0..g1-1, ``(block − g0)·K_j + g`` by class, from the counts before each block:
        the carried counts plus the blocks before it in the group."""
        parts, kj, k = self.parts, self.kj, self.parts.k
        self._seek(g0)
        rows0, rows1 = int(parts.starts[g0]), int(parts.starts[g1 - 1])
        per_block = self._pairs(rows0, rows1, parts.block(rows0, rows1) - g0, g1 - 1 - g0)
        before = self.counts + np.concatenate([np.zeros((1, len(self.counts)), dtype=np.int64),
                                               np.cumsum(per_block, axis=0)])
        self.at, self.counts = g1 - 1, before[-1]
        return (np.log(before.reshape(g1 - g0, kj, k) + 0.5)
                - np.log(parts.class_counts[g0:g1] + kj / 2)[:, None, :]).reshape((g1 - g0) * kj, k)


def _nb_from_scores(scores: np.ndarray, target: np.ndarray) -> float:
    top = scores.max(axis=1, keepdims=True)
    shifted = scores - top
    log_norm = top[:, 0] + np.log(np.exp(shifted, out=shifted).sum(axis=1))  # in place: one rows × classes array less
    rows, classes = scores.shape
    coded = np.take(scores.ravel(), np.arange(rows) * classes + target)  # 5x faster than scores[arange, target]
    return float((log_norm - coded).sum() / LN2)


def nb_bits(target: np.ndarray, k: int, given: Sequence[tuple[np.ndarray, int]]) -> float:
    """The naive-Bayes sequential code length of ``target`` given the columns ``given``, in bits."""
    return _nb_total(_NaiveBayesParts(target, k), given)


def _nb_total(parts: _NaiveBayesParts, given: Sequence[tuple[np.ndarray, int]]) -> float:
    return sum(_nb_from_scores(parts.scores(given, lo, hi), parts.target[lo:hi]) for lo, hi in parts.chunks)


def pair_dependence(first: tuple[np.ndarray, int], second: tuple[np.ndarray, int], classes: np.ndarray,
                    n_classes: int) -> tuple[float, int]:
    """How much two columns depend on each other beyond what a class explains: the plug-in conditional mutual
    information ``I(C_1; C_2 | class)`` in nats on the leading ``PAIR_SELECTION_ROWS`` rows, and the free parameters
    merging the pair adds (``n_classes·(k_1 − 1)·(k_2 − 1)``). A pair whose merged alphabet is larger than those rows
    is too sparse to merge: (0, 0)."""
    (ci, ki), (cj, kj) = first, second
    rows = min(len(classes), PAIR_SELECTION_ROWS)
    if ki * kj > rows:
        return 0.0, 0
    n = np.bincount((_wide(classes[:rows]) * ki + ci[:rows]) * kj + cj[:rows],
                    minlength=n_classes * ki * kj).reshape(n_classes, ki, kj).astype(float)
    per_class, a, b = n.sum(axis=(1, 2)), n.sum(axis=2), n.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmi = float(np.nansum(n * np.log(n * per_class[:, None, None] / (a[:, :, None] * b[:, None, :])))) / rows
    return cmi, n_classes * (ki - 1) * (kj - 1)


Name = TypeVar("Name")  # a column's name or its index


def best_pair(names: Sequence[Name], dependence: Callable[[Name, Name], float]) -> tuple[Name, Name] | None:
    """The pair of ``names`` (in that order) with the largest ``dependence``, the first on ties; None if all are 0."""
    best, best_value = None, 0.0
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            value = dependence(first, second)
            if value > best_value:
                best, best_value = (first, second), value
    return best


def merge_pair(columns: Sequence[tuple[np.ndarray, int]], pair: tuple[int, int]) -> list[tuple[np.ndarray, int]]:
    """The columns with ``pair`` replaced by one column of their joint value (in the first one's place)."""
    i, j = pair
    (ci, ki), (cj, kj) = columns[i], columns[j]
    joint = np.empty(len(ci), dtype=np.min_scalar_type(max(ki * kj - 1, 0)))  # narrow, made block by block
    for lo, hi in _row_blocks(0, len(ci)):
        joint[lo:hi] = _wide(ci[lo:hi]) * kj + cj[lo:hi]
    return [(joint, ki * kj) if m == i else c for m, c in enumerate(columns) if m != j]


def _lc_fit(columns, rows: int, classes: int, resp, iterations: int, rng: np.random.Generator,
            perks: bool = False):
    """EM for a latent-class model on the first ``rows`` rows, from responsibilities ``resp`` of the rows before (new
    rows start from seeded Dirichlet draws), emission tables smoothed by ½ or with ``perks`` by ``1/K``. Returns
    (log π, [log θ per column], responsibilities): the last an array when small, else :class:`_Responsibilities`,
    made again block by block when they are read.

    Memory does not grow with the rows (issue #16: ``--stream`` with ``model``): every pass goes over blocks of
    ``LC_BLOCK_ROWS`` rows, and every sum is taken in row order, each block's added to the running total as one
    more leading row — exactly the order of a sum over all rows at once, so the bits are those of the whole-array
    computation (tests/test_stream.py checks it against that computation)."""

    def log_params(blocks):  # the M step over (lo, hi, responsibilities of rows lo..hi)
        per_class: np.ndarray | None = None
        counts: list[np.ndarray] = []
        for lo, hi, r in blocks:
            weights = _class_weights(r)  # laid out once per block for every column's counts
            if per_class is None:
                per_class = r.sum(axis=0)
                counts = [_class_value_counts(codes[:hi], k, weights) for codes, k in columns]
                continue
            per_class = np.vstack([per_class, r]).sum(axis=0)
            counts = [_class_value_counts(codes[lo:hi], k, weights, count)
                      for (codes, k), count in zip(columns, counts)]
        if per_class is None:  # no rows (an empty training table): no counts
            per_class, counts = np.zeros(classes), [np.zeros((classes, k)) for _, k in columns]
        log_prior = np.log(per_class + 0.5) - math.log(rows + classes / 2)
        alphas = [1 / k if perks else 0.5 for _, k in columns]
        log_theta = [np.log(count.T + alpha) - np.log(per_class + k * alpha)
                     for count, (_, k), alpha in zip(counts, columns, alphas)]
        return log_prior, log_theta

    def first_blocks():  # the rows before, then Dirichlet draws for the new rows (drawn in row order)
        for lo in range(0, rows, LC_BLOCK_ROWS):
            hi = min(lo + LC_BLOCK_ROWS, rows)
            held = min(max(len(resp) - lo, 0), hi - lo)
            yield lo, hi, np.vstack([resp[lo:lo + held], rng.dirichlet(np.ones(classes), size=hi - lo - held)])

    def e_blocks(e_params, kept: list | None):
        for lo in range(0, rows, LC_BLOCK_ROWS):
            hi = min(lo + LC_BLOCK_ROWS, rows)
            r = _lc_responsibilities(columns, lo, hi, *e_params)
            if kept is not None:
                kept.append(r)
            yield lo, hi, r

    params = log_params(first_blocks())
    # The last E step's responsibilities start the next fit: kept when small, else made again from its parameters.
    kept: list[np.ndarray] | None = [] if rows * classes <= LC_HELD_CELLS else None
    for iteration in range(iterations):
        e_params = params
        params = log_params(e_blocks(e_params, kept if iteration == iterations - 1 else None))
    return (*params, np.vstack(kept) if kept else _Responsibilities(columns, rows, e_params))


def _class_weights(r: np.ndarray) -> tuple[int, np.ndarray]:
    """Responsibilities (rows × classes) laid out for :func:`_class_value_counts`: with fewer than 8 classes one
    contiguous row per class (bincount reads contiguous weights 2.5x faster), else row by row."""
    classes = r.shape[1]
    return classes, np.ascontiguousarray(r.T) if classes < 8 else r.ravel()


def _class_value_counts(codes: np.ndarray, k: int, weights: tuple[int, np.ndarray],
                        before: np.ndarray | None = None) -> np.ndarray:
    """The expected counts of (class, value) of one column, ``Σ_rows r[row, h]·[codes[row] = v]`` as classes × k
    (``weights``: the responsibilities r from :func:`_class_weights`), each cell's terms added in row order after
    ``before`` (the counts of earlier rows, as one more leading row): the sums of a bincount per class over all rows at
    once, to the bit. With 8 or more classes one bincount over (value, class) cells does them all, 1.3–5× faster; with
    fewer, a bincount per class is faster."""
    classes, laid_out = weights
    if classes < 8:
        if before is None:
            return np.stack([np.bincount(codes, weights=w, minlength=k) for w in laid_out])
        values = np.concatenate([np.arange(k), codes])
        return np.stack([np.bincount(values, weights=np.concatenate([before[h], w]), minlength=k)
                         for h, w in enumerate(laid_out)])
    cells = ((codes.astype(np.intp) * classes)[:, None] + np.arange(classes)).ravel()
    flat = laid_out
    if before is not None:
        cells = np.concatenate([np.arange(k * classes), cells])
        flat = np.concatenate([before.T.ravel(), laid_out])
    return np.bincount(cells, weights=flat, minlength=k * classes).reshape(k, classes).T


def _lc_responsibilities(columns, lo: int, hi: int, log_prior: np.ndarray, log_theta: list) -> np.ndarray:
    """The E step for rows lo..hi: each row's posterior over the classes."""
    scores = _lc_scores(columns, lo, hi, log_prior, log_theta)
    scores -= scores.max(axis=1, keepdims=True)
    r = np.exp(scores)
    r /= r.sum(axis=1, keepdims=True)
    return r


class _Responsibilities:
    """The responsibilities of a fit's rows, from the parameters of its last E step, made for the rows asked
    (``resp[lo:hi]``), never rows × classes at once. Row by row the same numbers as an array of them all."""

    def __init__(self, columns, rows: int, params: tuple) -> None:
        self.columns, self.rows, self.params = columns, rows, params

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, rows: slice) -> np.ndarray:
        lo, hi, _ = rows.indices(self.rows)
        return _lc_responsibilities(self.columns, lo, max(lo, hi), *self.params)


def _lc_scores(columns, lo: int, hi: int, log_prior: np.ndarray, log_theta: list) -> np.ndarray:
    """``ln π_h + Σ_i ln θ_hi(x_i)`` for rows lo..hi, per class."""
    scores = np.broadcast_to(log_prior, (hi - lo, len(log_prior))).copy()
    for (codes, _), table in zip(columns, log_theta):
        scores += np.take(table, codes[lo:hi], axis=0)  # 4x faster than table[codes], the same numbers
    return scores


def _lc_row_bits(scores: np.ndarray) -> np.ndarray:
    top = scores.max(axis=1)
    return -(top + np.log(np.exp(scores - top[:, None]).sum(axis=1))) / LN2


def latent_class_bits(columns: Sequence[tuple[np.ndarray, int]], classes: int, perks: bool = False) -> float:
    """The prequential latent-class code length of the rows of ``columns``, in bits.

    Block [s, 1.25 s) is coded with ``P(x) = Σ_h π_h ∏_i θ_hi(x_i)`` whose parameters come from EM on rows [0, s) (warm
    started, Dirichlet ½ smoothing, a fixed seed for the first responsibilities): every row is coded from earlier rows
    only, so a decoder can repeat the fits. The first 64 rows are coded by KT, column by column. With ``perks`` the
    emission tables are smoothed by ``1/K`` (Perks' prior) instead of ½, in EM and in the code.
    """
    start = min(LC_FIRST_BLOCK, len(columns[0][0]))
    bits = sum(kt_bits(codes[:start], k) for codes, k in columns)
    for start, stop, log_prior, log_theta in latent_class_fits(columns, classes, perks):
        # Scores in blocks of rows (memory), summed as one sum over the rows would be (the same float).
        bits += _pairwise_sum(lambda lo, hi: _lc_row_bits(_lc_scores(columns, lo, hi, log_prior, log_theta)),
                              start, stop)
    return bits


def latent_class_fits(columns: Sequence[tuple[np.ndarray, int]], classes: int, perks: bool = False):
    """The prequential latent-class code's fits, block by block: ``(start, stop, log π, [log θ per column])`` for rows
    [start, stop) = [s, 1.25 s) fitted by EM on rows [0, s), the first block after the 64 rows coded by KT (what
    :func:`latent_class_bits` sums and :mod:`.predictive` spells out row by row)."""
    n = len(columns[0][0])
    start = min(LC_FIRST_BLOCK, n)
    rng = np.random.default_rng(0)
    resp = np.empty((0, classes))
    while start < n:
        stop = min(max(start + 1, math.ceil(start * LC_BLOCK_GROWTH)), n)
        log_prior, log_theta, resp = _lc_fit(columns, start, classes, resp,
                                             LC_EM_ITERATIONS if not len(resp) else LC_WARM_ITERATIONS, rng, perks)
        yield start, stop, log_prior, log_theta
        start = stop


def latent_class_column_sets(columns: Sequence[tuple[np.ndarray, int]], rows: int | None = None):
    """The column sets latent-class members are fitted to, and the size of the class of joint members they stand for.

    A latent-class model assumes the columns independent given the class; a pair that depends beyond it (one column
    copying another) costs bits on every row. So beside the columns themselves, ``model`` fits the columns with their
    most dependent pair merged — the pair with the largest ``I(C_i; C_j | class)`` under a latent-class fit with 4
    classes on the leading rows (of the first ``rows``), if it is at least twice the median pair's. The class counts
    every pair, ``1 + |H|·(1 + n(n−1)/2)`` members; those not evaluated only add probability.
    """
    n = len(columns)
    if n < 3:  # merging two columns leaves one, which the chain's marginal KT already codes
        return [list(columns)], 1 + len(LATENT_CLASS_SIZES)
    class_size = 1 + len(LATENT_CLASS_SIZES) * (1 + n * (n - 1) // 2)
    head = min(rows if rows is not None else len(columns[0][0]), PAIR_SELECTION_ROWS)
    classes = 4
    *_, resp = _lc_fit(columns, head, classes, np.empty((0, classes)), LC_EM_ITERATIONS, np.random.default_rng(0))
    fitted = resp[:head].argmax(axis=1)
    # The classes were fitted to these very rows, so every pair keeps some dependence given them and the χ² reference
    # does not hold; a pair is merged when it stands out against the others: twice the median pair's dependence.
    excess = {(i, j): pair_dependence(columns[i], columns[j], fitted, classes)[0]
              for i in range(n) for j in range(i + 1, n)}
    typical = float(np.median(list(excess.values())))
    pair = best_pair(range(n), lambda i, j: excess[i, j] if excess[i, j] > 2 * typical else 0.0)
    return ([list(columns)] if pair is None else [list(columns), merge_pair(columns, pair)]), class_size


def _mixture(member_bits: Sequence[float] | np.ndarray, class_size: int) -> float:
    """``−log2 Σ_m 2^(−C_m) / M``: a uniform Bayesian mixture over a class of M members, some evaluated."""
    bits = np.asarray(member_bits, dtype=float)
    best = bits.min()
    return float(best - np.log2(np.exp2(best - bits).sum()) + math.log2(class_size))


def _head_table(table: SymbolColumns) -> SymbolColumns:
    """The leading ``CTW_GATE_ROWS`` rows of ``table``, made once: the gate's code lengths on them are cached there."""
    key = ("head", CTW_GATE_ROWS)
    if key not in table.cache:
        table.cache[key] = SymbolColumns({c: (codes[:CTW_GATE_ROWS], k) for c, (codes, k) in table.columns.items()})
    return table.cache[key]


def _nb_head_bits(head: SymbolColumns, target: str, given: Sequence[str]) -> float:
    """Naive Bayes of ``target`` given ``given`` on the gate's rows. Its factor tables (blocks × column alphabet ×
    classes) are kept per target, so the many links of one target with overlapping given sets only add them up; when
    the kept tables pass ``NB_HEAD_CACHE_CELLS`` cells they are all dropped (memory stays bounded, an id column too)."""
    kept = head.cache.setdefault("nb parts", {})
    if target not in kept:
        cells = sum(parts.cells() for parts in kept.values())
        if cells > NB_HEAD_CACHE_CELLS:
            kept.clear()
        kept[target] = _NaiveBayesParts(*head[target])
    return _nb_total(kept[target], [head[g] for g in given])


class ModelCoder(Coder):
    """A sequential model over symbol tables: ``model``, ``model:kt`` or ``model:nb`` (module docstring)."""

    family = "model"
    method = MODEL
    reads = "symbols"

    def __init__(self, member: str = "mixture", tail: bool = False) -> None:
        name = "model" if member == "mixture" else f"model:{member}"
        super().__init__(f"{name}:tail" if tail else name, None)
        self.member = member
        self.tail = tail

    @staticmethod
    def library_version() -> str:
        return f"natlat_compress models, numpy {np.__version__}"

    def compress(self, data: bytes) -> bytes:
        raise NotImplementedError("model coders code symbol tables, not bytes")

    # -- code lengths over a SymbolColumns table --------------------------------------------------------------------
    def symbol_bits(self, table: SymbolColumns, target: Sequence[str], given: Sequence[str] = ()) -> float:
        """``C(target | given)`` in bits: a chain over the target columns in the order given."""
        return self.symbol_bits_many(table, target, [given])[0]

    def symbol_bits_many(self, table: SymbolColumns, target: Sequence[str],
                         givens: Sequence[Sequence[str]]) -> list[float]:
        """``C(target | G)`` for several G at once, sharing work (the leave-one-out terms of one target).

        With ``tail`` (``model:tail``): not a code length of the whole table but ``n`` times the rate of its second
        half coded after the first, ``(C(all rows) − C(first ⌊n/2⌋ rows)) · n / ⌈n/2⌉`` — the learning code's regret
        on the second half is about ``(k/2)·log2 2`` bits for k parameters instead of ``(k/2)·log2 n`` on all rows
        (THEORY.md §3, Rissanen), so differences of such terms carry far less sample-size bias."""
        if self.tail:
            half = table.n // 2
            if half == 0:
                return [0.0 for _ in givens]
            key = ("first half", half)
            if key not in table.cache:
                table.cache[key] = SymbolColumns({c: (codes[:half], k) for c, (codes, k) in table.columns.items()})
            whole = ModelCoder(self.member)
            full = whole.symbol_bits_many(table, target, givens)
            head = whole.symbol_bits_many(table.cache[key], target, givens)
            return [(f - h) * table.n / (table.n - half) for f, h in zip(full, head)]
        target = list(target)
        if len(target) == 1 and target[0] in table.numeric:  # every member codes a numeric target by one mixture
            from .numeric import numeric_link_bits

            return [numeric_link_bits(table, target[0], list(g)) for g in givens]
        if len(target) == 1 and self.member in ("mixture", "nb"):
            return self._single_target_many(table, target[0], [list(g) for g in givens])
        return [self._joint(table, target) if not g and len(target) > 1 and self.member == "mixture"
                else sum(self._link(table, t, list(g) + target[:i]) for i, t in enumerate(target)) for g in givens]

    def _joint(self, table: SymbolColumns, target: list[str]) -> float:
        """Several columns, nothing given: the chain of link mixtures beside latent-class models, on the columns and
        on the columns with their most dependent pair merged."""
        key = ("joint", tuple(target))
        if key not in table.cache and any(t in table.numeric for t in target):  # latent classes code symbols only
            table.cache[key] = sum(self._link(table, t, target[:i]) for i, t in enumerate(target))
        if key not in table.cache:
            chain = sum(self._link(table, t, target[:i]) for i, t in enumerate(target))
            column_sets, class_size = latent_class_column_sets([table[t] for t in target])
            fits = [(latent_class_bits(columns, h), columns, h) for columns in column_sets for h in LATENT_CLASS_SIZES]
            # Every latent-class member also with Perks' 1/K smoothing (the class doubles; the chain stays one member):
            # ½ spreads mass over every symbol of a wide alphabet that a class never emits. Evaluated for the best
            # member's columns and classes only, and on all rows only if it beats ½ on the leading eighth of them (a
            # prequential code's prefix costs a prefix of the work); members left out only add probability.
            _, columns, h = min(fits, key=lambda fit: fit[0])
            head = table.n // 8
            lead = [(codes[:head], k) for codes, k in columns]
            if head < LC_FIRST_BLOCK or latent_class_bits(lead, h, perks=True) < latent_class_bits(lead, h):
                fits.append((latent_class_bits(columns, h, perks=True), columns, h))
            table.cache[key] = _mixture([chain, *(bits for bits, _, _ in fits)], 2 * class_size - 1)
        return table.cache[key]

    def _link(self, table: SymbolColumns, target: str, given: list[str]) -> float:
        if target in table.numeric:
            from .numeric import numeric_link_bits

            return numeric_link_bits(table, target, given)
        codes, k = table[target]
        if self.member == "kt":
            return self._kt(table, target, tuple(given))
        if self.member == "nb":
            return nb_bits(codes, k, [table[g] for g in given])
        # A link is a function of its target and the set of its given columns: the chains of one table repeat links
        # (in C(X_-j | X_j), target i > j is given X_<i, as in C(X)), so each is computed once.
        key = ("link", target, frozenset(given))
        if key not in table.cache:
            table.cache[key] = self._mix(table, target, given)
        return table.cache[key]

    def _kt(self, table: SymbolColumns, target: str, given: tuple[str, ...]) -> float:
        key = ("kt", target, frozenset(given))
        if key not in table.cache:
            codes, k = table[target]
            table.cache[key] = _kt_given(codes, k, [table[g] for g in given], table.n)
        return table.cache[key]

    def _mix(self, table: SymbolColumns, target: str, given: list[str], extra: Sequence[float] = (),
             extra_class: int = 0, extra_head: Sequence[float] = ()) -> float:
        """The mixture over marginal, singles, the best pair (class: all pairs) and extra members standing for a class
        of ``extra_class`` more (``extra_head``: their code lengths on the leading ``CTW_GATE_ROWS`` rows); with two or
        more given columns, beside context-tree weighting over them (:mod:`.ctw`)."""
        m = len(given)
        members = [self._kt(table, target, ())]
        singles = sorted((self._kt(table, target, (g,)), g) for g in given)
        members += [bits for bits, _ in singles]
        pair = tuple(sorted(g for _, g in singles[:2]))
        if m >= 2:
            members.append(self._kt(table, target, pair))
        members += extra
        class_size = 1 + m + m * (m - 1) // 2 + extra_class
        compact = _mixture(members, class_size)
        if m < 2:  # with one given column the context tree repeats the marginal and the single
            return compact
        # Prior ½ on the compact families, ½ on context-tree weighting over the given columns, split most informative
        # alone first, to the depth ctw_depth allows: one of the m!/(m − depth)! split orders (the others only add
        # probability). The tree is evaluated on all rows only when it beats the compact members on the leading rows:
        # a choice by code length that saves the full pass where the compact families already describe the table.
        order = tuple(g for _, g in singles)
        depth = ctw_depth(table.n, [table[g][1] for g in given])
        cost = ctw_class_bits(m, depth)
        if table.n > CTW_GATE_ROWS:
            head = _head_table(table)
            head_compact = [self._kt(head, target, ()), *extra_head]
            # A chain's link has no naive-Bayes member, but the tree must beat it too: where naive Bayes describes the
            # link, latent-class members usually describe the whole chain, and the tree's full pass would be wasted.
            if not extra_head:
                head_compact.append(_nb_head_bits(head, target, given))
            head_compact += [self._kt(head, target, names) for names in (order[:1], pair)]
            if self._ctw(head, target, order[:depth]) + cost >= _mixture(head_compact, class_size):
                return _mixture([compact], 2)
        universal = self._ctw(table, target, order[:depth]) + cost
        return _mixture([compact, universal], 2)

    def _ctw(self, table: SymbolColumns, target: str, order: tuple[str, ...]) -> float:
        key = ("ctw", target, order)
        if key not in table.cache:
            codes, k = table[target]
            table.cache[key] = ctw_bits(codes, k, [table[g] for g in order])
        return table.cache[key]

    # -- one row at a time, after a training table (the per-item values of natlat priors) ------------------------------
    def row_bits_after(self, train: SymbolColumns, rows: SymbolColumns, columns: Sequence[str]) -> np.ndarray:
        """Per row of ``rows``, the code length of that row alone given the training rows, in bits: the model's
        posterior predictive after ``train`` (both tables on the same alphabets). For ``model`` the members are those of
        a joint term — the chain of link mixtures and the latent-class models with ½ and with Perks' 1/K smoothing, the
        latter fitted on all of ``train`` — weighted by ``2^(−C_m(train))``."""
        t, columns = train.n, list(columns)
        both = SymbolColumns({c: (np.concatenate([train[c][0], rows[c][0]]), train[c][1]) for c in columns})

        def kt_after(target: str, given: Sequence[str]) -> tuple[np.ndarray, float]:
            codes, k = both[target]
            if given:
                context, size = _context([both[g] for g in given], len(codes))
            else:
                context, size = np.zeros(len(codes), dtype=np.int64), 1
            cell = np.bincount(context[:t] * k + codes[:t], minlength=size * k)
            total = np.bincount(context[:t], minlength=size)
            row_context, row_codes = context[t:], codes[t:]
            per_row = -np.log2((cell[row_context * k + row_codes] + 0.5) / (total[row_context] + k / 2))
            return per_row, kt_bits(codes[:t], k, context[:t], size)

        def nb_after(target: str, given: Sequence[str]) -> tuple[np.ndarray, float]:
            codes, k = both[target]
            class_counts = np.bincount(codes[:t], minlength=k)
            scores = np.broadcast_to(np.log(class_counts + 0.5), (rows.n, k)).copy()
            for g in given:
                g_codes, kg = both[g]
                pairs = np.bincount(_wide(g_codes[:t]) * k + codes[:t], minlength=kg * k).reshape(kg, k)
                scores += (np.log(pairs + 0.5) - np.log(class_counts + kg / 2))[g_codes[t:]]
            top = scores.max(axis=1)
            norm = top + np.log(np.exp(scores - top[:, None]).sum(axis=1))
            per_row = (norm - scores[np.arange(rows.n), codes[t:]]) / LN2
            return per_row, nb_bits(codes[:t], k, [(both[g][0][:t], both[g][1]) for g in given])  # training rows only

        def mix_after(members: list[tuple[np.ndarray, float]], class_size: int) -> tuple[np.ndarray, float]:
            totals = np.array([total for _, total in members])
            weights = np.exp2(totals.min() - totals)
            stacked = np.stack([per_row for per_row, _ in members])
            low = stacked.min(axis=0)
            per_row = low - np.log2((weights[:, None] * np.exp2(low - stacked)).sum(axis=0) / weights.sum())
            return per_row, _mixture(totals, class_size)

        def link_after(target: str, given: list[str]) -> tuple[np.ndarray, float]:
            if self.member == "kt":
                return kt_after(target, given)
            if self.member == "nb":
                return nb_after(target, given)
            members = [kt_after(target, [])]
            singles = sorted(((kt_after(target, [g]), g) for g in given), key=lambda x: (x[0][1], x[1]))
            members += [member for member, _ in singles]
            if len(given) >= 2:
                members.append(kt_after(target, sorted(g for _, g in singles[:2])))
            m = len(given)
            return mix_after(members, 1 + m + m * (m - 1) // 2)

        links = [link_after(c, columns[:i]) for i, c in enumerate(columns)]
        chain = (np.sum([per_row for per_row, _ in links], axis=0), sum(total for _, total in links))
        if self.member != "mixture" or len(columns) < 2:
            return chain[0]
        members = [chain]
        column_sets, class_size = latent_class_column_sets([both[c] for c in columns], rows=t)
        for both_columns in column_sets:
            train_columns = [(codes[:t], k) for codes, k in both_columns]
            for h in LATENT_CLASS_SIZES:
                for perks in (False, True):  # as in a joint term: ½ and Perks' 1/K emission smoothing (issue #14)
                    log_prior, log_theta, _ = _lc_fit(train_columns, t, h, np.empty((0, h)), LC_EM_ITERATIONS,
                                                      np.random.default_rng(0), perks)
                    per_row = _lc_row_bits(_lc_scores(both_columns, t, t + rows.n, log_prior, log_theta))
                    members.append((per_row, latent_class_bits(train_columns, h, perks)))
        return mix_after(members, 2 * class_size - 1)[0]  # the joint term's class: every latent-class member twice

    def _single_target_many(self, table: SymbolColumns, target: str, givens: list[list[str]]) -> list[float]:
        """One target column given each of several column sets. Naive Bayes is computed once over the union of the
        sets; a set missing one column of the union subtracts that column's factor (linear-time leave-one-out).

        ``model`` also mixes in naive Bayes with the set's most dependent pair merged into one column: naive Bayes
        counts the evidence of two columns that copy each other twice, the merged pair counts it once. The pair is the
        one with the largest ``I(G_i; G_j | target)`` (:func:`pair_dependence`) that pays for its parameters on the
        leading rows (BIC) among the set's
        ``PAIR_CANDIDATES`` columns that predict the target best alone (their single-column KT lengths, which the
        mixture computes anyway). The class counts every pair of the set."""
        codes, k = table[target]
        union = list(dict.fromkeys(g for given in givens for g in given))
        parts = _NaiveBayesParts(codes, k)
        # In the mixture's class naive Bayes needs two given columns: with one it repeats the single-column KT.
        fewest = 2 if self.member == "mixture" else 1
        dependence: dict[tuple[str, str], float] = {}  # per pair of given columns, computed when first asked

        def pair_given(first: str, second: str) -> float:
            if (first, second) not in dependence:  # merged only if it pays for its parameters (BIC)
                cmi, df = pair_dependence(table[first], table[second], codes, k)
                rows = min(table.n, PAIR_SELECTION_ROWS)
                dependence[first, second] = cmi if rows * cmi > df / 2 * math.log(rows) else 0.0
            return dependence[first, second]

        # Which pair each set merges (from the columns alone), then the code lengths summed over chunks of rows.
        pairs = []
        for given in givens:
            names = None
            if self.member != "nb" and len(given) >= 3:
                candidates = sorted(given, key=lambda g: (self._kt(table, target, (g,)), g))[:PAIR_CANDIDATES]
                names = best_pair(sorted(candidates, key=union.index), pair_given)
            pairs.append(names)
        merged = {names: merge_pair([table[names[0]], table[names[1]]], (0, 1))[0]
                  for names in set(pairs) if names is not None}
        nb_total, pair_total = [0.0] * len(givens), [0.0] * len(givens)
        for lo, hi in parts.chunks:
            full = None  # the scores over the whole union, summed once per chunk
            pair_factors: dict[tuple[str, str], np.ndarray] = {}  # −f_i − f_j + f_ij, per merged pair
            for i, (given, names) in enumerate(zip(givens, pairs)):
                if len(given) >= max(fewest, len(union) - 1):
                    if full is None:
                        full = parts.scores([table[g] for g in union], lo, hi)
                    left_out = set(union) - set(given)
                    scores = full - parts.factor(table[left_out.pop()], lo, hi) if left_out else full
                elif len(given) >= fewest:
                    scores = parts.scores([table[g] for g in given], lo, hi)
                else:
                    continue
                nb_total[i] += _nb_from_scores(scores, codes[lo:hi])
                if names is not None:
                    if names not in pair_factors:
                        pair_factors[names] = (parts.factor(merged[names], lo, hi)
                                               - parts.factor(table[names[0]], lo, hi)
                                               - parts.factor(table[names[1]], lo, hi))
                    pair_total[i] += _nb_from_scores(scores + pair_factors[names], codes[lo:hi])
        head = min(table.n, CTW_GATE_ROWS)

        def head_bits(given: list[str], names) -> list[float]:
            """Naive Bayes (and with the merged pair) on the leading rows: what the context tree must beat."""
            scores = parts.scores([table[g] for g in given], 0, head)
            out = [_nb_from_scores(scores, codes[:head])]
            if names is not None:
                out.append(_nb_from_scores(scores + parts.factor(merged[names], 0, head)
                                           - parts.factor(table[names[0]], 0, head)
                                           - parts.factor(table[names[1]], 0, head), codes[:head]))
            return out

        results = []
        for i, (given, names) in enumerate(zip(givens, pairs)):
            with_nb = len(given) >= fewest
            if self.member == "nb":
                results.append(nb_total[i] if with_nb else self._kt(table, target, ()))
                continue
            extra, extra_class = ([nb_total[i]], 1) if with_nb else ([], 0)
            extra_head = head_bits(given, names) if with_nb and head < table.n and len(given) >= 2 else []
            if any(g in table.numeric for g in given):  # numeric given columns: class-conditional Gaussians too
                from .numeric import MAX_GAUSSIAN_CLASSES, gaussian_class_bits

                if k <= MAX_GAUSSIAN_CLASSES:
                    extra.append(gaussian_class_bits(table, target, given))
                extra_class += 1
            if len(given) >= 3:
                extra_class += len(given) * (len(given) - 1) // 2
                if names is not None:
                    extra.append(pair_total[i])
            results.append(self._mix(table, target, given, extra, extra_class, extra_head))
        return results
