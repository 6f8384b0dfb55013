"""``model``'s code lengths pinned to the values of main at commit fa891f7, before its members went over blocks of
rows (issue #16: ``--stream`` with ``model`` in bounded memory). Working in blocks must not change the bits: every term
of every pinned table equals its pin exactly, with the default block size and with tiny blocks (so that every block
boundary, running count and carried statistic is crossed many times even on small tables).

The tables: three shared ones (categorical, mixed categorical and numeric, numeric), generated sources (latent-class
copies, a wide sparse alphabet, a parity outside the members' family), and the benchmark's shape (an 8-valued latent
with noisy copies on 10, 100 and 1,000 values). Coders: ``model``, ``model:kt``, ``model:nb`` and ``model:tail``.

Regenerate (only on a commit whose code lengths are the reference, e.g. after a deliberate change of a member):
``python -m tests.test_model_pins``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from natlat_compress.coders import models
from natlat_compress.corpus import load_table, table_from_columns
from natlat_compress.score import score
from natlat_compress.synthetic import get_source, sample

from .conftest import TABULAR

PINS = Path(__file__).with_name("model_pins.json")
CODERS = ["model", "model:kt", "model:nb", "model:tail"]


def noisy_copies_table(rows: int, seed: int = 5):
    """The benchmarks' table shape: L on 8 values, x1..x3 copies of it kept with probability 0.6 on 10, 100, 1000."""
    rng = np.random.default_rng(seed)
    latent = rng.integers(0, 8, rows)
    columns = {"L": [f"c{v}" for v in latent]}
    for j, card in enumerate((10, 100, 1000)):
        copy = latent * (card // 8) + rng.integers(0, card // 8, rows)
        values = np.where(rng.random(rows) < 0.6, copy, rng.integers(0, card, rows))
        columns[f"x{j + 1}"] = [f"v{v}" for v in values]
    return table_from_columns(columns)


def tables() -> dict:
    """name -> (table, latent column)."""
    return {"house-votes": (load_table(TABULAR / "house-votes-84.csv"), "Class"),
            "credit-g": (load_table(TABULAR / "credit-g.csv"), "class"),
            "wine": (load_table(TABULAR / "wine.csv"), "class"),
            "noisy_copies": (table_from_columns(sample(get_source("noisy_copies"), 3000, 1)), "L"),
            "wide_sparse": (table_from_columns(sample(get_source("wide_sparse"), 2000, 2)), "L"),
            "xor_3": (table_from_columns(sample(get_source("xor_3"), 2500, 3)), "L"),
            "benchmark_shape": (noisy_copies_table(12000), "L")}


def current_bits(names=None) -> dict:
    """Every term of every pinned table, per coder, in bits, as this checkout computes them."""
    out = {}
    for name, (table, latent) in tables().items():
        if names is not None and name not in names:
            continue
        result = score(table, latent, coders=CODERS, null=0, jobs=1)
        for entry in result["results"]:
            for term, bits in entry["terms"].items():
                out[f"{name}: {entry['coder']}: {term}"] = bits
    return out


def pinned(names=None) -> dict:
    pins = json.loads(PINS.read_text())
    return {key: bits for key, bits in pins.items() if names is None or key.split(":")[0] in names}


def test_model_bits_equal_their_pins():
    now, pins = current_bits(), pinned()
    assert now.keys() == pins.keys()
    different = {key: (now[key], pins[key]) for key in pins if now[key] != pins[key]}
    assert not different


@pytest.mark.parametrize("block_rows", [1, 37, 1000])
def test_model_bits_in_tiny_blocks_equal_their_pins(block_rows, monkeypatch):
    """Blocks of 1, 37 and 1,000 rows, and rising-factorial tables made in pieces of that size: each table crosses
    many block boundaries."""
    monkeypatch.setattr(models, "MODEL_BLOCK_ROWS", block_rows)
    monkeypatch.setattr(models, "LOG_TABLE_ROWS", block_rows)
    monkeypatch.setattr(models, "_RISING_MARKS", {})
    names = ["credit-g", "xor_3", "benchmark_shape"] if block_rows > 1 else ["house-votes"]
    now, pins = current_bits(names), pinned(names)
    assert now.keys() == pins.keys() and pins
    different = {key: (now[key], pins[key]) for key in pins if now[key] != pins[key]}
    assert not different


if __name__ == "__main__":
    PINS.write_text(json.dumps(current_bits(), indent=1) + "\n")
    print(f"wrote {PINS}")


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 70), st.sampled_from([0.5, 1.0, 4.0, 500.0]), st.integers(0, 3000), st.data())
def test_rising_factorial_in_pieces_equals_the_whole_table(piece, beta, n, data):
    """The table made in pieces gives exactly the entries of one cumulative sum (the marks carried between calls)."""
    models.LOG_TABLE_ROWS, saved = piece, models.LOG_TABLE_ROWS
    try:
        for _ in range(2):  # the second call starts from the first one's marks
            counts = np.array(data.draw(st.lists(st.integers(0, n), min_size=1, max_size=40)))
            assert np.array_equal(models._log_rising_at(beta, counts), models._log_rising(beta, n)[counts])
    finally:
        models.LOG_TABLE_ROWS = saved
        models._RISING_MARKS.clear()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.integers(0, 5000), st.integers(0, 2**32 - 1))
def test_pairwise_sum_in_pieces_equals_numpys_sum(block_rows, n, seed):
    """Summed piece by piece where numpy's pairwise summation splits, the rows' values give numpy's very float."""
    values = np.random.default_rng(seed).normal(size=n) * 10.0 ** np.random.default_rng(seed).integers(-3, 6, n)
    models.MODEL_BLOCK_ROWS, saved = block_rows, models.MODEL_BLOCK_ROWS
    try:
        assert models._pairwise_sum(lambda lo, hi: values[lo:hi], 0, n) == float(values.sum())
    finally:
        models.MODEL_BLOCK_ROWS = saved
