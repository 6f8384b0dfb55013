"""How often the intervals of `natlat score` cover the truth, on sources whose every quantity is known.

For each source of natlat_compress.synthetic (the latent-class ones and three out-of-family ones) and each seed, a
table of ROWS rows is scored under the `model` coder with B replicates (each splits the rows into halves and quarters:
natlat_compress/intervals.py); an interval covers when it contains n x the population value, with 1e-6 bits of slack
(a truth of exactly 0 comes out of the enumeration as ~1e-14 bits per row). Writes the "Interval coverage" section of
benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/interval_coverage.py [--rows 1000] [--seeds 12] [--intervals 3] [--no-write]
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

LATENT_CLASS = ["direct_dependence", "unequal_noise", "dirichlet_emissions", "one_feature_latent", "noisy_copies",
                "deterministic_latent"]
OUT_OF_FAMILY = ["chain", "tree_unequal", "switched"]
SOURCES = LATENT_CLASS + OUT_OF_FAMILY
TOTALS = ["mediation_error", "latent_given_features", "kolmogorov_mediation", "weak_error"]
QUANTITIES = TOTALS + list(REDUNDANCY_VARIANTS)
SLACK = 1e-6  # bits


def coverage(sources, rows: int, seeds: int, intervals: int, first_seed: int = 0) -> tuple[dict, dict]:
    """``({(source, quantity): [covered?, ...]}, {(source, quantity): [half-width / n, ...]})``: quantity a total or a
    redundancy variant (every feature pooled)."""
    hits: dict = defaultdict(list)
    widths: dict = defaultdict(list)
    for name in sources:
        source = synthetic.get_source(name)
        truth = synthetic.truth(source)
        for seed in range(first_seed, first_seed + seeds):
            table = synthetic.as_table(source, rows, seed)
            boot = score(table, synthetic.LATENT, coders=["model"], null=0, intervals=intervals, seed=seed,
                         jobs=1)["results"][0]["intervals"]
            pairs = [(key, boot[key], truth[key]) for key in TOTALS]
            pairs += [(variant, interval, truth["redundancy_errors"][variant][feature])
                      for variant in REDUNDANCY_VARIANTS
                      for feature, interval in boot["redundancy_errors"][variant].items()]
            for key, interval, value in pairs:
                hits[(name, key)].append(interval["low"] - SLACK <= value * rows <= interval["high"] + SLACK)
                widths[(name, key)].append((interval["high"] - interval["low"]) / 2 / rows)
    return hits, widths


def table(hits: dict, sources) -> str:
    lines = ["| source | " + " | ".join(QUANTITIES) + " | all |", "|---|" + "---:|" * (len(QUANTITIES) + 1)]
    for name in [*sources, "all"]:
        def share(q):
            return np.mean([h for (s, k), v in hits.items() if (q is None or k == q) and name in ("all", s) for h in v])
        lines.append(f"| {name} | " + " | ".join(f"{share(q):.2f}" for q in QUANTITIES) + f" | {share(None):.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--intervals", type=int, default=3)
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    sources = args.sources.split(",")
    start = time.time()
    hits, widths = coverage(sources, args.rows, args.seeds, args.intervals)
    width_rows = ["| source | " + " | ".join(QUANTITIES) + " |", "|---|" + "---:|" * len(QUANTITIES)]
    for name in sources:
        width_rows.append(f"| {name} | " + " | ".join(f"{np.median(widths[(name, q)]):.3f}" for q in QUANTITIES) + " |")
    command = (f"`benchmarks/interval_coverage.py --rows {args.rows} --seeds {args.seeds} --intervals "
               f"{args.intervals}`" + ("" if args.sources == ",".join(SOURCES) else f" `--sources {args.sources}`"))
    text = (f"{command} ({time.time() - start:.0f} s): share of nominal 95 % intervals (`model` coder) that contain "
            f"n x the population value (±{SLACK:g} bits). Redundancy variants pool every feature; \"all\" pools every "
            f"interval. Out of the latent-class family: {', '.join(s for s in sources if s in OUT_OF_FAMILY)}.\n\n"
            f"{table(hits, sources)}\n\nMedian half-width of the intervals, bits per row:\n\n" + "\n".join(width_rows))
    print(text)
    if not args.no_write:
        update_section("interval-coverage", f"## Interval coverage\n\n{machine()}\n\n{text}")


if __name__ == "__main__":
    main()
