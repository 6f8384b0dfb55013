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
from tests.predictive_cases import CASES, NUMERIC_CASES  # noqa: E402
from tests.test_roundtrip import (NUMERIC_TABLES, TABLES, LinkMember, decode, decode_numeric, encode,  # noqa: E402
                                  encode_numeric)

from natlat_compress.coders import get_coder  # noqa: E402
from natlat_compress.coders.arith import Decoder, Encoder  # noqa: E402
from natlat_compress.coders.predictive import code_length, grid_bits, joint_codes, numeric_link_class  # noqa: E402

LINKS = [[], ["g"], ["g", "x", "w"]]


def numeric_lines() -> list[str]:
    """Every numeric member (and the whole link as a two-part code: the shortest member's index, then its code; the
    missing indicators left out here) coded on its grid and decoded back."""
    lines = ["| table | member | values | reported bits | message bits | message − reported | escapes | decoded |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for table_name in ("wine", "synthetic"):
        table = NUMERIC_TABLES[table_name]()
        column = table.numeric["y"]
        y = column.values[~column.missing]
        grid = np.rint(y / column.precision).astype(np.int64)
        cases = [(case.name, case, case.reported(table)) for case in NUMERIC_CASES]
        for given in LINKS:
            members, class_size = numeric_link_class(table, "y", given)
            best = int(np.argmin([grid_bits(m, y) for m in members]))
            name = f"model link y|{','.join(given)} (member {best}, class of {class_size})"
            link_bits = get_coder("model").symbol_bits(table, ["y"], given)
            if column.missing.any():  # the indicators are coded apart (tests/test_roundtrip.py codes them too)
                link_bits -= get_coder("model:kt").symbol_bits(
                    type(table)({"m": (column.missing.astype(np.int64), 2)}), ["m"])
            cases.append((name, LinkMember(given, best), link_bits - np.log2(class_size)))
        for name, case, reported in cases:
            encoder = Encoder()
            escapes = encode_numeric(encoder, case.member(table), grid)
            data = encoder.finish()
            same = np.array_equal(decode_numeric(Decoder(data), case, table, column.missing), grid)
            lines.append(f"| {table_name} | {name} | {len(y)} | {reported:.2f} | {8 * len(data)} "
                         f"| {8 * len(data) - reported:+.2f} | {escapes} | {'yes' if same else 'NO'} |")
            print(lines[-1], flush=True)
    return lines


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
        "",
        "Numeric members (#13) on their grid of width δ: each row's grid position through the window-and-escape coder",
        "(`arith.encode_on_grid`: the cells within 64 scales spelt out, the rest one escape symbol), a histogram's",
        "edges first as Elias-γ codes. Wine: the first 40 rows, y = alcohol (δ = 0.01), x = flavanoids, w = hue,",
        "g = the cultivar, every value snapped to its grid. Synthetic: `make_numeric_table(11, 40, 0.1, 30, 0.1, 3)`",
        "of tests/predictive_cases.py (a tenth of y missing). The link rows: the link's length less its missing",
        "indicators and less log2 M (the member index, coded apart), so the message is the mixture's length plus",
        "what the two-part code pays over the mixture (at most log2 of the members).",
        "",
        *numeric_lines(),
    ])
    update_section("roundtrip", body)


if __name__ == "__main__":
    main()
