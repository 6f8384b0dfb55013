"""Intervals for a table's natural-latent errors, from the same estimate on disjoint halves and quarters of its rows.

What an interval covers: ``n`` × the population value of the quantity, for the distribution the rows were drawn from
(rows IID), at the nominal level. How often it does on sources whose every quantity is known is measured by
``benchmarks/interval_coverage.py`` (benchmarks/RESULTS.md, "Interval coverage").

Why not resample with replacement (the classical bootstrap): a resample repeats rows, every learning code codes a
repeated row cheaply, so resamples are biased against the sample by an amount that is not the sample's bias against the
truth (measured: percentile intervals covered 46–85 % at nominal 95 %, bias-corrected ones 45–84 %). Nor a permutation
null for the bias: it is the bias at zero mediation, not at the truth. Nor BCa: a jackknife costs n more scores.

What is done instead (m-out-of-n subsampling without replacement, Politis & Romano 1994; the delete-half jackknife,
Shao & Tu 1995 §5.2): each replicate draws one random permutation of the rows and cuts it into 2 halves and into 4
quarters. Disjoint blocks of IID rows are independent IID samples of the smaller size, with no repeated rows, so their
estimates are what the estimator gives at that size.

* **Bias.** A sequential (Bayes-mixture) code with k free parameters costs ``n·H + (k/2)·log2 n + c`` bits in
  expectation on n IID rows (Rissanen's regret; THEORY.md §3), and so does every signed sum of code lengths (each
  quantity of the report), with its own k and c. Let ``S₂`` and ``S₄`` be the sums of the halves' and of the
  quarters' estimates (averaged over replicates): the linear part ``n·H`` is the same in ``θ̂_n``, ``S₂`` and ``S₄``,
  only the regret differs. With ``Δ = θ̂_n − S₂``: if the regret is all logarithmic (c = 0), the bias of ``θ̂_n`` is
  ``−Δ·log2 n / (log2 n − 2)``; if it is all constant (k = 0: the delete-half jackknife's 1/n bias), ``−Δ``; with
  both, the three sizes solve for it, ``θ̂_n − (4·θ̂_n − 4·S₂ + S₄)``, at two to three times the noise (measured).
  A mixture that switches members between sizes follows none of the three exactly (benchmarks/RESULTS.md). So
  ``centre`` is the estimate corrected for the logarithmic regret (the form THEORY.md states), and ``[low, high]``
  runs from the lowest of the three corrected estimates minus ``t·s`` to the highest plus ``t·s``: the interval is
  honest about not knowing which form holds.
  Where an estimate is the same few bits at every size (a mixture that picks one structure every time), the
  constant form is exact and the interval reaches it. A maximum over features (the worst redundancy, the weak error)
  is not resampled as a whole: its interval is built from the features' (:func:`max_interval`).
* **Spread.** Blocks of m rows have ``Var(θ̂_m) ≈ (m/n)·Var(θ̂_n)`` (a √n-consistent estimate), so the sample
  variance of a replicate's p blocks, times p, estimates ``Var(θ̂_n)`` with p − 1 degrees of freedom. ``s²`` pools
  halves and quarters over the replicates (3 + 1 = 4 degrees of freedom each), and ``t`` is Student's quantile for
  that many, so that a few replicates give a wider, not a falsely narrow, interval.

This works the same for byte coders, but their redundancy is not ``(k/2)·log2 n`` (an LZ code's falls like
1/log n per symbol): for them the three corrections are a guess, and coverage is measured for the ``model`` coder
only.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Callable, Sequence

import numpy as np

from . import conditions as cond
from .engine import Variant
from .errors import CorpusError

__all__ = ["LEVEL", "PARTS", "MIN_ROWS", "COVERS", "split_variants", "student_t_quantile", "subsample_interval",
           "max_interval", "intervals"]

LEVEL = 0.95
PARTS = (2, 4)  # each replicate: the rows in halves and in quarters
MIN_ROWS = 16  # quarters of at least 4 rows, and log2 n − 2 ≥ 2 in the regret correction
METHOD = ("subsampling without replacement: each replicate splits the rows into 2 halves and into 4 quarters; the "
          "bias of a regret (k/2) log2 n + c from the estimates at the three sizes (centre: c = 0; the interval spans "
          "c = 0, k = 0 and both); spread from the blocks' variance scaled to n rows, Student t")
COVERS = ("n_items x the population value of each quantity for the distribution the rows were drawn from (rows IID); "
          "measured coverage of the truth for the model coder: benchmarks/RESULTS.md, 'Interval coverage'")


def split_variants(seed: int, replicates: int) -> list[Variant]:
    """The blocks every replicate scores: its halves, then its quarters."""
    return [Variant("split", seed, r, parts=p, part=j) for r in range(replicates) for p in PARTS for j in range(p)]


def check_rows(n_items: int) -> None:
    """Refuse intervals for a table too small to cut into quarters."""
    if n_items < MIN_ROWS:
        raise CorpusError(f"--intervals splits the rows into quarters and needs at least {MIN_ROWS} rows; this table "
                          f"has {n_items} (use --intervals 0)")


def student_t_quantile(p: float, dof: float) -> float:
    """Student's t quantile by the Cornish–Fisher expansion around the normal one (Abramowitz & Stegun 26.7.5):
    for ``dof ≥ 4`` (all the intervals use) within 1e-3 of the exact value at p ≤ 0.975 and within 0.01 at 0.995."""
    z = NormalDist().inv_cdf(p)
    terms = [(z ** 3 + z) / 4, (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96,
             (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384,
             (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160]
    return z + sum(term / dof ** (i + 1) for i, term in enumerate(terms))


def subsample_interval(estimate: float, halves: Sequence[Sequence[float]] | np.ndarray,
                       quarters: Sequence[Sequence[float]] | np.ndarray, n_items: int, level: float = LEVEL) -> dict:
    """The interval for one quantity (see the module's docstring): ``estimate`` on all ``n_items`` rows, and its
    values on each replicate's 2 halves (``halves``, shape (B, 2)) and 4 quarters (``quarters``, shape (B, 4)).

    Returns ``{"low", "high", "centre", "estimate", "bias", "bias_constant", "bias_three_sizes", "sd", "dof"}`` in
    bits: ``centre`` the estimate corrected for a logarithmic regret, ``bias = estimate − centre``,
    ``bias_constant`` and ``bias_three_sizes`` the bias if the regret were a constant, or both, instead; ``sd`` the
    estimated standard deviation of the estimate and ``dof`` its degrees of freedom.
    """
    half_blocks, quarter_blocks = np.asarray(halves, dtype=float), np.asarray(quarters, dtype=float)
    log_n = np.log2(n_items)
    halves_sum, quarters_sum = float(np.mean(half_blocks.sum(axis=1))), float(np.mean(quarter_blocks.sum(axis=1)))
    shift = estimate - halves_sum  # Δ: the regret paid once on n rows, less twice on n/2
    bias_log, bias_constant = -shift * log_n / (log_n - 2), -shift
    bias_three = estimate - (4 * estimate - 4 * halves_sum + quarters_sum)  # a·m + b·log2 m + c through 3 sizes
    centre = estimate - bias_log
    # Σ over blocks of p·(x − x̄)² per replicate and part count: each estimates (p − 1)·Var(θ̂_n).
    squares = sum(blocks.shape[1] * float(np.sum((blocks - blocks.mean(axis=1, keepdims=True)) ** 2))
                  for blocks in (half_blocks, quarter_blocks))
    dof = sum(blocks.shape[0] * (blocks.shape[1] - 1) for blocks in (half_blocks, quarter_blocks))
    sd = float(np.sqrt(squares / dof))
    half_width = student_t_quantile((1 + level) / 2, dof) * sd
    corrected = [estimate - bias for bias in (bias_log, bias_constant, bias_three)]
    return {"low": float(min(corrected) - half_width), "high": float(max(corrected) + half_width),
            "centre": float(centre), "estimate": float(estimate), "bias": float(bias_log),
            "bias_constant": float(bias_constant), "bias_three_sizes": float(bias_three), "sd": sd, "dof": int(dof)}


def intervals(result: dict, draws: Sequence[dict], names: Sequence[str], n_items: int, level: float = LEVEL) -> dict:
    """Intervals for every quantity of ``result`` (totals, worst redundancy per variant, every feature's redundancy
    per variant). ``draws`` holds the estimates (``{"summary", "redundancy"}``) on the blocks of
    :func:`split_variants`, in its order."""
    per_replicate = sum(PARTS)
    replicates = len(draws) // per_replicate

    def interval(estimate: float, value: Callable[[dict], float]) -> dict:
        values = np.array([value(d) for d in draws]).reshape(replicates, per_replicate)
        return subsample_interval(estimate, values[:, :PARTS[0]], values[:, PARTS[0]:], n_items, level)

    def summary(key: str) -> Callable[[dict], float]:
        return lambda d: d["summary"][key]

    def redundancy(variant: str, i: int) -> Callable[[dict], float]:
        return lambda d: d["redundancy"][variant][i]

    def weak_sum(i: int) -> Callable[[dict], float]:
        return lambda d: d["summary"]["mediation_error"] + d["redundancy"]["weak"][i]

    out: dict = {"replicates": replicates, "level": level, "method": METHOD, "covers": COVERS}
    for key in ("mediation_error", "latent_given_features", "kolmogorov_mediation"):
        out[key] = interval(result[key], summary(key))
    out["redundancy_errors"] = {
        v: {f: interval(result["redundancy_errors"][v][f], redundancy(v, i))
            for i, f in enumerate(names)}
        for v in cond.REDUNDANCY_VARIANTS}
    out["worst_redundancy"] = {v: max_interval(result["worst_redundancy"][v]["bits"],
                                               list(out["redundancy_errors"][v].values()))
                               for v in cond.REDUNDANCY_VARIANTS}
    # The weak error is the largest of mediation + weak redundancy over features: each sum's own interval, then max.
    weak_sums = [interval(result["mediation_error"] + result["redundancy_errors"]["weak"][f],
                          weak_sum(i))
                 for i, f in enumerate(names)]
    out["weak_error"] = max_interval(result["weak_error"], weak_sums)
    return out


def max_interval(estimate: float, parts: Sequence[dict]) -> dict:
    """The interval of a maximum over features (the worst redundancy, the weak error) from each feature's interval.

    Not the quantity's own estimates on the blocks: the largest of several noisy estimates is biased upwards by the
    choice itself (by about ``sd·√(2 ln p)`` for p alike features), a bias that grows like √n, unlike a regret.
    ``high`` is the largest high: ``max θ_i ≤ max high_i`` as soon as the worst feature's own interval holds from
    above. ``low`` is the smallest low: ``max θ_i ≥ θ_j ≥ low_j`` as soon as any one feature's interval holds from
    below. (The largest low would need every interval to hold at once: measured, it covers half the time on six
    alike features.) So the upper end, the one a claim "the error is at most ε" rests on, is as tight as the worst
    feature's; the lower end is conservative. ``centre`` is the largest centre; ``bias = estimate − centre``."""
    centre = max(p["centre"] for p in parts)
    return {"low": min(p["low"] for p in parts), "high": max(p["high"] for p in parts), "centre": centre,
            "estimate": float(estimate), "bias": float(estimate - centre), "of": "the maximum over features"}
