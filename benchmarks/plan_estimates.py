"""How close `natlat score --dry-run` comes: estimated against measured time and peak memory, on corpora of three kinds.

Each corpus is run twice, each time in a fresh interpreter: once with ``dry_run=True`` (the estimate, its rates taken
from the throughput file as a user's second run would), once for real. Measured: the wall time of the jobs (from the
plan line to the end of ``score``, what ``estimated_seconds`` covers) and of the whole call, and the peak resident
memory of the largest process (this one or a worker: ``ru_maxrss`` of self and children). Writes the
"plan-estimates" section of benchmarks/RESULTS.md.

    python benchmarks/plan_estimates.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import machine, update_section  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BOOK = DATA / "text" / "gutenberg" / "doyle_sherlock_holmes_pg1661.txt"
CORPORA = [
    ("House votes (table), model, null 10", dict(corpus=None)),
    ("credit-g (table), zstd:19, null 10", dict(corpus=str(DATA / "tabular" / "credit-g.csv"), latent="class",
                                                coders=["zstd:19"])),
    ("Sherlock Holmes, 2,604 paragraphs (texts), zstd:3, 30 sampled features",
     dict(corpus=str(BOOK), split="paragraphs", latent=b"Sherlock Holmes", coders=["zstd:3"], sample_features=30)),
    ("Canterbury (4 texts), zstd:19", dict(corpus=str(DATA / "text" / "canterbury"), latent="discover",
                                           coders=["zstd:19"])),
]

CHILD = r"""
import json, resource, sys, time, pickle
from natlat_compress import score
args = pickle.loads(bytes.fromhex(sys.argv[1]))
marks = {}
started = time.perf_counter()
report = score(**args, on_plan=lambda cost: marks.update(plan=time.perf_counter(), cost=cost.to_dict()))
ended = time.perf_counter()
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"cost": marks["cost"], "jobs_seconds": ended - marks["plan"], "call_seconds": ended - started,
                  "peak_bytes": peak * 1024}))
"""


def run(args: dict) -> dict:
    import pickle

    out = subprocess.run([sys.executable, "-c", CHILD, pickle.dumps(args).hex()], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = []
    for label, args in CORPORA:
        run({**args, "dry_run": True})  # rates measured, as on a user's first run
        estimate = run({**args, "dry_run": True})["cost"]
        measured = run(args)
        rows.append((label, estimate, measured))
        print(label, estimate["estimated_seconds"], measured["jobs_seconds"], estimate["estimated_peak_memory_bytes"],
              measured["peak_bytes"], flush=True)
    lines = [f"`python benchmarks/plan_estimates.py` — {machine()}.", "",
             "Estimated (`--dry-run`) against measured, each in a fresh interpreter. *jobs s* is the time from the plan "
             "line to the end, what the estimate covers; *call s* adds reading and planning. Memory is the peak "
             "resident size of the largest process.", "",
             "| corpus | jobs | est. s | jobs s | ratio | call s | est. peak MB | peak MB | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, est, got in rows:
        lines.append(f"| {label} | {est['compressions']:,} | {est['estimated_seconds']:.2f} | {got['jobs_seconds']:.2f} "
                     f"| {got['jobs_seconds'] / max(est['estimated_seconds'], 1e-9):.2f} | {got['call_seconds']:.2f} "
                     f"| {est['estimated_peak_memory_bytes'] / 1e6:,.0f} | {got['peak_bytes'] / 1e6:,.0f} "
                     f"| {got['peak_bytes'] / est['estimated_peak_memory_bytes']:.2f} |")
    lines += ["", "A ratio is measured ÷ estimated: the target is within a factor of 2 (0.5–2)."]
    update_section("plan-estimates", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
