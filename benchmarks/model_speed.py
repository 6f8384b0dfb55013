"""Time of `natlat score --coder model` against rows and features, and the calibration of its permutation null.

A latent-class table (Λ on 8 values, every feature a noisy copy: 8 values, flip 0.5) of R rows and F features is scored
with `model` on all cores, in one run per size: wall time, and the null mean per row. Writes the "model-speed" section
of benchmarks/RESULTS.md.

    python benchmarks/model_speed.py
    python benchmarks/model_speed.py --cpu     # CPU seconds of 100,000 x 50 in one process (robust to a loaded machine)

On a shared machine wall times move with the load (recorded beside them); ``--cpu`` compares versions better: run it
back to back on two checkouts (``git archive REV natlat_compress benchmarks | tar -x -C DIR`` and ``PYTHONPATH=DIR``)
and compare the ratio.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from natlat_compress import score, table_from_columns
from natlat_compress.engine import default_jobs

sys.path.insert(0, str(Path(__file__).parent))
from _results import machine, update_section  # noqa: E402


def latent_class_table(rows: int, features: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    latent = rng.integers(0, 8, rows)
    columns = {"L": latent}
    for j in range(features):
        columns[f"x{j + 1}"] = np.where(rng.random(rows) < 0.5, rng.integers(0, 8, rows), latent)
    return table_from_columns(columns)


def timed(rows: int, features: int, null: int) -> tuple[float, dict]:
    table = latent_class_table(rows, features)
    started = time.perf_counter()
    report = score(table, "L", coders=["model"], null=null)
    return time.perf_counter() - started, report["results"][0]


def cpu_seconds(rows: int = 100_000, features: int = 50) -> float:
    """CPU seconds of scoring the table with `model` in this process (one job): what the work costs, whatever else
    the machine runs."""
    table = latent_class_table(rows, features)
    started = time.process_time()
    score(table, "L", coders=["model"], null=0, jobs=1)
    return time.process_time() - started


def main() -> None:
    if "--cpu" in sys.argv[1:]:
        print(f"100,000 x 50, model, one process: {cpu_seconds():.1f} CPU s")
        return
    load = os.getloadavg()[0]
    lines = [f"Measured {machine()} by `python benchmarks/model_speed.py`, {default_jobs()} worker processes; load "
             f"average {load:.1f} at the start.", "",
             "| rows | features | null replicates | wall s | s per million cells | null mean, bits/row |",
             "|---:|---:|---:|---:|---:|---:|"]
    sizes = [(25_000, 50, 0), (50_000, 50, 0), (100_000, 50, 0), (100_000, 12, 0), (100_000, 25, 0),
             (100_000, 50, 10), (20_000, 6, 20)]
    for rows, features, null in sizes:
        seconds, result = timed(rows, features, null)
        null_mean = f"{result['null']['mean'] / rows:+.4f}" if null else "-"
        lines.append(f"| {rows:,} | {features} | {null} | {seconds:.2f} | {seconds / (rows * features) * 1e6:.2f} "
                     f"| {null_mean} |")
        print(lines[-1], flush=True)
    update_section("model-speed", "## `model`: time against rows and features; the null's centre\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
