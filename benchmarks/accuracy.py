"""How close each coder's estimates come to the exact truth on generated sources, beside estimators of other projects.

For every source of natlat_compress.synthetic (the latent-class family and the out-of-family sources of issue #14),
sample size and coder: |estimate − truth| in bits per row for the mediation error, C(Λ|X), the Kolmogorov mediation and
each redundancy variant (the worst feature), averaged over seeds, with the spread across seeds beside it. The *oracle*
row codes each sample with the source's own distribution: its error is sampling noise alone, the floor beneath every
code that has to learn. *Peers* are entropy estimators from other projects applied to the joint table of every subset
the quantities need, ``C(S|T) := n·(Ĥ(S ∪ T) − Ĥ(T))``: the plug-in (maximum likelihood) and James–Stein shrinkage
estimators of pyitlib, the Miller–Madow and Chao–Shen estimators of infomeasure (``pip install .[bench]``; a peer
that is not installed is left out). Writes the "accuracy" section of benchmarks/RESULTS.md.

    python benchmarks/accuracy.py                 # the full run (several minutes)
    python benchmarks/accuracy.py --quick         # model coders and peers only, one seed
    python benchmarks/accuracy.py --seeds 2       # the full run with 2 seeds instead of 3 (a loaded machine)
    python benchmarks/accuracy.py --numeric       # the numeric sources (real-valued and mixed tables) only
    python benchmarks/accuracy.py --numeric-speed # time of `model` on 100,000 rows x 20 numeric columns
    python benchmarks/accuracy.py --numeric-links # each link of C(X) against its truth, copula member off and on
"""

from __future__ import annotations

import os

# As the CLI runs (natlat_compress sets this when it is imported first): one BLAS thread per process, the engine's
# processes use the cores. numpy is imported below, before natlat_compress.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys
import time
import warnings

import numpy as np

from natlat_compress import score
from natlat_compress.coders import FAMILIES, is_available
from natlat_compress.synthetic import (NUMERIC_SOURCES, OUT_OF_FAMILY, SOURCES, as_table, get_source, oracle_table,
                                       quantities, sample, truth)

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from _results import machine, update_section  # noqa: E402

QUANTITIES = ["mediation_error", "latent_given_features", "kolmogorov_mediation", "weak", "strong",
              "deterministic_all_but_one", "deterministic_each"]
SHORT = {"mediation_error": "mediation", "latent_given_features": "C(Λ|X)", "kolmogorov_mediation": "K-med.",
         "weak": "weak", "strong": "strong", "deterministic_all_but_one": "det. a-b-o", "deterministic_each": "det. each"}


def _peer_estimators() -> dict:
    """Entropy estimators of other projects, each a function of one column of joint codes → bits per row."""
    peers = {}
    try:
        from pyitlib import discrete_random_variable as drv

        peers["plug-in (pyitlib)"] = lambda codes: float(drv.entropy(codes, estimator="ML"))
        peers["James–Stein (pyitlib)"] = lambda codes: float(drv.entropy(codes, estimator="JAMES-STEIN"))
    except ImportError:
        print("pyitlib not installed: its estimators are left out (pip install .[bench])", file=sys.stderr)
    try:
        import infomeasure as im

        peers["Miller–Madow (infomeasure)"] = lambda codes: float(im.entropy(codes, approach="miller_madow", base=2))
        peers["Chao–Shen (infomeasure)"] = lambda codes: float(im.entropy(codes, approach="chao_shen", base=2))
    except ImportError:
        print("infomeasure not installed: its estimators are left out (pip install .[bench])", file=sys.stderr)
    return peers


def peer_table(estimate, columns: dict[str, np.ndarray]):
    """``C(S|T) = n·(Ĥ(S ∪ T) − Ĥ(T))`` in bits, Ĥ a peer's estimate on the joint codes of a subset's columns."""
    n = len(next(iter(columns.values())))
    cache: dict[frozenset, float] = {frozenset(): 0.0}

    def H(atoms: frozenset) -> float:
        if atoms not in cache:
            joint = np.unique(np.stack([columns[a] for a in sorted(atoms)], axis=1), axis=0, return_inverse=True)[1]
            cache[atoms] = estimate(joint.ravel())
        return cache[atoms]

    return lambda target, given=(): n * (H(frozenset(target) | frozenset(given)) - H(frozenset(given)))


def errors(result: dict, true: dict, n: int) -> dict[str, float]:
    out = {q: abs(result[q] / n - true[q]) for q in QUANTITIES[:3]}
    for variant in QUANTITIES[3:]:
        estimate, exact = result["redundancy_errors"][variant], true["redundancy_errors"][variant]
        out[variant] = max(abs(estimate[f] / n - exact[f]) for f in exact)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=None, help="seeds per source and size (default: 3, --quick 1)")
    parser.add_argument("--sources", default=None, help="comma-separated source names (default: all); "
                        "a partial run prints its table and leaves RESULTS.md alone")
    args = parser.parse_args()
    names = args.sources.split(",") if args.sources else list(SOURCES)
    model_coders = ["model", "model:tail", "model:kt", "model:nb"]
    compressors = [] if args.quick else [c for c in ["zstd:19", "lzma:9e", "bz2:9", "ppmd:6", "brotli:11"]
                                         if is_available(FAMILIES[c.partition(":")[0]])]
    peers = _peer_estimators()
    sizes, seeds = [2000, 20000], list(range(args.seeds or (1 if args.quick else 3)))
    rows, worst = [], {}
    started = time.time()
    for name in names:
        if name in NUMERIC_SOURCES:  # real-valued: numeric_main
            continue
        source = get_source(name)
        true = truth(source)
        for n in sizes:
            for coder in ["oracle"] + model_coders + list(peers) + compressors:
                draws = []
                for seed in seeds[:1] if coder in compressors else seeds:
                    if coder == "oracle":
                        result = quantities(oracle_table(source, sample(source, n, seed)), source.names)
                    elif coder in peers:
                        result = quantities(peer_table(peers[coder], sample(source, n, seed)), source.names)
                    else:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            result = score(as_table(source, n, seed), "L", coders=[coder], features=source.names,
                                           null=0, jobs=args.jobs)["results"][0]
                    draws.append(errors(result, true, n))
                mean = {q: float(np.mean([d[q] for d in draws])) for q in QUANTITIES}
                spread = max(float(np.std([d[q] for d in draws])) for q in QUANTITIES) if len(draws) > 1 else None
                rows.append((name, n, coder, mean, spread, len(draws)))
                if coder == "oracle":
                    floor = mean
                if coder == "model":
                    q, v = max(mean.items(), key=lambda kv: kv[1])
                    worst[(name, n)] = {"quantity": q, "model": v, "oracle": floor[q], "peers": {}}
                if coder in peers:
                    worst[(name, n)]["peers"][coder] = max(mean.values())
                print(f"{name:22s} {n:6d} {coder:28s} " + " ".join(f"{mean[q]:.4f}" for q in QUANTITIES), flush=True)
    lines = [
        f"Measured {machine()} by `python benchmarks/accuracy.py{f' --seeds {args.seeds}' if args.seeds else ''}` in "
        f"{time.time() - started:.0f} s.",
        "",
        "|estimate − truth| in bits per row (redundancies: the worst feature), mean over seeds "
        f"({len(seeds)} for the oracle, model coders and peers, 1 for compressors); *sd* is the largest spread across "
        "seeds. The oracle codes each sample with the true distribution: its error is sampling noise alone. Peers: "
        "entropy estimators of other projects on the joint table of each subset (see the script's docstring). "
        f"Sources after `{next(iter(OUT_OF_FAMILY))}` are outside the latent-class family (issue #14).",
        "",
        "| source | rows | coder | " + " | ".join(SHORT[q] for q in QUANTITIES) + " | sd |",
        "|---|---:|---|" + "---:|" * (len(QUANTITIES) + 1),
    ]
    for name, n, coder, mean, spread, _ in rows:
        cells = " | ".join(f"{mean[q]:.3f}" for q in QUANTITIES)
        lines.append(f"| {name} | {n:,} | {coder} | {cells} | {'-' if spread is None else f'{spread:.3f}'} |")
    lines += ["", "Worst quantity of `model` per source and size, beside the oracle's error on the same quantity, and "
              "the best peer's worst error (any quantity); **peer ahead** marks a source where a peer's worst error is "
              "below `model`'s:", ""]
    for (name, n), w in worst.items():
        best_peer = min(w["peers"].items(), key=lambda kv: kv[1]) if w["peers"] else None
        peer_text = "" if best_peer is None else f"; best peer {best_peer[0]} {best_peer[1]:.3f}" + (
            " — **peer ahead**" if best_peer[1] < w["model"] else "")
        lines.append(f"- {name}, {n:,} rows: {SHORT[w['quantity']]} {w['model']:.3f} (oracle {w['oracle']:.3f})"
                     + peer_text)
    if args.sources:
        print("\n".join(lines))
        return
    update_section("accuracy", "## Accuracy against exact truth\n\n" + "\n".join(lines))


if __name__ == "__main__" and not {"--numeric", "--numeric-speed", "--numeric-links"} & set(sys.argv):
    main()


# ---------------------------------------------------------------------------------------------------------------------
# Numeric sources (issue #13): real-valued and mixed tables
# ---------------------------------------------------------------------------------------------------------------------
PRECISION_FREE = ["mediation_error", "weak", "strong"]


def invariance(n: int, seed: int) -> list[tuple[str, float]]:
    """How far precision-free estimates move when every column is multiplied by 1000 (cells written without
    decimals: δ = 1) or a positive column is replaced by its logarithm; in bits per row, the largest over quantities
    and features."""
    from natlat_compress.corpus import table_from_columns
    from natlat_compress.synthetic import DECIMALS

    out = []
    for name, transform in [("gaussian_readings", "×1000"), ("gaussian_skewed", "log x1, x4")]:
        source = NUMERIC_SOURCES[name]()
        cells = sample(source, n, seed)
        values = {k: v.astype(float) for k, v in cells.items()}
        if transform == "×1000":
            changed = {k: np.char.mod("%.0f", np.round(v * 10 ** DECIMALS)) for k, v in values.items()}
        else:
            changed = dict(cells)
            for k in ("x1", "x4"):
                changed[k] = np.char.mod("%.6f", np.log(np.maximum(values[k], 10 ** -DECIMALS)))
        before, after = (score(table_from_columns(c, name), "L", coders=["model"], features=source.names, null=0)
                         ["results"][0] for c in (cells, changed))
        moved = max(abs(before[q] - after[q]) / n for q in ["mediation_error"])
        for variant in ("weak", "strong"):
            moved = max(moved, max(abs(before["redundancy_errors"][variant][f] - after["redundancy_errors"][variant][f])
                                   / n for f in source.names))
        out.append((f"{name}, {transform}", moved))
    return out


class HeldOutSource:
    """A numeric source outside the families of ``natlat_compress.synthetic``, designed after the copula member so
    that nothing was tuned on it: a heavy-tailed latent L ~ Student-t (3 degrees of freedom) and four readings of
    it, linear (x1 = L + 0.5 e1), periodic (x2 = sin 1.5L + 0.3 e2), quadratic (x3 = L²/2 + 0.5 e3) and linear with
    more noise (x4 = L + e4), independent Gaussian noises (so the mediation error is exactly 0). Given L every
    entropy is in closed form; h(L) and h(L | X_S) come from the posterior of L on a grid of 4,001 points over
    [−40, 40] (the mean posterior entropy over ``DRAWS`` draws of a fixed seed: standard error about 0.008)."""

    name = "held_out_t_latent"
    description = "heavy-tailed latent, linear, periodic and quadratic readings (benchmarks/accuracy.py)"
    names = ["x1", "x2", "x3", "x4"]
    noise = np.array([0.5, 0.3, 0.5, 1.0])
    DRAWS = 4_000
    DOF = 3

    @staticmethod
    def readings(latent: np.ndarray) -> np.ndarray:
        return np.stack([latent, np.sin(1.5 * latent), latent ** 2 / 2, latent], axis=-1)

    def draw(self, rows: int, seed: int = 0) -> dict[str, np.ndarray]:
        from natlat_compress.synthetic import DECIMALS

        rng = np.random.default_rng(seed)
        latent = rng.standard_t(self.DOF, size=rows)
        values = self.readings(latent) + self.noise * rng.standard_normal((rows, 4))
        cells = lambda v: np.char.mod(f"%.{DECIMALS}f", np.round(v, DECIMALS) + 0.0)  # noqa: E731
        return {"L": cells(latent), **{name: cells(values[:, j]) for j, name in enumerate(self.names)}}

    def code_lengths(self):
        import math
        from itertools import combinations

        from natlat_compress.synthetic import DECIMALS

        grid = np.linspace(-40, 40, 4001)
        step = grid[1] - grid[0]
        log_prior = (math.lgamma((self.DOF + 1) / 2) - math.lgamma(self.DOF / 2) - 0.5 * math.log(self.DOF * math.pi)
                     - (self.DOF + 1) / 2 * np.log1p(grid ** 2 / self.DOF))
        prior = np.exp(log_prior) * step
        h_latent = float(-(prior * np.log2(np.exp(log_prior))).sum())
        h_noise = 0.5 * np.log2(2 * math.pi * math.e * self.noise ** 2)
        rng = np.random.default_rng(20261203)
        latent = rng.standard_t(self.DOF, size=self.DRAWS)
        values = self.readings(latent) + self.noise * rng.standard_normal((self.DRAWS, 4))
        means = self.readings(grid)  # grid points × readings
        posterior_entropy = {(): h_latent}
        for size in range(1, 5):
            for subset in combinations(range(4), size):
                total = 0.0
                for chunk in np.array_split(np.arange(self.DRAWS), 20):
                    log_post = np.tile(log_prior, (len(chunk), 1))
                    for j in subset:
                        log_post -= (values[chunk, j, None] - means[None, :, j]) ** 2 / (2 * self.noise[j] ** 2)
                    log_post -= log_post.max(axis=1, keepdims=True)
                    post = np.exp(log_post)
                    post /= post.sum(axis=1, keepdims=True)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        total += float(-np.nansum(post * np.log2(post)))
                posterior_entropy[subset] = total / self.DRAWS + math.log2(step)  # differential: + log2 of the step
        log2_delta = -DECIMALS * math.log2(10)
        index = {name: j for j, name in enumerate(self.names)}

        def H(atoms: frozenset) -> float:  # entropy at precision δ of L and the features in atoms
            features = tuple(sorted(index[a] for a in atoms if a != "L"))
            joint = h_latent + float(sum(h_noise[j] for j in features))  # h(L, X_S)
            h = joint if "L" in atoms else joint - posterior_entropy[features]
            return h - len(atoms) * log2_delta

        return lambda target, given=(): H(frozenset(target) | frozenset(given)) - H(frozenset(given))


def numeric_main(sizes=(2000, 20000), seeds=(0, 1)) -> None:
    from natlat_compress.synthetic import NUMERIC_SOURCES

    started = time.time()
    rows = []
    for name in [*NUMERIC_SOURCES, HeldOutSource.name]:
        source = get_source(name) if name in NUMERIC_SOURCES else HeldOutSource()
        true = truth(source)
        for n in sizes:
            t0 = time.time()
            draws = []
            for seed in seeds:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = score(as_table(source, n, seed), "L", coders=["model"], features=source.names,
                                   null=0)["results"][0]
                draws.append(errors(result, true, n))  # the δ-dependent ones against truths at the table's δ
            mean = {q: float(np.mean([d[q] for d in draws])) for q in QUANTITIES}
            worst_free = max(float(np.max([d[q] for d in draws])) for q in PRECISION_FREE)
            rows.append((name, n, mean, worst_free, (time.time() - t0) / len(seeds)))
            print(f"{name:20s} {n:6d} " + " ".join(f"{mean[q]:.4f}" for q in QUANTITIES)
                  + f"  worst precision-free {worst_free:.4f}", flush=True)
    moves = invariance(20000, 0)
    for label, moved in moves:
        print(f"invariance {label}: {moved:.4f}", flush=True)
    target = {2000: 0.15, 20000: 0.03}
    lines = [
        f"Measured {machine()} by `python benchmarks/accuracy.py --numeric` in {time.time() - started:.0f} s.",
        "",
        "|estimate − truth| in bits per row of `model` on the numeric sources of `natlat_compress.synthetic` and on "
        "`held_out_t_latent` (`HeldOutSource` in this script: a Student-t latent read linearly, periodically and "
        "quadratically, outside synthetic's families; its H(L|X_S) on a grid, standard error about 0.008) (cells "
        "written with 3 decimals, δ = 0.001; truths at that δ, H(Λ|X_S) of the class-conditional sources by Monte "
        f"Carlo, standard error about 0.003), mean over seeds {list(seeds)}; *worst p.-free* is the largest error of a "
        "precision-free quantity (mediation, weak, strong; worst feature) over the seeds, against the target "
        "(0.15 at 2,000 rows, 0.03 at 20,000).",
        "",
        "| source | rows | " + " | ".join(SHORT[q] for q in QUANTITIES) + " | worst p.-free | target met | s/run |",
        "|---|---:|" + "---:|" * (len(QUANTITIES) + 3),
    ]
    for name, n, mean, worst_free, seconds in rows:
        lines.append(f"| {name} | {n:,} | " + " | ".join(f"{mean[q]:.3f}" for q in QUANTITIES)
                     + f" | {worst_free:.3f} | {'yes' if worst_free <= target[n] else 'no'} | {seconds:.1f} |")
    lines += ["", "Invariance at 20,000 rows (seed 0): the largest move of a precision-free estimate (mediation, weak, "
              "strong; any feature), in bits per row, target 0.03:", ""]
    lines += [f"- {label}: {moved:.3f}" for label, moved in moves]
    update_section("accuracy-numeric", "## Accuracy on numeric and mixed tables\n\n" + "\n".join(lines))


def numeric_links(sizes=(2000, 20000), seed: int = 0) -> None:
    """Where C(X) is overcoded: each link ``C(x_j | x_<j)`` of the chain minus its exact value, bits per row, with the
    Gaussian-copula member switched off (``COPULA_MAX_REGRESSORS = -1``) and on. Prints; writes nothing."""
    import natlat_compress.coders.numeric as numeric
    from natlat_compress.coders import get_coder

    kept = numeric.COPULA_MAX_REGRESSORS
    for name in [*NUMERIC_SOURCES, HeldOutSource.name]:
        source = get_source(name) if name in NUMERIC_SOURCES else HeldOutSource()
        exact = source.code_lengths()
        for n in sizes:
            for label, limit in (("before", -1), ("after", kept)):
                numeric.COPULA_MAX_REGRESSORS = limit
                table = as_table(source, n, seed).symbols()  # (a fresh cache)
                links = [get_coder("model").symbol_bits(table, [f], source.names[:j]) / n
                         - exact([f], source.names[:j]) for j, f in enumerate(source.names)]
                print(f"{name:18s} {n:6d} {label:6s} links " + " ".join(f"{d:+.3f}" for d in links)
                      + f"  C(X) {sum(links):+.3f}", flush=True)
    numeric.COPULA_MAX_REGRESSORS = kept


def numeric_speed(rows: int = 100_000, columns: int = 20) -> None:
    """`model` on a table of ``rows`` × ``columns`` numeric columns (a Gaussian latent L and noisy linear readings, 3
    decimals), every default but the null (0): wall-clock and CPU seconds (this process and its workers), peak memory
    of this process."""
    import resource

    from natlat_compress.corpus import table_from_columns

    rng = np.random.default_rng(5)
    latent = rng.normal(size=rows)
    values = [latent] + [latent * rng.uniform(0.5, 1.5) + rng.uniform(0.3, 2) * rng.normal(size=rows)
                         for _ in range(columns - 1)]
    names = ["L"] + [f"x{i}" for i in range(1, columns)]
    table = table_from_columns({n: np.char.mod("%.3f", v) for n, v in zip(names, values)}, "speed")
    lines = [f"Measured {machine()} by `python benchmarks/accuracy.py --numeric-speed` ({rows:,} rows × {columns} "
             "numeric columns, latent L numeric, `--coder model`, all cores). CPU is user + system time of this "
             "process and its workers: on a machine shared with other jobs the wall clock runs longer than on an idle "
             "one, the CPU time does not.", "", "| null replicates | wall s | CPU s | peak RSS MB |", "|---:|---:|---:|---:|"]
    for null in (0,):  # (the null's 10 replicates add the mediation terms 10 times: not measured yet)
        before = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        started = time.time()
        score(table, "L", null=null)
        wall = time.time() - started
        after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines.append(f"| {null} | {wall:.1f} | {cpu:.1f} | {peak:.0f} |")
        print(lines[-1], flush=True)
    update_section("numeric-speed", "## Numeric tables: time of `model`\n\n" + "\n".join(lines))


if __name__ == "__main__" and "--numeric" in sys.argv:
    numeric_main()
if __name__ == "__main__" and "--numeric-speed" in sys.argv:
    numeric_speed()
if __name__ == "__main__" and "--numeric-links" in sys.argv:
    numeric_links()
