"""``natlat bench``: compressors measured on two counts at once — what they cost, and how good a prior they are.

Cost, as lzbench and TurboBench report it: compressed size, ratio in both conventions, bits per byte, compress and
decompress speed (best of N after a warm-up; wall clock and CPU time), peak memory. Stand-in quality, which nothing else
reports (THEORY.md §3): the idempotency error ``(C(ss) − C(s)) / C(s)`` at the file's size, the gain of primed over
concatenated conditioning ``[C(t·s) − C(t)] − C(s|t)`` per byte of s (halves of the file), and the excess bits per
symbol over the exact entropy on a generated i.i.d. source. The Pareto front (speed against bits per byte) is marked.
"""

from __future__ import annotations

import os
import platform
import re
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .coders import FAMILIES, is_available
from .coders.registry import byte_coder
from .corpus import read_input
from .errors import NatlatError, SpecError

__all__ = ["bench", "expand_specs", "pareto_front", "plot", "DEFAULT_BENCH_CODERS", "machine_metadata",
           "entropy_source"]

DEFAULT_BENCH_CODERS = ["zlib:1", "zlib:6", "zlib:9", "bz2:9", "lzma:6", "lzma:9e", "zstd:-5", "zstd:1", "zstd:3",
                        "zstd:9", "zstd:19", "lz4", "lz4:hc:9", "brotli:5", "brotli:11", "ppmd:6", "zpaq:3"]
LEVEL_FAMILIES = {"zlib": "zlib:{}", "bz2": "bz2:{}", "lzma": "lzma:{}", "zstd": "zstd:{}", "brotli": "brotli:{}",
                  "ppmd": "ppmd:{}", "lz4": "lz4:hc:{}", "zpaq": "zpaq:{}"}
MIN_RUN_SECONDS = 0.02  # by default a timed run repeats the call until it lasts this long, so small files time well
SOURCE_BYTES = 1 << 20


def expand_specs(coders: Sequence[str], levels: str | None) -> list[str]:
    """Specs with ``--levels A-B`` applied to every family named without a level (``zstd`` → zstd:A..zstd:B)."""
    if levels is None:
        return list(dict.fromkeys(coders))
    match = re.fullmatch(r"(-?\d+)-(-?\d+)", levels.strip())
    if not match or int(match.group(1)) > int(match.group(2)):
        raise SpecError(f"--levels takes A-B with A <= B (e.g. 1-19); got {levels!r}")
    low, high = int(match.group(1)), int(match.group(2))
    out = []
    for spec in coders:
        if ":" in spec or spec not in LEVEL_FAMILIES:
            out.append(spec)
        else:
            out += [LEVEL_FAMILIES[spec].format(level) for level in range(low, high + 1)]
    return list(dict.fromkeys(out))


def machine_metadata(coders: Sequence) -> dict:
    """What every result carries: CPU, cores, Python, date, and each library's version."""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "libraries": {c.spec: c.library_version() for c in coders}}


def entropy_source(n: int = SOURCE_BYTES, seed: int = 0) -> tuple[bytes, float]:
    """An i.i.d. source over 16 letters with Zipf-like probabilities, and its exact entropy in bits per symbol."""
    p = 1.0 / np.arange(1, 17)
    p /= p.sum()
    symbols = np.frombuffer(b"etaoinshrdlucmfw", dtype=np.uint8)
    data = symbols[np.random.default_rng(seed).choice(16, size=n, p=p)].tobytes()
    return data, float(-(p * np.log2(p)).sum())


def _peak_rss_reset() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the peak resident set size (Linux >= 4.0)
        return True
    except OSError:
        return False


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def _timed(call: Callable[[], object], repeats: int, min_time: float) -> tuple[float, float, int]:
    """Best wall and CPU seconds per call over ``repeats`` runs after a warm-up; each run loops until it lasts
    ``min_time`` seconds and counts its mean. Returns (wall, cpu, calls per run)."""
    call()  # warm-up
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-9)
    loops = max(1, int(min_time / once))
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(loops):
            call()
        best_wall = min(best_wall, (time.perf_counter() - wall0) / loops)
        best_cpu = min(best_cpu, (time.process_time() - cpu0) / loops)
    return best_wall, best_cpu, loops


def _measure(coder, data: bytes, repeats: int, min_time: float, source_excess: float) -> dict:
    baseline = _rss_kib("VmRSS") if _peak_rss_reset() else None
    blob = coder.compress(data)
    peak = (_rss_kib("VmHWM") - baseline) / 1024 if baseline is not None else None
    wall, cpu, _ = _timed(lambda: coder.compress(data), repeats, min_time)
    row: dict[str, float | None] = {"bytes": len(data), "compressed_bytes": len(blob)}
    bits = coder.bits(data)
    row["bits_per_byte"] = bits / len(data)
    row["ratio"] = len(data) / max(bits / 8, 1e-9)  # original / compressed (container excluded)
    row["compressed_fraction"] = bits / 8 / len(data)  # compressed / original
    row["compress_mb_s"] = len(data) / wall / 1e6
    row["compress_cpu_mb_s"] = len(data) / cpu / 1e6 if cpu > 0 else None
    if coder.can_decompress:
        if baseline is not None:
            _peak_rss_reset()
            baseline = _rss_kib("VmRSS")
        coder.decompress(blob, len(data))
        if baseline is not None and peak is not None:
            peak = max(peak, (_rss_kib("VmHWM") - baseline) / 1024)
        wall, cpu, _ = _timed(lambda: coder.decompress(blob, len(data)), repeats, min_time)
        row["decompress_mb_s"] = len(data) / wall / 1e6
        row["decompress_cpu_mb_s"] = len(data) / cpu / 1e6 if cpu > 0 else None
    else:
        row["decompress_mb_s"] = row["decompress_cpu_mb_s"] = None
    row["peak_memory_mb"] = peak
    # Stand-in quality.
    row["idempotency"] = (coder.bits(data + data) - bits) / bits if bits else None
    half = len(data) // 2
    t, s = data[:half], data[half:]
    concatenated = coder.bits(t + s) - coder.bits(t)
    row["primed_gain_bpb"] = (concatenated - coder.conditional_bits(s, t)) / len(s) if s else None
    row["excess_bits_per_symbol"] = source_excess
    return row


def pareto_front(rows: list[dict]) -> None:
    """Mark ``pareto`` on the rows of each file that no other row beats on both speed and bits per byte."""
    for file in {r["file"] for r in rows}:
        mine = [r for r in rows if r["file"] == file]
        for r in mine:
            r["pareto"] = not any(o is not r and o["compress_mb_s"] >= r["compress_mb_s"]
                                  and o["bits_per_byte"] <= r["bits_per_byte"]
                                  and (o["compress_mb_s"] > r["compress_mb_s"] or o["bits_per_byte"] < r["bits_per_byte"])
                                  for o in mine)


def _files(paths: Sequence[str]) -> list[Path]:
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            files.append(path)
        else:
            raise NatlatError(f"no such file or directory: {path}")
    if not files:
        raise NatlatError("nothing to benchmark: the paths hold no files")
    return files


def bench(paths: Sequence[str], coders: Sequence[str] | None = None, levels: str | None = None, repeats: int = 5,
          progress: Callable[[int, int], None] | None = None, min_time: float = MIN_RUN_SECONDS) -> dict:
    """Benchmark every coder on every file; one row per (file, coder). Returns ``{"meta", "source", "rows"}``.

    Speeds are the best of ``repeats`` timed runs, each the mean of calls looped for ``min_time`` seconds: short runs
    (the default) pick the machine's quickest moments; ``min_time=1`` times as ``zstd -b`` and ``lz4 -b`` do."""
    if coders:
        specs = expand_specs(coders, levels)
    else:
        specs = [s for s in expand_specs(DEFAULT_BENCH_CODERS, None) if is_available(FAMILIES[s.partition(":")[0]])]
    chosen = [byte_coder(s, "bench") for s in specs]
    files = _files(paths)
    datas = {f: read_input(f) for f in files}
    empty = [str(f) for f, d in datas.items() if not d]
    if empty:
        raise NatlatError(f"cannot benchmark an empty file: {empty[0]}")
    source = entropy_source()
    excess: dict[str, float] = {}  # per coder, not per file: the source is the same for every file
    rows, total, done = [], len(files) * len(chosen), 0
    for file in files:
        for coder in chosen:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # beyond-reach sizes are measured here (idempotency, the source)
                if coder.spec not in excess:
                    excess[coder.spec] = coder.bits(source[0]) / len(source[0]) - source[1]
                rows.append({"file": file.name, "coder": coder.spec,
                             **_measure(coder, datas[file], repeats, min_time, excess[coder.spec])})
            done += 1
            if progress:
                progress(done, total)
    pareto_front(rows)
    return {"meta": {**machine_metadata(chosen), "repeats": repeats, "min_time_s": min_time},
            "source": {"what": "i.i.d. over 16 letters, p ∝ 1/k", "bytes": len(source[0]),
                       "entropy_bits_per_symbol": source[1]},
            "rows": rows}


def plot(report: dict, path: str | os.PathLike) -> None:
    """One panel per measure, coders down the side, one marker per file, the Pareto front filled
    (:func:`natlat_compress.plots.bench_plot`); PNG or SVG by the suffix, written atomically."""
    from .plots import bench_plot

    bench_plot(report, path)
