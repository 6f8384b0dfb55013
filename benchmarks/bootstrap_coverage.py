"""How often the bootstrap intervals of `natlat score` cover the truth, on sources whose every quantity is known.

For each source of natlat_compress.synthetic and each seed, a table of ROWS rows is scored under the `model` coder
with a permutation null and B bootstrap resamples; an interval covers when it contains n x the population value.
Writes the "Bootstrap coverage" section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/bootstrap_coverage.py [--rows 1000] [--seeds 12] [--bootstrap 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from natlat_compress import score, synthetic
from natlat_compress.conditions import REDUNDANCY_VARIANTS

sys.path.insert(0, str(Path(__file__).parent))
from _results import machine, update_section  # noqa: E402

SOURCES = ["direct_dependence", "unequal_noise", "dirichlet_emissions", "one_feature_latent", "noisy_copies"]
TOTALS = ["mediation_error", "latent_given_features", "kolmogorov_mediation", "weak_error"]


def coverage(sources, rows: int, seeds: int, bootstrap: int, null: int = 10) -> dict:
    """``{(source, quantity): [covered?, ...]}``, quantity a total or a redundancy variant (every feature)."""
    hits: dict = defaultdict(list)
    for name in sources:
        source = synthetic.get_source(name)
        truth = synthetic.truth(source)
        for seed in range(seeds):
            table = synthetic.as_table(source, rows, seed)
            result = score(table, synthetic.LATENT, coders=["model"], null=null, bootstrap=bootstrap, seed=seed,
                           jobs=1)["results"][0]
            boot = result["bootstrap"]
            for key in TOTALS:
                hits[(name, key)].append(boot[key]["low"] <= truth[key] * rows <= boot[key]["high"])
            for variant in REDUNDANCY_VARIANTS:
                for feature, interval in boot["redundancy_errors"][variant].items():
                    value = truth["redundancy_errors"][variant][feature] * rows
                    hits[(name, variant)].append(interval["low"] <= value <= interval["high"])
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--bootstrap", type=int, default=40)
    args = parser.parse_args()
    start = time.time()
    hits = coverage(SOURCES, args.rows, args.seeds, args.bootstrap)
    quantities = TOTALS + list(REDUNDANCY_VARIANTS)
    lines = [f"`benchmarks/bootstrap_coverage.py --rows {args.rows} --seeds {args.seeds} --bootstrap {args.bootstrap}`"
             f" ({time.time() - start:.0f} s): share of nominal 95 % intervals (`model` coder, null of 10) that contain"
             " n x the population value. Redundancy variants pool every feature.", "",
             "| source | " + " | ".join(quantities) + " |", "|---|" + "---:|" * len(quantities)]
    for name in SOURCES + ["all"]:
        cells = []
        for q in quantities:
            values = [h for (s, k), v in hits.items() if k == q and (name == "all" or s == name) for h in v]
            cells.append(f"{np.mean(values):.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    update_section("bootstrap-coverage", f"## Bootstrap coverage\n\n{machine()}\n\n{text}")


if __name__ == "__main__":
    main()
