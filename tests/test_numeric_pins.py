"""The numeric model members' code lengths pinned to the values of main at commit 230ff36 (before the regression was
sped up): a faster computation must give the same bits (to 1e-6 bits per term), not merely plausible ones.

The pins cover every numeric target of four small tables given nothing, everything else, every all-but-one set, every
single column and every pair (the shapes the leave-one-out terms take): numeric-only, transformed (skewed,
heavy-tailed), mixed categorical and numeric (a regression per context cell), and missing values in target and given
columns. The class Gaussians of a categorical target given numeric columns are pinned too.

Regenerate (only on a commit whose code lengths are the reference): ``python -m tests.test_numeric_pins``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from natlat_compress.coders.numeric import class_gaussian_log_likelihood, numeric_link_bits
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


def test_numeric_code_lengths_are_those_pinned():
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


if __name__ == "__main__":
    PINS.write_text(json.dumps(current_bits(), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {PINS}")
