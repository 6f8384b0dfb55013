"""The persistent cache: reruns read what earlier runs computed, keyed by content, with identical results."""

from __future__ import annotations

import pytest

from natlat_compress import score

from .conftest import CANTERBURY, TABULAR, assert_one_line_error, run


def test_a_rerun_reads_everything_and_agrees(tmp_path):
    first = score(TABULAR / "breast-cancer.csv", "Class", coders=["zstd:19", "model"], null=2, intervals=2,
                  cache=tmp_path, jobs=2)
    again = score(TABULAR / "breast-cancer.csv", "Class", coders=["zstd:19", "model"], null=2, intervals=2,
                  cache=tmp_path, jobs=2)
    assert first["plan"]["cached_jobs"] == 0 and again["plan"]["cached_jobs"] == again["plan"]["jobs"]
    assert again["results"] == first["results"]


@pytest.mark.filterwarnings("ignore::natlat_compress.errors.ReachWarning")  # zlib's window is smaller than the table
def test_only_what_is_new_is_computed(tmp_path):
    one = score(TABULAR / "soybean.csv", "class", coders=["zstd:3"], null=0, cache=tmp_path)
    two = score(TABULAR / "soybean.csv", "class", coders=["zstd:3", "zlib:9"], null=0, cache=tmp_path)
    assert two["plan"]["cached_jobs"] == one["plan"]["jobs"]  # the new coder's jobs only
    other = score(TABULAR / "soybean.csv", "date", coders=["zstd:3"], null=0, cache=tmp_path)
    assert 0 < other["plan"]["cached_jobs"] < other["plan"]["jobs"]  # terms of features alone are shared


def test_keys_follow_content_not_names(tmp_path):
    copy = tmp_path / "copy.csv"
    copy.write_bytes((TABULAR / "contact-lenses.csv").read_bytes())
    score(TABULAR / "contact-lenses.csv", "contact-lenses", null=0, cache=tmp_path / "c")
    same = score(copy, "contact-lenses", null=0, cache=tmp_path / "c")
    assert same["plan"]["cached_jobs"] == same["plan"]["jobs"]
    copy.write_text(copy.read_text().replace("myope", "myopic"))
    changed = score(copy, "contact-lenses", null=0, cache=tmp_path / "c")
    assert changed["plan"]["cached_jobs"] < changed["plan"]["jobs"]


def test_text_corpora_are_cached(tmp_path):
    score(CANTERBURY, b"the", coders=["zstd:3"], cache=tmp_path, jobs=1)
    again = score(CANTERBURY, b"the", coders=["zstd:3"], cache=tmp_path, jobs=1)
    assert again["plan"]["cached_jobs"] == again["plan"]["jobs"]


def test_a_file_is_not_a_cache_folder(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    line = assert_one_line_error(run("score", TABULAR / "contact-lenses.csv", "--latent", "contact-lenses",
                                     "--cache", path, expect=None))
    assert "cache" in line.lower() or "file" in line.lower()
