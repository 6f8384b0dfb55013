"""Is `natlat bench` timing what the compressors' own benchmarks time? Side by side, in one run, on the same file:
our compress/decompress MB/s for zstd and lz4 at a few levels against `zstd -b` and `lz4 -b` (Debian's zstd and lz4
packages; `make benchmarks` installs them).

The Python bindings bundle their own libzstd/liblz4, usually newer than Debian's CLIs, so the comparison is made twice:
with the project's bindings, and with bindings that bundle the very library versions the CLIs were built with
(installed from PyPI into benchmarks/.fidelity-venv). The second isolates the harness: same C code, two timers.
Writes the "fidelity" section of benchmarks/RESULTS.md.

    python benchmarks/fidelity.py [FILE]
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE.parents[1] / "shared" / "data" / "text" / "parallel" / "debian-reference.en.txt"
CASES = [("zstd:1", ["zstd", "-b1"]), ("zstd:3", ["zstd", "-b3"]), ("zstd:9", ["zstd", "-b9"]),
         ("lz4", ["lz4", "-b1"]), ("lz4:hc:9", ["lz4", "-b9"])]
SPEEDS = re.compile(rb"([\d.]+) MB/s\s*,\s*([\d.]+) MB/s")
# Python bindings that bundle the C library a CLI version was built from (checked with ZSTD_VERSION and
# lz4.library_version_string()).
BINDINGS = {("zstd", "1.5.4"): "zstandard==0.20.0", ("lz4", "1.9.4"): "lz4==4.3.2"}
VENV = HERE / ".fidelity-venv"
# As the CLIs time with -i3: runs of about one second each (the mean of the calls in it), the best of three.
REPEATS, MIN_TIME = 3, 1.0


def ours(path: Path) -> dict[str, tuple[float, float]]:
    from natlat_compress.bench import bench

    rows = bench([str(path)], [spec for spec, _ in CASES], repeats=REPEATS, min_time=MIN_TIME)["rows"]
    return {r["coder"]: (r["compress_mb_s"], r["decompress_mb_s"]) for r in rows}


def debian_library_speeds(path: Path) -> dict[str, tuple[float, float]] | None:
    """Our timer on Debian's own builds of libzstd and liblz4 (the libzstd1 and liblz4-1 packages, the same sources
    and compiler flags as the CLIs, which link their copy statically), called through ctypes with a reused context and
    output buffer as the CLIs do. Beside the CLI it isolates the timer; beside *ours* it isolates the build."""
    import ctypes

    from natlat_compress.bench import _timed

    try:
        zstd, lz4 = ctypes.CDLL("libzstd.so.1"), ctypes.CDLL("liblz4.so.1")
    except OSError:
        return None
    data = path.read_bytes()
    n = len(data)
    src, out, back = ctypes.create_string_buffer(data, n), ctypes.create_string_buffer(2 * n + 65536), \
        ctypes.create_string_buffer(n)
    zstd.ZSTD_createCCtx.restype = zstd.ZSTD_createDCtx.restype = ctypes.c_void_p
    for name in ("ZSTD_compressCCtx", "ZSTD_decompressDCtx"):
        getattr(zstd, name).restype = ctypes.c_size_t
    cctx, dctx = ctypes.c_void_p(zstd.ZSTD_createCCtx()), ctypes.c_void_p(zstd.ZSTD_createDCtx())
    speeds = {}
    for spec, argv in CASES:
        level = int(argv[1][2:])
        if argv[0] == "zstd":
            def compress():
                return zstd.ZSTD_compressCCtx(cctx, out, ctypes.c_size_t(len(out)), src, ctypes.c_size_t(n), level)

            size = compress()

            def decompress():
                return zstd.ZSTD_decompressDCtx(dctx, back, ctypes.c_size_t(n), out, ctypes.c_size_t(size))
        else:
            if level == 1:
                def compress():
                    return lz4.LZ4_compress_default(src, out, n, len(out))
            else:
                def compress():
                    return lz4.LZ4_compress_HC(src, out, n, len(out), level)
            size = compress()

            def decompress():
                return lz4.LZ4_decompress_safe(out, back, size, n)
        assert decompress() == n and back.raw == data
        speeds[spec] = tuple(n / _timed(call, REPEATS, MIN_TIME)[0] / 1e6 for call in (compress, decompress))
    return speeds


def cli_speeds(argv: list[str], path: Path) -> tuple[float, float]:
    """The compress and decompress MB/s a compressor's own benchmark prints last (it redraws its line with \\r)."""
    done = subprocess.run(argv + ["-i3", str(path)], capture_output=True, check=True)
    found = SPEEDS.findall(done.stdout + done.stderr)
    if not found:
        raise SystemExit(f"could not read the speeds of {' '.join(argv)}")
    return float(found[-1][0]), float(found[-1][1])


def cli_version(tool: str) -> str:
    said = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    return re.search(r"v(\d+\.\d+\.\d+)", said).group(1)


def matched_bindings(versions: dict[str, str]) -> dict | None:
    """Our timings in a venv whose bindings bundle the CLIs' library versions, or None if none are known."""
    pins = [BINDINGS.get((tool, version)) for tool, version in versions.items()]
    if None in pins:
        return None
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "numpy", "click", *pins], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(HERE.parent)], check=True)
    done = subprocess.run([str(python), __file__, "--ours-json", str(PATH)], capture_output=True, text=True, check=True)
    return {"pins": pins, "speeds": {k: tuple(v) for k, v in json.loads(done.stdout).items()}}


def main() -> None:
    sys.path.insert(0, str(HERE))
    from _results import machine, update_section

    missing = [tool for tool in ("zstd", "lz4") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: apt-get install {' '.join(missing)} (or `make benchmarks`)")
    versions = {tool: cli_version(tool) for tool in ("zstd", "lz4")}
    current = ours(PATH)
    matched = matched_bindings(versions)
    debian = debian_library_speeds(PATH) or {spec: (float("nan"), float("nan")) for spec, _ in CASES}
    theirs = {spec: cli_speeds(argv, PATH) for spec, argv in CASES}
    import natlat_compress.coders as coders

    libraries = ", ".join(coders.get_coder(s).library_version() for s in ("zstd:3", "lz4"))
    lines = [f"Measured {machine()} by `python benchmarks/fidelity.py` on {PATH.name} ({PATH.stat().st_size:,} bytes). "
             f"CLIs: zstd {versions['zstd']}, lz4 {versions['lz4']}. *ours* = `natlat bench --repeats {REPEATS} "
             f"--min-time {MIN_TIME:g}` (best of {REPEATS} wall-clock runs, each the mean of the calls looped for "
             f"{MIN_TIME:g} s, as the CLIs' own benchmarks time), with the project's bindings ({libraries}); "
             "*ours, CLI's library* = the same harness "
             f"with {', '.join(matched['pins']) if matched else 'no matching bindings found'}, which bundle the "
             "libraries the CLIs were built with; *Debian's build* = the same timer on Debian's own libzstd1 and "
             "liblz4-1 (the CLIs' sources and compiler flags) through ctypes, reusing context and buffers as the CLIs "
             "do. Theirs: what `-b -i3` prints (the best of its one-second runs). Ratios are ours / theirs.", "",
             "| coder | CLI | compress: ours | CLI's library | Debian's build | CLI | ratio (same library) | "
             "ratio (same build) | decompress: ours | CLI's library | Debian's build | CLI | ratio (same library) | "
             "ratio (same build) |", "|---|---|" + "---:|" * 12]
    for spec, argv in CASES:
        (oc, od), (tc, td), (dc, dd) = current[spec], theirs[spec], debian[spec]
        mc, md = matched["speeds"][spec] if matched else (float("nan"), float("nan"))
        lines.append(f"| {spec} | `{' '.join(argv)}` | {oc:.1f} | {mc:.1f} | {dc:.1f} | {tc:.1f} | {mc / tc:.2f} | "
                     f"{dc / tc:.2f} | {od:.1f} | {md:.1f} | {dd:.1f} | {td:.1f} | {md / td:.2f} | {dd / td:.2f} |")
        print(lines[-1], flush=True)
    update_section("fidelity", "## Bench fidelity: `natlat bench` against `zstd -b` and `lz4 -b`\n\n" + "\n".join(lines))


if len(sys.argv) > 2 and sys.argv[1] == "--ours-json":  # inside the venv with the CLIs' library versions
    print(json.dumps(ours(Path(sys.argv[2]))))
elif __name__ == "__main__":
    PATH = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    main()
