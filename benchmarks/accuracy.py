"""How close each coder's estimates come to the exact truth on generated latent-class sources.

For every source of natlat_compress.synthetic, sample size and coder: |estimate − truth| in bits per row for the
mediation error, C(Λ|X), the Kolmogorov mediation and each redundancy variant (the worst feature), averaged over seeds,
with the spread across seeds beside it. The *oracle* row codes each sample with the source's own distribution: its
error is sampling noise alone, the floor beneath every code that has to learn. Writes the "accuracy" section of
benchmarks/RESULTS.md.

    python benchmarks/accuracy.py                 # the full run (several minutes)
    python benchmarks/accuracy.py --quick         # model coders only, one seed
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np

from natlat_compress import score
from natlat_compress.coders import FAMILIES, is_available
from natlat_compress.synthetic import SOURCES, as_table, get_source, oracle_table, quantities, sample, truth

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from _results import machine, update_section  # noqa: E402

QUANTITIES = ["mediation_error", "latent_given_features", "kolmogorov_mediation", "weak", "strong",
              "deterministic_all_but_one", "deterministic_each"]
SHORT = {"mediation_error": "mediation", "latent_given_features": "C(Λ|X)", "kolmogorov_mediation": "K-med.",
         "weak": "weak", "strong": "strong", "deterministic_all_but_one": "det. a-b-o", "deterministic_each": "det. each"}


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
    args = parser.parse_args()
    model_coders = ["model", "model:kt", "model:nb"]
    compressors = [] if args.quick else [c for c in ["zstd:19", "lzma:9e", "bz2:9", "ppmd:6", "brotli:11"]
                                         if is_available(FAMILIES[c.partition(":")[0]])]
    sizes, seeds = [2000, 20000], ([0] if args.quick else [0, 1, 2])
    rows, worst = [], {}
    started = time.time()
    for name in SOURCES:
        source = get_source(name)
        true = truth(source)
        for n in sizes:
            for coder in ["oracle"] + model_coders + compressors:
                draws = []
                for seed in seeds[:1] if coder in compressors else seeds:
                    if coder == "oracle":
                        result = quantities(oracle_table(source, sample(source, n, seed)), source.names)
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
                    worst[(name, n)] = (q, v, floor[q])
                print(f"{name:22s} {n:6d} {coder:10s} " + " ".join(f"{mean[q]:.4f}" for q in QUANTITIES), flush=True)
    lines = [
        f"Measured {machine()} by `python benchmarks/accuracy.py` in {time.time() - started:.0f} s.",
        "",
        "|estimate − truth| in bits per row (redundancies: the worst feature), mean over seeds "
        f"({len(seeds)} for the oracle and model coders, 1 for compressors); *sd* is the largest spread across seeds. "
        "The oracle codes each sample with the true distribution: its error is sampling noise alone.",
        "",
        "| source | rows | coder | " + " | ".join(SHORT[q] for q in QUANTITIES) + " | sd |",
        "|---|---:|---|" + "---:|" * (len(QUANTITIES) + 1),
    ]
    for name, n, coder, mean, spread, _ in rows:
        cells = " | ".join(f"{mean[q]:.3f}" for q in QUANTITIES)
        lines.append(f"| {name} | {n:,} | {coder} | {cells} | {'-' if spread is None else f'{spread:.3f}'} |")
    lines += ["", "Worst quantity of `model` per source and size, beside the oracle's error on the same quantity:", ""]
    lines += [f"- {name}, {n:,} rows: {SHORT[q]} {v:.3f} (oracle {o:.3f})" for (name, n), (q, v, o) in worst.items()]
    update_section("accuracy", "## Accuracy against exact truth\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
