"""Re-check surviving mutants against tests written after a `make mutation` run, without re-running mutmut (whose
cache drops its verdicts and its test coverage when the tests change): each mutant is switched on through mutmut's
trampoline (``MUTANT_UNDER_TEST``) in the ``mutants/`` copy, with the new test files copied in.

    nice .venv/bin/python benchmarks/mutation_recheck.py NAMES_FILE TEST [TEST ...]

NAMES_FILE lists mutant names, one a line (e.g. the survivors printed by mutation_report.py). Prints, per mutant,
"killed" or "survived"; first checks that the tests pass with no mutant switched on (else a kill would mean nothing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"


def run(tests: list[str], mutant: str) -> int:
    env = {**os.environ, "MUTANT_UNDER_TEST": mutant, "PYTHONPATH": str(MUTANTS)}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not slow",
               "--hypothesis-seed=0", *tests]
    return subprocess.run(command, cwd=MUTANTS, env=env, capture_output=True).returncode


def main() -> None:
    names = [line.strip() for line in Path(sys.argv[1]).read_text().splitlines() if line.strip()]
    tests = sys.argv[2:]
    for test in {t.split("::")[0] for t in tests}:
        shutil.copy(ROOT / test, MUTANTS / test)
    shutil.copy(ROOT / "tests" / "predictive_cases.py", MUTANTS / "tests" / "predictive_cases.py")
    if run(tests, "") != 0:
        sys.exit("the tests fail with no mutant switched on: nothing to check")
    for name in names:
        code = run(tests, name)
        print(f"{name}: {'killed' if code == 1 else 'survived' if code == 0 else f'error (exit {code})'}", flush=True)


if __name__ == "__main__":
    main()
