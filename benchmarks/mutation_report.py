"""The figures of benchmarks/MUTATION.md from the last `mutmut run` (`make mutation`): the score per module and every
mutant that was not killed, with the line it changed.

    .venv/bin/python benchmarks/mutation_report.py > mutation-figures.md

The score is mutmut's, over the mutants checked: (killed + timeout) / (checked − skipped); a mutant that no selected test
runs counts as a survivor. Mutants not checked (a run restricted with MUTANTS=..., or stopped) are counted apart. The
reasons beside the survivors in MUTATION.md are written by hand.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from pathlib import Path

MUTMUT = str(Path(sys.executable).with_name("mutmut"))
NOT_KILLED = ("survived", "no tests", "suspicious", "segfault", "check was interrupted by user")


def results() -> list[tuple[str, str]]:
    out = subprocess.run([MUTMUT, "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    return [tuple(line.strip().rsplit(": ", 1)) for line in out.splitlines() if ": " in line]


def module_of(name: str) -> str:
    return re.split(r"\.x_|\.xǁ", name, maxsplit=1)[0]


def changed_lines(name: str) -> str:
    diff = subprocess.run([MUTMUT, "show", name], capture_output=True, text=True).stdout
    lines = [line for line in diff.splitlines()
             if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return " / ".join(re.sub(r"\s+", " ", line).strip() for line in lines)


def main() -> None:
    rows = results()
    tally: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for name, status in rows:
        tally[module_of(name)][status] += 1
    print("| module | mutants | checked | killed | timeout | survived | no tests | other | score |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for module, counts in sorted(tally.items()):
        checked = sum(counts.values()) - counts["skipped"] - counts["not checked"]
        caught = counts["killed"] + counts["timeout"]
        other = checked - caught - counts["survived"] - counts["no tests"]
        score = f"{100 * caught / checked:.1f} %" if checked else "-"
        print(f"| {module} | {sum(counts.values())} | {checked} | {counts['killed']} | {counts['timeout']} "
              f"| {counts['survived']} | {counts['no tests']} | {other} | {score} |")
    print()
    for name, status in rows:
        if status in NOT_KILLED:
            print(f"- `{name}` ({status}): `{changed_lines(name)}`")


if __name__ == "__main__":
    main()
