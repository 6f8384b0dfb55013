"""Every `sh` example of the README and docs/, timed as a reader would run it: from an empty folder, with $DATA set.

Runs the blocks `make test` skips as slow too (not those marked skip, which need what this machine lacks), one at a
time, and writes the "readme-examples" section of benchmarks/RESULTS.md: wall time and the largest resident size of
any process the block started. The target (issue #16): every example under a minute on 2 cores.

    python benchmarks/readme_examples.py [--only README.md:54]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
from _results import machine, update_section  # noqa: E402
from tests.test_readme import BLOCKS  # noqa: E402  (the blocks exactly as the test finds them)

DATA = ROOT.parent / "shared" / "data"
TARGET_SECONDS = 60.0


def run_block(code: str) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB of the largest child, exit code) of one block run from an empty folder."""
    with tempfile.TemporaryDirectory() as folder:
        here, scratch = Path(folder, "cwd"), Path(folder, "tmp")
        here.mkdir()
        scratch.mkdir()
        env = {**os.environ, "DATA": str(DATA.resolve()), "TMPDIR": str(scratch),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=here, env=env, capture_output=True)
        seconds = time.perf_counter() - start
        # ru_maxrss of the children is the largest of any waited-for descendant so far; a block smaller than an
        # earlier one reads as that one's, so the column is an upper bound (blocks run in file order).
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return seconds, (peak / 1024 if peak > before else float("nan")), done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append",
                        help="a block's place, e.g. README.md:54: time it alone, print, leave RESULTS.md as it is")
    args = parser.parse_args()
    rows = []
    for where, code, reason in BLOCKS:
        if args.only and where not in args.only:
            continue
        if reason and reason != "slow":
            rows.append((where, "skipped: " + reason, None, None, None, code))
            continue
        seconds, peak, status = run_block(code)
        rows.append((where, "slow in make test" if reason else "run by make test", seconds, peak, status, code))
        print(f"{where}: {seconds:.1f} s, exit {status}", file=sys.stderr)
    if args.only:  # a partial run would replace the whole section with a few rows
        return
    timed = [r for r in rows if r[2] is not None]
    over = [r for r in timed if r[2] > TARGET_SECONDS]
    lines = ["## README examples: how long each takes", "",
             f"`python benchmarks/readme_examples.py` on {machine()}. Every `sh` block of README.md and docs/*.md, "
             "run as written from an empty folder (the blocks `make test` skips as slow included). Peak MB: the "
             "largest resident size of any process run so far (an upper bound for a block after a bigger one; "
             "- when this block set no new high). Target: under a minute each on 2 cores.", "",
             f"{len(timed)} blocks timed; {len(over)} over a minute"
             + (": " + ", ".join(r[0] for r in over) if over else "") + ".", "",
             "| block | in make test | seconds | peak MB | exit | first command |", "|---|---|---:|---:|---:|---|"]
    for where, kind, seconds, peak, status, code in rows:
        first = next((line.strip() for line in code.splitlines() if line.strip() and not line.startswith("#")), "")
        first = first.replace("|", "\\|")[:70]
        cells = ["-" if v is None else f"{v:.1f}" if isinstance(v, float) and v == v else "-" if isinstance(v, float)
                 else str(v) for v in (seconds, peak, status)]
        lines.append(f"| {where} | {kind} | {' | '.join(cells)} | `{first}` |")
    update_section("readme-examples", "\n".join(lines))


if __name__ == "__main__":
    main()
