"""Bad input, faults and limits, one class at a time: option domains, outputs, cmd: coders, caches, JSONL, memory."""

from __future__ import annotations

import json
import os
import sqlite3

import time

import numpy as np
import pytest

from natlat_compress.cache import APPLICATION_ID, CacheWarning, TermCache
from natlat_compress.coders import models
from natlat_compress.errors import NatlatError
from natlat_compress.params import parse_size

from .conftest import TABULAR, assert_one_line_error, run

TABLE = TABULAR / "contact-lenses.csv"


# -- option domains -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, size", [("64MB", 64 * 10**6), ("1GiB", 2**30), ("1.5 kB", 1500), ("4096", 4096),
                                        ("2kib", 2048), (" 3 M ", 3 * 10**6)])
def test_sizes_take_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["-5MB", "lots", "1XB", "", "1e9", "5 M B"])
def test_sizes_refused_name_the_valid_forms(text):
    with pytest.raises(ValueError, match="KiB"):
        parse_size(text)


@pytest.mark.parametrize("args, words", [
    (["score", TABLE, "--latent", "contact-lenses", "--stream", "64"], "did you mean 64MB"),
    (["score", TABLE, "--latent", "contact-lenses", "--seed", "-1"], "0<=x"),
    (["score", TABLE, "--latent", "contact-lenses", "--jobs", "100000"], "--jobs"),
    (["score", TABLE, "--latent", "contact-lenses", "--null", "1000000"], "--null"),
    (["bits", TABLE, "--coder", "zstd:"], "empty part"),
    (["bits", TABLE, "--coder", "lz4:hc:"], "lz4 | lz4:hc[:1-12]"),
    (["score", TABLE, "--latent", "contact-lenses", "--coder", "model:"], "model[:kt|:nb][:tail]"),
    (["bits", TABLE, "--coder", "model"], "natlat score or natlat priors"),
    (["ncd", TABLE, TABLE, "--coder", "model:kt"], "natlat score or natlat priors"),
    (["axioms", TABLE, "--coder", "model:nb"], "natlat score or natlat priors"),
    (["axioms", TABLE, "--sizes", "1KiB,0"], "positive"),
])
def test_option_domains_are_checked_before_work(args, words):
    assert words in assert_one_line_error(run(*args, expect=None))


def test_axioms_sizes_take_units():
    report = json.loads(run("axioms", TABULAR / "soybean.csv", "--coder", "zstd:3", "--sizes", "128,1KiB", "--format", "json").stdout)
    assert [row["size"] for row in report["rows"]] == [128, 1024]


# -- outputs ----------------------------------------------------------------------------------------------------------
def test_an_output_never_replaces_an_input(tmp_path):
    data = tmp_path / "data.txt"
    data.write_bytes(b"abc" * 100)
    (tmp_path / "link.txt").symlink_to(data)
    os.link(data, tmp_path / "hard.txt")
    for target in (data, tmp_path / "link.txt", tmp_path / "hard.txt"):
        line = assert_one_line_error(run("bits", data, "-o", target, expect=None))
        assert "is an input of this run" in line
    assert data.read_bytes() == b"abc" * 100


def test_an_output_inside_an_input_folder_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text("the cat " * 20)
    (tmp_path / "b.txt").write_text("the dog " * 20)
    line = assert_one_line_error(run("score", tmp_path, "--latent-text", "the", "-o", tmp_path / "r.json",
                                     expect=None))
    assert "inside the input folder" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_missing_folder_fails_before_the_work(tmp_path):
    line = assert_one_line_error(run("score", TABLE, "--latent", "contact-lenses", "-o", tmp_path / "no" / "r.json",
                                     expect=None))
    assert "does not exist" in line


def test_dash_is_stdout_and_a_symlink_is_written_through(tmp_path):
    assert json.loads(run("bits", TABLE, "-o", "-", "--format", "json").stdout)["bytes"] == TABLE.stat().st_size
    real = tmp_path / "real.json"
    real.write_text("old")
    (tmp_path / "link.json").symlink_to(real)
    run("bits", TABLE, "-o", tmp_path / "link.json", "--format", "json")
    assert (tmp_path / "link.json").is_symlink() and json.loads(real.read_text())["bytes"] == TABLE.stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]  # no temporary file left


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_one_line():
    assert "No space left" in assert_one_line_error(run("bits", TABLE, "-o", "/dev/full", expect=None))


# -- cmd: coders ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, words", [
    ("cmd:true", "wrote nothing"),
    ("cmd:false", "exited with status 1"),
    ("cmd:yes", "wrote more than"),
    ("cmd:no-such-program-xyz", "not found on PATH"),
])
def test_cmd_coders_that_misbehave_are_errors(spec, words):
    assert words in assert_one_line_error(run("bits", TABLE, "--coder", spec, expect=None))


def test_a_cmd_coder_that_hangs_times_out(monkeypatch):
    from natlat_compress.coders.external import CommandCoder

    coder = CommandCoder("sleep 30", timeout=0.5)
    with pytest.raises(NatlatError, match="took longer than 0.5 s"):
        coder.compress(b"abc")


def test_a_real_cmd_coder_counts_its_output():
    from natlat_compress.coders.external import CommandCoder

    assert len(CommandCoder("cat").compress(b"x" * 100)) == 100


# -- caches -----------------------------------------------------------------------------------------------------------
def _score_with_cache(folder):
    return run("score", TABLE, "--latent", "contact-lenses", "--null", "0", "-s", "--format", "json", "--cache",
               folder, expect=None)


def test_a_corrupt_cache_is_refused_and_kept(tmp_path):
    path = tmp_path / "natlat-cache.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    assert "not a usable natlat cache" in assert_one_line_error(_score_with_cache(tmp_path))
    assert path.read_bytes() == b"not a database at all" * 100


def test_a_foreign_sqlite_file_is_refused_and_kept(tmp_path):
    db = sqlite3.connect(tmp_path / "natlat-cache.sqlite")
    db.execute("CREATE TABLE bits (key TEXT PRIMARY KEY, value REAL NOT NULL, owner TEXT)")
    db.commit()
    db.close()
    before = (tmp_path / "natlat-cache.sqlite").read_bytes()
    assert "another program" in assert_one_line_error(_score_with_cache(tmp_path))
    assert (tmp_path / "natlat-cache.sqlite").read_bytes() == before


def test_a_locked_cache_is_a_warning_and_a_run_without_it(tmp_path, monkeypatch):
    import natlat_compress.cache as cache_module

    monkeypatch.setattr(cache_module, "LOCK_WAIT_S", 0.2)
    first = json.loads(_score_with_cache(tmp_path).stdout)
    holder = sqlite3.connect(tmp_path / "natlat-cache.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.warns(CacheWarning, match="locked"):
            cache = TermCache(tmp_path)
        assert cache.get_many(["x"]) == {}
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    again = json.loads(_score_with_cache(tmp_path).stdout)
    assert again["results"] == first["results"]


def test_a_new_cache_is_marked_as_ours(tmp_path):
    TermCache(tmp_path).close()
    db = sqlite3.connect(tmp_path / "natlat-cache.sqlite")
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_values_that_are_not_numbers_are_never_reported(tmp_path):
    cache = TermCache(tmp_path)
    cache.put_many({"a": 1.5})
    cache.db.execute("INSERT INTO bits VALUES ('b', 'x'), ('c', 9e999)")  # text and infinity: not ours
    assert cache.get_many(["a", "b", "c"]) == {"a": 1.5}


# -- JSONL ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, words", [
    ('{"text": "ab"}\n{"text": "cd"}\n'.encode("utf-16"), "UTF-16"),
    (b'{"text": "ab"}\n{"text": "c\xe9"}\n', "line 2 is not UTF-8"),
    (b'{"text": ' + b"[" * 100000 + b"]" * 100000 + b"}\n", "nested too deeply"),
])
def test_jsonl_errors_are_one_line(tmp_path, raw, words):
    path = tmp_path / "c.jsonl"
    path.write_bytes(raw)
    assert words in assert_one_line_error(run("score", path, "--latent-text", "a", expect=None))


def test_jsonl_lone_surrogates_stay_distinct(tmp_path):
    from natlat_compress.corpus import load_texts

    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"text": "\\ud800"}\n{"text": "\\ud801"}\n{"text": "a\\u2028b"}\n')
    objects = load_texts(path).objects
    assert list(objects.values()) == ["\ud800".encode("utf-8", "surrogatepass"),
                                      "\ud801".encode("utf-8", "surrogatepass"), "a\u2028b".encode()]


# -- memory -----------------------------------------------------------------------------------------------------------
def test_naive_bayes_in_row_chunks_is_the_same_code_length(monkeypatch):
    rng = np.random.default_rng(5)
    n = 3000
    target = rng.integers(0, 40, n)
    given = [(rng.integers(0, 5, n), 5), ((target + rng.integers(0, 2, n)) % 40, 40), (np.arange(n), n)]
    whole = models.nb_bits(target, 40, given)
    monkeypatch.setattr(models, "NB_SCORE_CELLS", 1000)  # 25 rows at a time
    assert len(models._NaiveBayesParts(target, 40).chunks) == 120
    assert models.nb_bits(target, 40, given) == pytest.approx(whole, rel=1e-12)


def test_a_plan_too_big_for_max_memory_stops_at_once(tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 4, (300_000, 12))
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{j}" for j in range(12)) + "\n" + "\n".join(",".join(map(str, r)) for r in rows.tolist()))
    started = time.monotonic()
    line = assert_one_line_error(run("score", path, "--latent", "c0", "--max-memory", "100MB", expect=None))
    assert "--max-memory" in line and "fewer --features" in line
    assert time.monotonic() - started < 60  # refused from the plan, not after the work
