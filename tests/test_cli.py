"""The command line: every command works, has help and is in the README; bad input is one line."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from natlat_compress.cli import cli

from .conftest import CANTERBURY, ROOT, TABULAR, assert_one_line_error, run

ALICE = CANTERBURY / "alice29.txt"


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert run(name, "--help").stdout.strip()
        assert f"natlat {name}" in readme, name


def test_coders_lists_every_family():
    rows = json.loads(run("coders", "--format", "json").stdout)
    names = [r["name"] for r in rows]
    assert names == ["zlib", "bz2", "lzma", "zstd", "lz4", "brotli", "ppmd", "zpaq", "mix", "lm", "cmd", "model"]
    assert rows[-1]["conditioning"] == "model" and rows[-1]["reach_bytes"] is None
    zstd = rows[names.index("zstd")]
    assert zstd["available"] and zstd["conditioning"] == "primed" and zstd["reach_bytes"] == 2 ** 21
    assert "libzstd" in zstd["version"]
    assert "conditioning" in run("coders").stdout and run("coders", "--format", "csv").stdout.startswith("name,")


def test_bits_of_a_file_and_given_another():
    plain = json.loads(run("bits", ALICE, "--coder", "zstd:19", "--format", "json").stdout)
    assert plain["bits"] > 0 and plain["bytes"] == 152089
    given = json.loads(run("bits", ALICE, "--given", ALICE, "--coder", "zstd:19", "--format", "json").stdout)
    assert given["bits"] < 8 * 1000 and given["conditioning"] == "primed"


def test_axioms_show_where_zlib_stops_being_normal():
    rows = json.loads(run("axioms", CANTERBURY / "lcet10.txt", "--coder", "zlib:9", "--format", "json").stdout)["rows"]
    small = [r for r in rows if r["within_reach"]]
    large = [r for r in rows if not r["within_reach"]]
    assert small and large
    assert max(r["idempotency_relative"] for r in small) < 0.05  # C(ss) ≈ C(s) within 32 KiB
    assert min(r["idempotency_relative"] for r in large) > 0.5  # past it, the second copy costs nearly in full
    assert all(r["monotonicity"] is None or r["monotonicity"] >= 0 for r in rows)


def test_ncd_matrix():
    out = json.loads(run("ncd", ALICE, CANTERBURY / "asyoulik.txt", ALICE, "--coder", "zstd:19", "--format",
                         "json").stdout)
    m = out["matrix"]
    assert len(m) == 3 and m[0][2] == m[0][0] < 0.05  # a text is closest to itself
    assert m[0][1] > 0.5


def test_score_table_output_is_readable():
    out = run("score", "-s").stdout
    assert "the embedded example" in out and "verdict:" in out and "mediation null" in out


@pytest.mark.parametrize("args, words", [
    (["score", "/no/such/file.csv", "--latent", "x"], "no such file"),
    (["score", TABULAR / "house-votes-84.csv", "--latent", "Nope"], "unknown latent column 'Nope'"),
    (["score", TABULAR / "house-votes-84.csv", "--latent", "Class", "--coder", "gzip"], "unknown coder"),
    (["score", TABULAR / "house-votes-84.csv", "--latent", "Class", "--features", "crime"], "only one feature"),
    (["score", TABULAR / "house-votes-84.csv"], "no latent given"),
    (["score", CANTERBURY, "--latent", "Class"], "latent is a string"),
    (["bits", ALICE, "--coder", "zlib:10"], "[1, 9]"),
    (["bits", ALICE, "--coder", "cmd:no-such-program-xyz"], "not found"),
    (["bits", "/no/such/file"], "no such file"),
    (["bits", CANTERBURY], "directory"),
    (["score", "--frobnicate"], "valid options: "),
    (["frobnicate"], "valid commands: axioms, bench, bits"),
    (["score", "--format", "xml"], "'table', 'json', 'csv'"),
])
def test_bad_input_is_one_line(args, words):
    line = assert_one_line_error(run(*args, expect=None))
    assert words in line, line


@pytest.mark.parametrize("content", [b"", b"a,b,c\n"])
def test_empty_and_header_only_tables(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert_one_line_error(run("score", path, "--latent", "a", expect=None))


def test_empty_directory(tmp_path):
    assert "no files" in assert_one_line_error(run("score", tmp_path, "--latent", "discover", expect=None))


def test_the_console_script_module_and_shim_agree():
    versions = [subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True).stdout for cmd in (
        [sys.executable, "-m", "natlat_compress", "--version"], [sys.executable, "cli.py", "--version"])]
    assert versions[0] == versions[1] and re.search(r"\d+\.\d+\.\d+", versions[0])
    bad = subprocess.run([sys.executable, "cli.py", "bits", "/no/such"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and bad.stderr.startswith("Error: ")


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_a_name_that_is_not_utf8_is_printed_as_its_bytes(tmp_path, fmt):
    """A header cell that is not UTF-8 is kept as bytes (surrogateescape); printing it must not depend on the
    terminal's error handler (found by test_fuzz_cli under CliRunner, whose stdout is strict UTF-8)."""
    from click.testing import CliRunner

    table = tmp_path / "t.csv"
    table.write_bytes(b"a\xe9,b,c\n1,2,3\n2,3,1\n1,2,2\n")
    result = CliRunner().invoke(cli, ["score", str(table), "--latent", "b", "--format", fmt, "-s"])
    assert result.exit_code == 0, result.output
    assert b"a\xe9" in result.stdout_bytes
