"""The numeric model members' code lengths pinned to the values of main at commit 230ff36 (before the regression was
sped up): a faster computation must give the same bits (to 1e-6 bits per term), not merely plausible ones.

The pins cover every numeric target of four small tables given nothing, everything else, every all-but-one set, every
single column and every pair (the shapes the leave-one-out terms take): numeric-only, transformed (skewed,
heavy-tailed), mixed categorical and numeric (a regression per context cell), and missing values in target and given
columns. The class Gaussians of a categorical target given numeric columns are pinned too.

Regenerate (only on a commit whose code lengths are the reference): ``python -m tests.test_numeric_pins``.

The pins are of the members main had at 230ff36: the Gaussian-copula member added since (issue #13, session 6) is
switched off for them (``COPULA_MAX_REGRESSORS = -1``), so that they keep checking those members to 1e-6 bits; the
copula's own code lengths are checked against its row-by-row predictive (tests/predictive_cases.py) instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natlat_compress.coders import numeric
from natlat_compress.coders.numeric import (class_gaussian_log_likelihood, numeric_link_bits, regression_bits,
                                            regression_bits_of_subsets)
from natlat_compress.corpus import table_from_columns
from natlat_compress.synthetic import get_source, sample

PINS = Path(__file__).with_name("numeric_pins.json")


def _tables() -> dict:
    with_missing = sample(get_source("gaussian_readings"), 300, 3)
    for name, step in (("x2", 7), ("L", 11), ("x5", 5)):
        cells = np.asarray(with_missing[name]).astype(object)
        cells[::step] = "?"
        with_missing[name] = cells
    return {"gaussian_readings": table_from_columns(sample(get_source("gaussian_readings"), 300, 0)),
            "gaussian_skewed": table_from_columns(sample(get_source("gaussian_skewed"), 1500, 1)),
            "mixed_table": table_from_columns(sample(get_source("mixed_table"), 400, 2)),
            "missing": table_from_columns(with_missing)}


def _given_sets(others: list[str]) -> list[list[str]]:
    pairs = [[a, b] for i, a in enumerate(others) for b in others[i + 1:]]
    return [[], others] + [[o for o in others if o != left] for left in others] + [[o] for o in others] + pairs


def current_bits() -> dict:
    """Every pinned code length as computed by the code of this checkout, in bits, keyed by a readable name."""
    out = {}
    for name, table in _tables().items():
        symbols = table.symbols()
        columns = list(table.columns)
        for target in symbols.numeric:
            others = [c for c in columns if c != target]
            for given in _given_sets(others):
                out[f"{name}: {target} | {','.join(given)}"] = numeric_link_bits(symbols, target, given)
    rng = np.random.default_rng(8)
    x = rng.normal(size=(700, 3))
    codes = rng.integers(0, 3, size=700)
    x[codes == 1] += 1.5
    log_likelihood = class_gaussian_log_likelihood(x, codes, 3)
    out["class gaussians: own class"] = float(log_likelihood[np.arange(700), codes].sum())
    out["class gaussians: all"] = float(log_likelihood.sum())
    return out


def test_numeric_code_lengths_are_those_pinned(monkeypatch):
    monkeypatch.setattr(numeric, "COPULA_MAX_REGRESSORS", -1)  # the members of the pinned commit only
    pinned = json.loads(PINS.read_text())
    got = current_bits()
    assert sorted(got) == sorted(pinned)
    moved = {key: got[key] - pinned[key] for key in pinned if abs(got[key] - pinned[key]) > 1e-6}
    assert not moved, moved


def test_pins_are_not_degenerate():
    """The pins are distinct, finite code lengths of the size real codes have (not zeros or a copied constant)."""
    pinned = json.loads(PINS.read_text())
    values = np.array([v for k, v in pinned.items() if not k.startswith("class")])
    assert np.isfinite(values).all() and (values > 100).all()
    assert len(np.unique(np.round(values, 6))) > 0.9 * len(values)


# -- the regressions of several subsets at once, against one regression each ------------------------------------------
def _design(n: int, seed: int, numeric_columns: int, missing: bool, categories: int) -> tuple:
    """A design as the numeric model builds one: an intercept, correlated readings of a latent, a missing indicator,
    the indicators of a categorical column; and a heavy-tailed target on the grid of 0.001."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    columns = [np.ones(n)] + [latent + rng.normal(scale=0.3 + j, size=n) for j in range(numeric_columns)]
    groups = [[j] for j in range(1, numeric_columns + 1)]
    if missing:
        columns.append((rng.random(n) < 0.2).astype(float))
        groups[-1].append(len(columns) - 1)  # the last reading's missing indicator goes with it
    if categories > 1:
        codes = rng.integers(0, categories, size=n)
        columns += list(np.eye(categories)[codes][:, 1:].T)
        groups.append(list(range(len(columns) - categories + 1, len(columns))))
    y = np.round(2 * latent + rng.standard_t(3, size=n), 3)
    return y, np.column_stack(columns), groups


def _families(width: int, groups: list[list[int]]) -> list[list[int]]:
    """The subsets the numeric model asks together: everything, everything but one column, each column alone."""
    everything = list(range(width))
    return [everything] + [[c for c in everything if c not in g] for g in groups] + [[0, *g] for g in groups]


def _assert_as_one_regression_each(y, design, subsets):
    """Each subset's bits equal those of its own regression, to 1e-6 bits. Where columns of the subset are still
    collinear over its first block (a category not seen yet: its indicator is 0, or the others add up to the
    intercept), that block's Gram matrix is singular but for the ridge, condition number about 1e10: there float
    rounding alone (the order of the sums) moves the bits by up to about 1e-5, in the old computation as in the new
    one, and 1e-4 is allowed."""
    fallback = np.linspace(5.0, 9.0, len(y))
    bits, first = regression_bits_of_subsets(y, design, subsets, 0.001)
    for subset, part, start in zip(subsets, bits, first):
        alone = regression_bits(y, design[:, subset], 0.001, fallback)
        head = design[:start, subset]
        tolerance = 1e-4 if np.linalg.cond(head.T @ head) > 1e8 else 1e-6
        assert abs(float(fallback[:start].sum()) + part - alone) <= tolerance, (subset, part, alone)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(30, 600), seed=st.integers(0, 10_000), numeric_columns=st.integers(1, 5),
       missing=st.booleans(), categories=st.integers(0, 4))
def test_subsets_together_give_the_bits_of_one_regression_each(n, seed, numeric_columns, missing, categories):
    y, design, groups = _design(n, seed, numeric_columns, missing, categories)
    _assert_as_one_regression_each(y, design, _families(design.shape[1], groups))


def test_regression_of_the_whole_design_matches_the_pinned_reference():
    """``regression_bits`` itself (now one subset of ``regression_bits_of_subsets``) against main's value."""
    y, design, _ = _design(2000, 11, 4, True, 3)
    assert regression_bits(y, design, 0.001, np.full(2000, 7.0)) == pytest.approx(25974.298547085957, abs=1e-6)


def test_ill_conditioned_blocks_are_computed_directly(monkeypatch):
    """A column still constant (0 until row 1,500: a category first seen late) makes the whole Gram matrix singular
    but for the ridge: those blocks are inverted per subset, and the bits stay those of one regression each."""
    y, design, groups = _design(3000, 5, 3, False, 0)
    late = np.zeros(3000)
    late[1500:] = np.random.default_rng(6).normal(size=1500)
    design = np.column_stack([design, late])
    groups.append([design.shape[1] - 1])
    direct = []
    subset_block_bits = numeric._subset_block_bits
    monkeypatch.setattr(numeric, "_subset_block_bits", lambda *a: direct.append(a[3].shape) or subset_block_bits(*a))
    _assert_as_one_regression_each(y, design, _families(design.shape[1], groups))
    leaving_out = (len(groups), design.shape[1] - 1)  # the subsets the Schur complement serves, all at once
    assert direct.count(leaving_out) >= 5  # blocks before row 1,500


if __name__ == "__main__":
    numeric.COPULA_MAX_REGRESSORS = -1  # (see the module docstring)
    PINS.write_text(json.dumps(current_bits(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {PINS}")
