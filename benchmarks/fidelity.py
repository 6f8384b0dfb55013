"""Is `natlat bench` timing what the compressors' own benchmarks time? Side by side, in one run, on the same file:
our compress/decompress MB/s for zstd and lz4 at a few levels against `zstd -b` and `lz4 -b` (Debian's zstd and lz4
packages; `make benchmarks` installs them). Writes the "fidelity" section of benchmarks/RESULTS.md.

    python benchmarks/fidelity.py [FILE]
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from natlat_compress.bench import bench

sys.path.insert(0, str(Path(__file__).parent))
from _results import machine, update_section  # noqa: E402

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "text" / "parallel" / "debian-reference.en.txt"
CASES = [("zstd:1", ["zstd", "-b1"]), ("zstd:3", ["zstd", "-b3"]), ("zstd:9", ["zstd", "-b9"]),
         ("lz4", ["lz4", "-b1"]), ("lz4:hc:9", ["lz4", "-b9"])]
SPEEDS = re.compile(rb"([\d.]+) MB/s\s*,\s*([\d.]+) MB/s")


def cli_speeds(argv: list[str], path: Path) -> tuple[float, float]:
    """The compress and decompress MB/s a compressor's own benchmark prints last (it redraws its line with \\r)."""
    done = subprocess.run(argv + ["-i3", str(path)], capture_output=True, check=True)
    found = SPEEDS.findall(done.stdout + done.stderr)
    if not found:
        raise SystemExit(f"could not read the speeds of {' '.join(argv)}")
    return float(found[-1][0]), float(found[-1][1])


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    missing = [tool for tool in ("zstd", "lz4") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: apt-get install {' '.join(missing)} (or `make benchmarks`)")
    versions = {tool: subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip().split(",")[0]
                for tool in ("zstd", "lz4")}
    lines = [f"Measured {machine()} by `python benchmarks/fidelity.py` on {path.name} ({path.stat().st_size:,} bytes); "
             f"{versions['zstd'].strip('* ')}, {versions['lz4'].strip('* ')}. MB/s = 10^6 bytes per second; ours is "
             "the best of 7 wall-clock runs, theirs what their benchmark prints after 3 s.", "",
             "| coder | CLI | ours compress | CLI compress | ratio | ours decompress | CLI decompress | ratio |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for spec, argv in CASES:
        ours = bench([str(path)], [spec], repeats=7)["rows"][0]
        theirs = cli_speeds(argv, path)
        lines.append(f"| {spec} | `{' '.join(argv)}` | {ours['compress_mb_s']:.1f} | {theirs[0]:.1f} | "
                     f"{ours['compress_mb_s'] / theirs[0]:.2f} | {ours['decompress_mb_s']:.1f} | {theirs[1]:.1f} | "
                     f"{ours['decompress_mb_s'] / theirs[1]:.2f} |")
        print(lines[-1], flush=True)
    update_section("fidelity", "## Bench fidelity: `natlat bench` against `zstd -b` and `lz4 -b`\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
