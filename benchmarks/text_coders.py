"""Text coders as priors: zpaq, PPMd, the mixtures, and language models, on the Canterbury texts.

Per coder and file: bits per byte, seconds to code the file, the idempotency error (C(ss) − C(s)) / C(s), and how much
conditioning on the file's first half saves on its second half (bits per byte of the second half). The mixture's
excess over its best member is checked against log2 K. With ``--lm PATH`` (repeatable) a language model gets a row
(on the first ``--lm-bytes`` of each file: language models are slow), with its seconds extrapolated to 1 MB and its
code length against Σ −log2 p; ``--build-lm DIR`` first writes a randomly initialised ~10M-parameter GPT-2 into DIR
(speed only: a random model's bits mean nothing). Writes the "text-coders" section of benchmarks/RESULTS.md.

    python benchmarks/text_coders.py                                   # the compressors and mixtures
    python benchmarks/text_coders.py --build-lm /tmp/lm10m --lm /tmp/lm10m --lm-only
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from natlat_compress.coders import get_coder
from natlat_compress.report import render_rows

sys.path.insert(0, str(Path(__file__).parent))
from _results import machine, update_section  # noqa: E402

CANTERBURY = Path(__file__).resolve().parents[2] / "shared" / "data" / "text" / "canterbury"
# The language-model rows code a prefix of these books one after another (1.2 MB in all: a 1 MB text is measured whole).
LM_BOOKS = [CANTERBURY / "alice29.txt", CANTERBURY / "lcet10.txt", CANTERBURY.parent / "gutenberg" / "doyle_sherlock_holmes_pg1661.txt"]
LM_TEXT = b"".join(book.read_bytes() for book in LM_BOOKS)
LM_TEXT_NAME = "+".join(book.name for book in LM_BOOKS)
FILES = ["alice29.txt", "lcet10.txt"]
CODERS = ["zstd:19", "lzma:9e", "bz2:9", "brotli:11", "ppmd:6", "zpaq:3", "zpaq:4", "zpaq:5",
          "mix:zstd:19,ppmd:6", "mix:zstd:19,lzma:9e,ppmd:6", "mix:ppmd:6,zpaq:5"]


def measure(spec: str, data: bytes) -> dict:
    coder = get_coder(spec)
    start = time.perf_counter()
    bits = coder.bits(data)
    seconds = time.perf_counter() - start
    half = len(data) // 2
    first, second = data[:half], data[half:]
    alone = coder.bits(second)
    row = {"coder": spec, "bytes": len(data), "bits_per_byte": bits / len(data), "seconds": seconds,
           "mb_per_s": len(data) / seconds / 1e6, "idempotency": (coder.bits(data + data) - bits) / bits,
           "conditioning_gain_bpb": (alone - coder.conditional_bits(second, first)) / len(second)}
    if spec.startswith("mix:"):
        best = min(m.bits(data) for m in coder.members)
        row["excess_over_best_bits"] = bits - best
        row["log2_k"] = coder.log2_k
    return row


def lm_row(path: str, data: bytes, threads: int) -> dict:
    coder = get_coder(f"lm:{path}:threads={threads}")
    coder.encode(data[:2000])  # warm-up
    start, cpu_start = time.perf_counter(), time.process_time()
    code = coder.encode(data)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    return {"coder": f"lm ({coder.n_parameters / 1e6:.1f}M parameters, window {coder.window}, stride {coder.stride}, "
                     f"{threads} thread{'s' * (threads > 1)})",
            "bytes": len(data), "tokens": code.n_symbols, "bits_per_byte": code.bits / len(data),
            "ideal_bits": code.ideal_bits, "coded_bits": code.bits,
            "excess_bytes": (code.bits - code.ideal_bits) / 8,
            "excess_fraction": (code.bits - code.ideal_bits) / code.ideal_bits, "seconds": seconds,
            "seconds_per_mb": seconds / len(data) * 1e6, "cpu_seconds_per_mb": cpu_seconds / len(data) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lm", action="append", default=[], help="a model folder to add as a row")
    parser.add_argument("--lm-bytes", type=int, default=20000)
    parser.add_argument("--lm-threads", type=int, action="append", default=None)
    parser.add_argument("--build-lm", help="write a random ~10M-parameter GPT-2 here first")
    parser.add_argument("--lm-only", action="store_true", help="only the language-model rows")
    args = parser.parse_args()
    texts = {name: (CANTERBURY / name).read_bytes() for name in FILES}
    if args.build_lm:
        from natlat_compress.coders.lm import build_random_model

        n = build_random_model(args.build_lm, b"".join(texts.values()).decode("latin-1"), vocab_size=8192,
                               width=320, layers=6, heads=5, context=512)
        print(f"built {n / 1e6:.2f}M parameters in {args.build_lm}", file=sys.stderr)
    rows = []
    if not args.lm_only:
        for name, data in texts.items():
            for spec in CODERS:
                rows.append({"file": name, **measure(spec, data)})
                print(rows[-1], file=sys.stderr)
    lm_rows = []
    for path in args.lm:
        for threads in args.lm_threads or [1, 2]:
            lm_rows.append({"file": f"{LM_TEXT_NAME}[:{args.lm_bytes:,}]",
                            **lm_row(path, LM_TEXT[:args.lm_bytes], threads)})
            print(lm_rows[-1], file=sys.stderr)
    out = [f"Measured by `python benchmarks/text_coders.py` on {machine()} (a machine shared with other jobs: "
           "seconds are upper bounds)."]
    if rows:
        by = {(r["file"], r["coder"]): r for r in rows}
        lines = [f"{name}: zpaq:5 {by[name, 'zpaq:5']['bits_per_byte']:.3f} bits/byte against ppmd:6 "
                 f"{by[name, 'ppmd:6']['bits_per_byte']:.3f}, "
                 f"{100 * (1 - by[name, 'zpaq:5']['bits_per_byte'] / by[name, 'ppmd:6']['bits_per_byte']):.1f} % "
                 "fewer bits" for name in texts]
        mixes = [r for r in rows if "log2_k" in r]
        worst = max(r["excess_over_best_bits"] - r["log2_k"] for r in mixes)
        default, fast, strong = "mix:zstd:19,ppmd:6", "zstd:19", "mix:ppmd:6,zpaq:5"
        for name in texts:
            lines.append(
                f"{name}, the text default {default}: {by[name, default]['bits_per_byte']:.3f} bits/byte "
                f"({100 * (1 - by[name, default]['bits_per_byte'] / by[name, fast]['bits_per_byte']):.0f} % under "
                f"{fast}) in {by[name, default]['seconds']:.2f} s ({fast}: {by[name, fast]['seconds']:.2f} s), "
                f"self-conditioning like zstd's; {strong} takes another "
                f"{100 * (1 - by[name, strong]['bits_per_byte'] / by[name, default]['bits_per_byte']):.1f} % off in "
                f"{by[name, strong]['seconds']:.1f} s")
        out += ["", "### Compressors and mixtures", "", *[f"- {line}" for line in lines],
                f"- mixtures: excess over the best member minus log2 K, largest over all rows: {worst:+.3g} bits "
                "(the two-part code is exactly best + log2 K)", "",
                render_rows(rows, "markdown", columns=["file", "coder", "bits_per_byte", "seconds", "mb_per_s",
                                                     "idempotency", "conditioning_gain_bpb"])]
    if lm_rows:
        fastest = min(lm_rows, key=lambda r: r["seconds_per_mb"])
        per_threads = "; ".join(f"{r['coder'].rsplit(', ', 1)[-1].rstrip(')')}: {r['seconds_per_mb'] / 60:.1f} "
                                f"minutes (wall) and {r['cpu_seconds_per_mb'] / 60:.1f} CPU-minutes per MB"
                                for r in lm_rows)
        verdict = "met" if fastest["seconds_per_mb"] <= 300 else "not met"
        out += ["", "### Language models", "",
                "Random weights (`--build-lm`): the bits per byte mean nothing, the speed and the code's excess over "
                "Σ −log2 p do. Target: a 1 MB text with a 10M-parameter model in under 5 minutes on 2 cores. "
                f"Measured on {fastest['bytes']:,} bytes ({LM_TEXT_NAME}), per MB: {per_threads}. Fastest: "
                f"{fastest['seconds_per_mb'] / 60:.1f} minutes per MB, target **{verdict}** on this run (load "
                f"average {os.getloadavg()[0]:.1f} at the end, other jobs included).", "",
                render_rows(lm_rows, "markdown", columns=["file", "coder", "tokens", "bits_per_byte", "ideal_bits",
                                                        "coded_bits", "excess_bytes", "excess_fraction", "seconds",
                                                        "seconds_per_mb", "cpu_seconds_per_mb"])]
    section = "text-coders" + ("-lm" if args.lm_only else "")
    title = "## Text coders: zpaq, mixtures" if not args.lm_only else "## Text coders: language models"
    update_section(section, title + "\n\n" + "\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
