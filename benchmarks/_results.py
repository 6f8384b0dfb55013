"""Write one section of benchmarks/RESULTS.md (between its markers), atomically, leaving the others as they are."""

from __future__ import annotations

import os
import platform
import re
from datetime import date
from pathlib import Path

from natlat_compress.report import write_atomic

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    cores = len(os.sched_getaffinity(0))  # not nproc: it obeys the OMP_NUM_THREADS=1 the package sets
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, {date.today().isoformat()}"


def update_section(name: str, body: str) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nEach section is written by the script it names.\n"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    write_atomic(RESULTS, text)
