"""natlat bench: the measurements are consistent with each other, the front is a front, bad input is one line."""

from __future__ import annotations

import importlib
import json

import numpy as np
import pytest

from natlat_compress.bench import bench, entropy_source, expand_specs, pareto_front
from natlat_compress.errors import SpecError

from .conftest import CANTERBURY, TABULAR, assert_one_line_error, run


def test_expand_levels():
    assert expand_specs(["zstd", "lz4", "zlib:9"], "1-3") == ["zstd:1", "zstd:2", "zstd:3", "lz4:hc:1", "lz4:hc:2",
                                                             "lz4:hc:3", "zlib:9"]
    assert expand_specs(["zstd:3"], None) == ["zstd:3"]
    with pytest.raises(SpecError, match="A-B"):
        expand_specs(["zstd"], "9-1")


def test_pareto_front_on_hand_made_rows():
    rows = [{"file": "f", "coder": c, "compress_mb_s": s, "bits_per_byte": b}
            for c, s, b in [("fast", 500, 4.0), ("good", 10, 2.0), ("both worse", 9, 4.5), ("middle", 100, 3.0),
                            ("dominated", 90, 3.5)]]
    pareto_front(rows)
    assert {r["coder"] for r in rows if r["pareto"]} == {"fast", "good", "middle"}


def test_entropy_source():
    data, entropy = entropy_source(100_000)
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8))
    p = counts[counts > 0] / len(data)
    assert float(-(p * np.log2(p)).sum()) == pytest.approx(entropy, abs=0.01)


def test_bench_rows_are_consistent():
    report = bench([str(CANTERBURY / "alice29.txt")], ["zstd:3", "bz2:9", "lz4"], repeats=2)
    assert {"cpu", "cores", "python", "date", "libraries"} <= set(report["meta"])
    assert set(report["meta"]["libraries"]) == {"zstd:3", "bz2:9", "lz4"}
    for row in report["rows"]:
        assert row["ratio"] * row["compressed_fraction"] == pytest.approx(1)
        assert row["bits_per_byte"] == pytest.approx(8 * row["compressed_fraction"])
        assert row["compress_mb_s"] > 0 and row["decompress_mb_s"] > 0
        assert row["excess_bits_per_symbol"] > -0.01  # no code beats the entropy by more than its sampling noise
    by = {r["coder"]: r for r in report["rows"]}
    assert by["bz2:9"]["primed_gain_bpb"] == 0  # bz2 concatenates: nothing to gain
    assert by["bz2:9"]["bits_per_byte"] < by["lz4"]["bits_per_byte"]
    assert any(r["pareto"] for r in report["rows"])


def test_bench_command_formats_and_plot(tmp_path):
    small = tmp_path / "small.txt"
    small.write_bytes((CANTERBURY / "asyoulik.txt").read_bytes()[:20000])
    rows = json.loads(run("bench", small, "--coder", "zlib:6", "--coder", "zstd:1", "--repeats", "1", "-s",
                          "--format", "json").stdout)["rows"]
    assert {"coder", "bits_per_byte", "compress_mb_s", "decompress_mb_s"} <= set(rows[0])
    markdown = run("bench", small, "--coder", "zstd", "--levels", "1-2", "--repeats", "1", "-s", "--format",
                   "markdown", "--plot", tmp_path / "front.png").stdout
    assert markdown.startswith("| file | coder | pareto |") and "zstd:2" in markdown
    assert (tmp_path / "front.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = run("bench", small, "--coder", "zstd:1", "--repeats", "2", "--min-time", "0.05", "-s").stdout
    assert "best of 2 runs of 0.05 s" in table.splitlines()[0]


def test_min_time_sets_how_long_a_timed_run_loops(monkeypatch):
    bench_module = importlib.import_module("natlat_compress.bench")  # the package exports the function bench

    calls = []
    monkeypatch.setattr(bench_module.time, "perf_counter", lambda: len(calls) * 0.001)  # every call lasts 1 ms
    wall, _, loops = bench_module._timed(lambda: calls.append(1), repeats=3, min_time=0.05)
    assert loops == 50 and wall == pytest.approx(0.001)
    assert len(calls) == 2 + 3 * 50  # the warm-up and the calibrating call, then 3 runs of 50


@pytest.mark.parametrize("args, words", [
    (["bench", "/no/such/file"], "no such file"),
    (["bench", TABULAR / "house-votes-84.csv", "--coder", "model"], "byte coders"),
    (["bench", CANTERBURY, "--coder", "zstd", "--levels", "x"], "A-B"),
    (["bench", CANTERBURY / "alice29.txt", "--min-time", "0"], "--min-time"),
])
def test_bench_bad_input(args, words):
    assert words in assert_one_line_error(run(*args, expect=None))
