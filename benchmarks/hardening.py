"""Memory limits of issue #15: an id-heavy table, the plan of a wide table, and the refusal of a plan too big.

    nice .venv/bin/python benchmarks/hardening.py            # about 2 minutes on 2 shared cores

1. `natlat score` (model coder, one process) on a 10,000-row table with a unique id column: peak RSS.
2. The peak memory of building `score`'s plan (terms, jobs, recipe) for 300-row tables of 100, 200, 400 features,
   traced with tracemalloc in a fresh interpreter: bytes per feature², the constant behind
   ``natlat_compress.memory.PLAN_BYTES_PER_FEATURE_PAIR``.
3. 300 rows × 3,000 features: the time to refuse the run, and the estimate in the message.
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent

PLAN_PROBE = """
import importlib, sys, tracemalloc
score = importlib.import_module("natlat_compress.score")
def stop(*args, **kwargs):
    raise SystemExit(0)
importlib.import_module("natlat_compress.score_run").evaluate = stop  # the plan is built, nothing is run
tracemalloc.start()
try:
    score.score(sys.argv[1], "class", jobs=1, null=10)
except SystemExit:
    pass
print(tracemalloc.get_traced_memory()[1])
"""


def id_table(path: Path, rows: int) -> None:
    rng = random.Random(1)
    lines = ["id,class,a,b,c"]
    for i in range(rows):
        c = rng.randint(0, 2)
        lines.append(f"r{i},{c},{(c + rng.randint(0, 1)) % 3},{rng.randint(0, 4)},{c}")
    path.write_text("\n".join(lines) + "\n")


def wide_table(path: Path, rows: int, features: int) -> None:
    rng = random.Random(2)
    lines = ["class," + ",".join(f"f{j}" for j in range(features))]
    for _ in range(rows):
        c = rng.randint(0, 2)
        lines.append(str(c) + "," + ",".join(str((c + rng.randint(0, 1)) % 3) for _ in range(features)))
    path.write_text("\n".join(lines) + "\n")


def peak_rss_mb(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Peak RSS of a child (the largest process: fresh children each call, so the maximum is this one's) and wall s."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, wall, done


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        print("### 10,000 rows with a unique id column (`score --latent class`, model, --jobs 1)\n")
        id_table(folder / "ids.csv", 10_000)
        peak, wall, done = peak_rss_mb([str(BIN / "natlat"), "score", str(folder / "ids.csv"), "--latent", "class",
                                        "--jobs", "1", "-s", "--format", "json", "-o", str(folder / "ids.json")])
        print(f"exit {done.returncode}, peak RSS {peak:,.0f} MB, wall {wall:.1f} s\n")

        print("### The plan of a wide table (300 rows, --null 10): peak traced memory\n")
        print("| features | plan MB | bytes per feature² |\n|---:|---:|---:|")
        for features in (100, 200, 400):
            wide_table(folder / f"w{features}.csv", 300, features)
            out = subprocess.run([sys.executable, "-c", PLAN_PROBE, str(folder / f"w{features}.csv")],
                                 capture_output=True, text=True, check=True).stdout
            traced = int(out.split()[-1])
            print(f"| {features} | {traced / 1e6:,.0f} | {traced / features**2:,.0f} |")

        print("\n### 300 rows × 3,000 features: refused before any work\n")
        wide_table(folder / "w3000.csv", 300, 3000)
        start = time.perf_counter()
        done = subprocess.run([str(BIN / "natlat"), "score", str(folder / "w3000.csv"), "--latent", "class", "-s",
                               "--max-memory", "2GB"], capture_output=True, text=True)
        print(f"exit {done.returncode} after {time.perf_counter() - start:.1f} s: {done.stderr.strip()}")


if __name__ == "__main__":
    main()
