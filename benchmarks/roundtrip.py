"""Codes that decode: every model-coder case of tests/predictive_cases.py arithmetic-coded (natlat_compress.coders.arith)
on the round-trip tables of tests/test_roundtrip.py, decoded back, and the message size beside the reported code length.
Writes the "roundtrip" section of benchmarks/RESULTS.md.

    nice .venv/bin/python benchmarks/roundtrip.py     # about a minute
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
from _results import machine, update_section  # noqa: E402
from tests.predictive_cases import CASES  # noqa: E402
from tests.test_roundtrip import TABLES, decode, encode  # noqa: E402

from natlat_compress.coders.predictive import code_length, joint_codes  # noqa: E402


def main() -> None:
    lines = ["| table | case | rows | reported bits | predictive bits | message bits | message − reported | decoded |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for table_name in ("house-votes-84", "contact-lenses"):
        table = TABLES[table_name]()
        for case in CASES:
            data = encode(case, table)
            decoded = decode(case, data, table)
            same = all(np.array_equal(decoded[c][0], table[c][0]) for c in case.targets)
            reported = case.reported(table)
            achieved = code_length(case.predictive(table), joint_codes([table[c] for c in case.targets])[0])
            lines.append(f"| {table_name} | {case.name} | {table.n} | {reported:.2f} | {achieved:.2f} | {8 * len(data)} "
                         f"| {8 * len(data) - reported:+.2f} | {'yes' if same else 'NO'} |")
            print(lines[-1], flush=True)
    body = "\n".join([
        "## Codes that decode: arithmetic-coded model coders",
        "",
        f"`python benchmarks/roundtrip.py` on {machine()}. Each case's per-row predictive drives the exact integer",
        "arithmetic coder; the decoder rebuilds every row's distribution from the rows decoded before it. \"(class)\":",
        "the predictive is the whole class the coder's mixture divides by, so its code is shorter than the reported one",
        "(which evaluates some members only). Message bits include the padding to whole bytes; the decoder knows the",
        "number of rows, so a message can end a few bits before the ideal length.",
        "",
        *lines,
    ])
    update_section("roundtrip", body)


if __name__ == "__main__":
    main()
