"""--stream: model coders give the same bits as in memory; the compact table equals the whole file read at once."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from natlat_compress import score
from natlat_compress.corpus import load_table, read_table_chunks
from natlat_compress.stream import compact_table

from .conftest import TABULAR, run


def assert_same_columns(streamed, whole) -> None:
    assert streamed.names == whole.names and streamed.n_items == whole.n_items
    for name in whole.names:
        a, b = streamed.columns[name], whole.columns[name]
        assert a.categories == b.categories, name
        assert np.array_equal(a.codes, b.codes), name
        assert a.kind == b.kind and a.precision == b.precision, name
        if b.values is not None:
            assert np.array_equal(a.values, b.values, equal_nan=True), name


def compact(path: Path, chunk_bytes: int):
    chunks = read_table_chunks(path, chunk_bytes)
    first, through = next(chunks)
    return compact_table([(first, through), *chunks], first.names, str(path)), first


CELLS = st.one_of(st.sampled_from(["a", "b", "?", "", "yes", "no", "é", "日本", "x y"]),
                  st.integers(-30, 30).map(str), st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f"{v:.3f}"),
                  st.sampled_from(['"a,b"', '"say ""hi"""', "1e3", "2.5E-2", "NA"]))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.lists(st.lists(CELLS, min_size=4, max_size=4), min_size=1, max_size=60),
       st.integers(1, 400), st.booleans())
def test_compact_table_equals_the_whole_file(width, rows, chunk_bytes, crlf):
    """Any table, any chunk size: the gathered codes, categories, kinds and values are those of the whole file."""
    newline = "\r\n" if crlf else "\n"
    text = ",".join(f"c{j}" for j in range(width)) + newline + "".join(
        ",".join(row[:width]) + newline for row in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_bytes(text.encode())
        try:
            whole = load_table(path)
        except Exception as exc:  # a table the loader refuses is refused when streamed too
            with pytest.raises(type(exc)):
                compact(path, chunk_bytes)
            return
        streamed, _ = compact(path, chunk_bytes)
        assert_same_columns(streamed, whole)


def test_compact_table_keeps_undecodable_bytes_in_the_whole_files_order(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"a,b\n" + b"".join(b"%s,%d\n" % (v, i % 3) for i, v in
                                         enumerate([b"caf\xe9", b"cafe", b"caf\xc3\xa9", b"z", b"\xff"] * 20)))
    streamed, _ = compact(path, 30)
    assert_same_columns(streamed, load_table(path))
    assert streamed.columns["a"].codes.dtype == np.uint8  # a byte a cell


def uneven_table(path: Path, rows: int = 3000, seed: int = 3) -> Path:
    """A latent-class table whose chunks see different things: ``late`` has a category first seen in the last 40
    rows, ``grows`` a value range that widens row by row, ``reading`` is small integers at first (a categorical code
    in the first chunks) and decimals later (numeric over the whole file), ``rare`` a value in 1 row of 100."""
    rng = np.random.default_rng(seed)
    latent = rng.integers(0, 3, rows)

    def noisy(p: float, k: int) -> np.ndarray:
        return np.where(rng.random(rows) < p, latent, rng.integers(0, k, rows))

    late = noisy(0.8, 3).astype(object)
    late[-40:] = np.where(rng.random(40) < 0.5, "new", late[-40:])
    grows = (latent * np.arange(rows) // 500 + rng.integers(0, 2, rows)).astype(str)
    reading = np.where(np.arange(rows) < rows // 3, (latent + rng.integers(0, 2, rows)).astype(str),
                       np.char.mod("%.2f", latent + rng.normal(0, 0.5, rows)))
    rare = np.where(rng.random(rows) < 0.01, "rare", noisy(0.7, 3).astype(str))
    lines = ["L,x1,late,grows,reading,rare"] + [
        ",".join(map(str, r)) for r in zip(latent, noisy(0.9, 3), late, grows, reading, rare)]
    path.write_text("\n".join(lines) + "\n")
    return path


CASES = [(TABULAR / "house-votes-84.csv", "Class", 8000),
         (TABULAR / "credit-g.csv", "class", 20000),  # categorical and numeric columns
         (TABULAR / "wine.csv", "class", 3000),  # numeric
         (None, "L", 9000)]


@pytest.mark.parametrize("path, latent, chunk_bytes", CASES, ids=["house-votes", "credit-g", "wine", "uneven"])
def test_streamed_model_bits_equal_in_memory(path, latent, chunk_bytes, tmp_path):
    path = path or uneven_table(tmp_path / "uneven.csv")
    options = dict(coders=["model"], null=3, intervals=2, jobs=1, against=None)
    whole = score(path, latent, **options)
    streamed = score(path, latent, stream=chunk_bytes, **options)
    assert streamed["corpus"]["stream"]["chunks"] >= 3
    assert streamed["corpus"]["columns"] == whole["corpus"]["columns"]
    assert streamed["results"] == whole["results"]  # every term, estimate, null and interval, to the bit
    assert streamed.get("precision") == whole.get("precision")
    assert "approximation" not in streamed["corpus"]["stream"] and not streamed["warnings"]


def test_a_late_category_and_late_decimals_are_seen_as_in_memory(tmp_path):
    path = uneven_table(tmp_path / "uneven.csv")
    streamed, first = compact(path, 9000)
    whole = load_table(path)
    assert_same_columns(streamed, whole)
    assert b"new" not in first.columns["late"].categories and b"new" in streamed.columns["late"].categories
    assert first.columns["reading"].kind == "categorical" and streamed.columns["reading"].kind == "numeric"


def test_byte_and_model_coders_streamed_together(tmp_path):
    path = TABULAR / "house-votes-84.csv"
    options = dict(coders=["model", "zstd:3"], null=2, jobs=1)
    whole = score(path, "Class", **options)
    streamed = score(path, "Class", stream=8000, **options)
    assert streamed["results"][0] == whole["results"][0]  # model: exact
    assert streamed["results"][1]["mediation_error"] != whole["results"][1]["mediation_error"]  # zstd: chunked
    note = streamed["corpus"]["stream"]
    assert note["exact"].startswith("model:") and note["approximation"].startswith("zstd:3 streamed in 3 chunks")
    assert streamed["warnings"] == [note["approximation"]]
    assert streamed["plan"]["jobs"] > whole["plan"]["jobs"]  # zstd's jobs, once per chunk


def test_streamed_report_says_model_coders_are_exact():
    result = run("score", TABULAR / "house-votes-84.csv", "--latent", "Class", "--null", "0", "--stream", "100kB",
                 "-s")
    assert "Streamed: model: the table's symbol codes were gathered over the chunks" in result.output
    assert "Approximation" not in result.output


def whole_array_lc_fit(columns, rows, classes, resp, iterations, rng, perks=False):
    """The latent-class EM as it was written before it went over blocks of rows: every pass on rows × classes at
    once (the reference the blocked one must equal to the bit), emissions smoothed by ½ or, with ``perks``, 1/K."""
    import math

    from natlat_compress.coders.models import _lc_scores

    def log_params(r):
        per_class = r.sum(axis=0)
        log_prior = np.log(per_class + 0.5) - math.log(rows + classes / 2)
        by_class = np.ascontiguousarray(r.T)
        alphas = [1 / k if perks else 0.5 for _, k in columns]
        log_theta = [np.log(np.stack([np.bincount(codes[:rows], weights=w, minlength=k) for w in by_class], 1) + alpha)
                     - np.log(per_class + k * alpha) for (codes, k), alpha in zip(columns, alphas)]
        return log_prior, log_theta

    r = np.vstack([resp[:len(resp)], rng.dirichlet(np.ones(classes), size=rows - len(resp))])
    for _ in range(iterations):
        scores = _lc_scores(columns, 0, rows, *log_params(r))
        scores -= scores.max(axis=1, keepdims=True)
        r = np.exp(scores)
        r /= r.sum(axis=1, keepdims=True)
    return (*log_params(r), r)


@pytest.mark.parametrize("block_rows, held_cells", [(97, 0), (1000, 1 << 12), (1 << 16, 1 << 22)])
def test_latent_classes_in_blocks_of_rows_give_the_whole_arrays_bits(block_rows, held_cells, monkeypatch):
    """Memory bounded by blocks of rows, responsibilities made again instead of kept: not one bit moves."""
    from natlat_compress.coders import models
    from natlat_compress.synthetic import as_table, get_source

    table = as_table(get_source("noisy_copies"), 6000, seed=4).symbols()
    columns = [table[c] for c in list(table.columns)[:5]]
    columns = [*columns[:3], (columns[3][0].astype(np.uint16), columns[3][1])]  # a compact code type too
    monkeypatch.setattr(models, "LC_BLOCK_ROWS", block_rows)
    monkeypatch.setattr(models, "LC_HELD_CELLS", held_cells)
    forms = [(h, perks) for h in models.LATENT_CLASS_SIZES for perks in (False, True)]
    blocked = [models.latent_class_bits(columns, h, perks) for h, perks in forms]
    sets = models.latent_class_column_sets(columns)
    monkeypatch.setattr(models, "_lc_fit", whole_array_lc_fit)
    assert blocked == [models.latent_class_bits(columns, h, perks) for h, perks in forms]
    assert models.latent_class_column_sets(columns)[1] == sets[1]
    assert all(np.array_equal(a[0], b[0]) for s, t in zip(models.latent_class_column_sets(columns)[0], sets[0])
               for a, b in zip(s, t))


def test_latent_classes_fitted_on_no_rows_as_before():
    """``natlat priors`` fits on a training table that can be empty: no rows give the prior's parameters."""
    from natlat_compress.coders.models import _lc_fit

    columns = [(np.array([0, 1, 2]), 3), (np.array([1, 1, 0]), 2)]
    for fit in (_lc_fit, whole_array_lc_fit):
        log_prior, log_theta, _ = fit(columns, 0, 4, np.empty((0, 4)), 20, np.random.default_rng(0))
        assert np.array_equal(log_prior, np.log(np.full(4, 0.5)) - np.log(2.0))
        assert [t.shape for t in log_theta] == [(3, 4), (2, 4)]
        assert np.array_equal(log_theta[1], np.log(np.full((2, 4), 0.5)) - np.log(1.0))
