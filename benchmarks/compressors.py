"""The compressor suite over the shared real corpora: `natlat bench` on Canterbury, Gutenberg, the parallel texts and
the tables, with its plot. Writes the "compressors" section of benchmarks/RESULTS.md and benchmarks/compressors.png.

    python benchmarks/compressors.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from natlat_compress.bench import DEFAULT_BENCH_CODERS, bench, plot
from natlat_compress.report import render_rows

sys.path.insert(0, str(Path(__file__).parent))
from _results import update_section  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = [DATA / "text" / "canterbury" / "alice29.txt", DATA / "text" / "canterbury" / "lcet10.txt",
         DATA / "text" / "gutenberg" / "doyle_sherlock_holmes_pg1661.txt",
         DATA / "text" / "parallel" / "debian-reference.de.txt",
         DATA / "tabular" / "credit-g.csv", DATA / "tabular" / "soybean.csv"]
COLUMNS = ["file", "coder", "pareto", "ratio", "bits_per_byte", "compress_mb_s", "decompress_mb_s", "peak_memory_mb",
           "idempotency", "primed_gain_bpb", "excess_bits_per_symbol"]


def main() -> None:
    # The default list plus the strongest zpaq level, which `natlat bench` leaves out by default for its speed.
    report = bench([str(f) for f in FILES], [*DEFAULT_BENCH_CODERS, "zpaq:5"], repeats=3)
    image = Path(__file__).with_name("compressors.png")
    plot(report, image)
    meta = report["meta"]
    rows = [{c: r[c] for c in COLUMNS} for r in report["rows"]]
    text = "\n".join([
        "## Compressors as priors on the shared corpora",
        "",
        f"Measured by `python benchmarks/compressors.py`: {meta['cpu']}, {meta['cores']} cores, Python "
        f"{meta['python']}, {meta['date']}; best of {meta['repeats']} wall-clock runs. ratio = original / compressed; "
        "idempotency = (C(ss) − C(s)) / C(s) at the file's size; primed_gain_bpb = concatenated minus primed "
        "conditioning of the file's second half given its first, bits per byte; excess_bits_per_symbol = bits per "
        f"symbol over the exact entropy ({report['source']['entropy_bits_per_symbol']:.4f}) of a 1 MiB i.i.d. source.",
        "",
        render_rows(rows, "markdown", COLUMNS),
        "",
        "![speed against bits per byte](compressors.png)",
    ])
    update_section("compressors", text)


if __name__ == "__main__":
    main()
