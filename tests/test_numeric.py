"""Numeric columns: kinds, missing values, precision; the numeric model members against exact values; the numeric
sources' truths; invariance under scaling; the real numeric tables."""

from __future__ import annotations

import json
import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natlat_compress import score
from natlat_compress.coders import get_coder
from natlat_compress.coders.models import SymbolColumns
from natlat_compress.coders.numeric import (HISTOGRAM_BINS, KRAFT_SLACK_BITS, NumericColumn, _student_t_bits,
                                            class_gaussian_log_likelihood, copula_bits, histogram_bits, normal_quantile,
                                            numeric_link_bits, regression_bits, student_t_cell_bits)
from natlat_compress.corpus import load_table, parse_numbers, table_from_columns
from natlat_compress.engine import Variant
from natlat_compress.errors import CorpusError
from natlat_compress.synthetic import NUMERIC_SOURCES, as_table, get_source, sample, truth

from .conftest import TABULAR, assert_one_line_error, run

# -- column kinds ----------------------------------------------------------------------------------------------------
def test_kinds_are_inferred_with_precision_and_missing_values():
    table = table_from_columns({
        "real": ["1.25", "3.5", "?", "-2", "NA", ""],
        "codes": ["1", "2", "3", "1", "2", "3"],          # small-integer codes stay categorical
        "words": ["a", "b", "a", "b", "a", "b"],
        "expo": ["1e-3", "2.5e-3", "4", "5", "6", "7"],
    })
    kinds = {c["name"]: c for c in table.kinds()}
    assert kinds["real"] == {"name": "real", "kind": "numeric", "precision": 0.01, "precision_from": "decimals",
                             "missing": 3}
    assert kinds["codes"]["kind"] == "categorical" and kinds["words"]["kind"] == "categorical"
    assert kinds["expo"]["kind"] == "numeric" and kinds["expo"]["precision"] == pytest.approx(1e-4)
    assert np.isnan(table.columns["real"].row_values()[[2, 4, 5]]).all()
    assert table.columns["real"].row_values()[0] == 1.25


def test_many_integers_are_numeric_and_overrides_win():
    table = table_from_columns({"n": [str(i) for i in range(30)], "c": [str(i % 3) for i in range(30)]})
    assert [c["kind"] for c in table.kinds()] == ["numeric", "categorical"]
    flipped = table.with_kinds(numeric=["c"], categorical=["n"])
    assert [c["kind"] for c in flipped.kinds()] == ["categorical", "numeric"]
    assert flipped.columns["c"].precision == 1.0


def test_bad_overrides_are_errors_naming_what_is_wrong():
    table = table_from_columns({"w": ["a", "1.5"], "x": ["1", "2"]})
    with pytest.raises(CorpusError, match="'a' is not a number"):
        table.with_kinds(numeric=["w"])
    with pytest.raises(CorpusError, match="unknown column 'nope'; the columns are: w, x"):
        table.with_kinds(numeric=["nope"])
    with pytest.raises(CorpusError, match="both numeric and categorical"):
        table.with_kinds(numeric=["x"], categorical=["x"])


def test_inf_and_text_are_not_numbers():
    assert parse_numbers([b"1.5", b"inf"]) == b"inf"
    assert parse_numbers([b"1.5", b"x"]) == b"x"
    values, precision = parse_numbers([b"10", b"?", b" 2.125 "])
    assert precision == 0.001 and values[0] == 10 and np.isnan(values[1]) and values[2] == 2.125


def test_resampled_and_shuffled_tables_stay_numeric():
    table = as_table(get_source("gaussian_readings"), 200, 0)
    assert table.take(np.arange(10)).columns["x1"].kind == "numeric"
    null = Variant("null", 0, 0, ("L",)).build(table)
    assert null.columns["x1"].kind == "numeric" and null.columns["x1"].precision == 0.001


# -- the members against exact values --------------------------------------------------------------------------------
def _t_bits_reference(y, loc, scale, dof, delta):
    scale = max(scale, 2 * delta)
    z = (y - loc) / scale
    log_density = (math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2) - 0.5 * math.log(dof * math.pi) - math.log(scale)
                   - (dof + 1) / 2 * math.log1p(z * z / dof))
    return -(log_density + math.log(delta)) / math.log(2) + KRAFT_SLACK_BITS


def test_student_t_cells_match_a_row_by_row_computation():
    rng = np.random.default_rng(3)
    y = np.round(rng.normal(5, 2, size=40), 2)
    context = rng.integers(0, 3, size=40)
    delta = 0.01
    got = student_t_cell_bits(y, delta, context)
    expected = [_t_bits_reference(y[0], 0.0, 1.0, 2.0, delta)]
    for t in range(1, len(y)):
        earlier = y[:t] - y[0]
        mu0 = earlier.mean()
        var0 = max(earlier.var(), delta ** 2) if t >= 2 else max(abs(y[0]), delta) ** 2
        cell = earlier[context[:t] == context[t]]
        m = len(cell)
        kappa, alpha = 1 + m, 1 + m / 2
        mu = (mu0 + cell.sum()) / kappa
        beta = var0 + (((cell - cell.mean()) ** 2).sum() / 2 + m * (cell.mean() - mu0) ** 2 / (2 * kappa) if m else 0)
        scale = math.sqrt(beta * (kappa + 1) / (alpha * kappa))
        expected.append(_t_bits_reference(y[t] - y[0], mu, scale, 2 * alpha, delta))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_regression_matches_a_block_by_block_least_squares():
    rng = np.random.default_rng(4)
    n = 120
    x = rng.normal(size=n)
    y = np.round(1 + 2 * x + rng.normal(scale=0.5, size=n), 3)
    design = np.column_stack([np.ones(n), x])
    fallback = np.full(n, 7.0)
    got = regression_bits(y, design, 0.001, fallback)
    expected = 7.0 * 4  # rows before ν = s − d reaches 2 (d = 2) cost their fallback
    starts = [4]
    while starts[-1] < n:
        starts.append(min(n, max(starts[-1] + 1, math.ceil(starts[-1] * 1.25))))
    for s, e in zip(starts[:-1], starts[1:]):
        coef, *_ = np.linalg.lstsq(design[:s], y[:s] - y[0], rcond=None)
        residual = ((y[:s] - y[0] - design[:s] @ coef) ** 2).sum()
        inverse = np.linalg.inv(design[:s].T @ design[:s])
        for i in range(s, e):
            scale = math.sqrt(residual / (s - 2) * (1 + design[i] @ inverse @ design[i]))
            expected += _t_bits_reference(y[i] - y[0], design[i] @ coef, scale, s - 2, 0.001)
    assert got == pytest.approx(expected, rel=1e-7)


def test_histogram_code_by_hand():
    # Grid 0, 1, 2, 9 in two quantile bins: edges 0 | 2 | 10 (the bin [2, 10) has 8 cells).
    grid = np.array([0, 1, 2, 9])
    kt = -math.log2(0.5 * 0.75 * (1 / 6) * 0.375)  # KT of the bins 0, 0, 1, 1: 1/2 · 3/4 · 1/6 · 3/8
    within = 2 * math.log2(2) + 2 * math.log2(8)
    gamma = lambda v: 2 * math.floor(math.log2(v)) + 1  # noqa: E731
    edges = gamma(3) + gamma(1) + gamma(2) + gamma(8)  # count, lowest 0 (zigzag 1), gaps 2 and 8
    assert histogram_bits(grid, 2) == pytest.approx(edges + kt + within)


def test_normal_quantile_matches_the_standard_library():
    p = np.array([1e-9, 0.001, 0.02, 0.3, 0.5, 0.77, 0.98, 0.999999])
    expected = [NormalDist().inv_cdf(v) for v in p]
    np.testing.assert_allclose(normal_quantile(p), expected, rtol=1e-8, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(scale_cells=st.floats(2.0, 50.0), dof=st.floats(2.0, 300.0), offset=st.floats(0.0, 1.0))
def test_grid_probabilities_satisfy_kraft(scale_cells, dof, offset):
    """Σ over every grid cell of 2^(−bits) ≤ 1 for the Student-t predictives (the midpoint rule with the slack)."""
    delta = 0.01
    grid = (np.arange(-400_000, 400_001) + offset) * delta
    bits = _student_t_bits(grid, np.zeros(1), np.full(1, scale_cells * delta), np.full(1, dof), delta)
    assert float(np.exp2(-bits).sum()) <= 1.0  # a partial sum: the whole one is at most 1 too


def test_class_gaussians_are_a_sequential_predictive():
    """Each row's class log-likelihoods use earlier blocks only: changing the last row moves nothing before it."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 2))
    codes = rng.integers(0, 3, size=300)
    first = class_gaussian_log_likelihood(x, codes, 3)
    x[-1] += 100
    second = class_gaussian_log_likelihood(x, codes, 3)
    np.testing.assert_array_equal(first[:-1], second[:-1])
    assert np.isfinite(first).all()


def test_normal_cell_probabilities_match_differences_of_erfc():
    """The copula's cell masses, by its three rules (midpoint with curvature, Gauss–Legendre, differences of Φ),
    against ``Φ(b) − Φ(a)`` from the standard library's erfc taken on the side of the tail (no cancellation): within
    the relative 5e-7 the Kraft slack needs, across widths 1e-3 to 3 and centres −8 to 8, and finite past ±40."""
    from natlat_compress.coders.numeric import normal_cell_log_probability

    rng = np.random.default_rng(9)
    mid = rng.uniform(-8, 8, 4000)
    width = 10 ** rng.uniform(-3, 0.5, 4000)
    low, high = mid - width / 2, mid + width / 2
    exact = np.array([0.5 * (math.erfc(-b / math.sqrt(2)) - math.erfc(-a / math.sqrt(2))) if m < 0
                      else 0.5 * (math.erfc(a / math.sqrt(2)) - math.erfc(b / math.sqrt(2)))
                      for a, b, m in zip(low, high, mid)])
    np.testing.assert_allclose(np.exp(normal_cell_log_probability(low, high)), exact, rtol=5e-7)
    far = normal_cell_log_probability(np.array([-60.0, 45.0, -41.0]), np.array([-59.99, 47.0, -40.0]))
    assert np.isfinite(far).all() and (far < -800).all()


def test_copula_marginal_is_a_continuous_cdf_through_its_knots():
    """At its knots the marginal is the mid-rank empirical CDF; Φ⁻¹F increases everywhere; the tails' density meets
    the neighbouring piece's (no jump at the outer knots)."""
    from natlat_compress.coders.numeric import copula_knots, copula_log_cdf, copula_scores

    earlier = np.round(np.random.default_rng(3).lognormal(size=500), 2)
    knots, cdf = copula_knots(earlier)
    assert len(knots) == math.ceil(2 * 500 ** (1 / 3)) and (np.diff(cdf) > 0).all() and 0 < cdf[0] and cdf[-1] < 1
    ranks = np.array([((earlier < q).sum() + (earlier == q).sum() / 2 + 0.5) / 501 for q in knots])
    np.testing.assert_allclose(cdf, ranks)
    np.testing.assert_allclose(copula_scores(knots, cdf, knots), normal_quantile(cdf), atol=1e-8)
    v = np.linspace(knots[0] - 30, knots[-1] + 300, 20001)
    assert (np.diff(copula_scores(knots, cdf, v)) > 0).all()
    for edge in (knots[0], knots[-1]):
        h = 1e-7
        density = lambda x: np.diff(np.exp(copula_log_cdf(knots, cdf, np.array([x - h, x + h]))[0]))[0] / (2 * h)
        slope = (cdf[1] - cdf[0]) / (knots[1] - knots[0]) if edge == knots[0] else \
            (cdf[-1] - cdf[-2]) / (knots[-1] - knots[-2])
        assert density(edge - 1e-5 if edge == knots[0] else edge + 1e-5) == pytest.approx(slope, rel=1e-3)


def test_mixture_is_within_log2_m_of_its_best_member():
    table = as_table(get_source("gaussian_readings"), 500, 1).symbols()
    column = table.numeric["x1"]
    marginal = float(student_t_cell_bits(column.values, column.precision).sum())
    grid = np.rint(column.values / column.precision).astype(np.int64)
    copula = copula_bits(column.values, np.ones((len(grid), 1)), column.precision,
                         student_t_cell_bits(column.values, column.precision))
    best = min([marginal, copula] + [histogram_bits(grid, m) for m in HISTOGRAM_BINS])
    bits = numeric_link_bits(table, "x1", [])
    assert best - 1e-9 <= bits + 0 and bits <= best + math.log2(2 + len(HISTOGRAM_BINS)) + 1e-9


def test_missing_values_cost_their_indicator_and_keep_every_row():
    rng = np.random.default_rng(6)
    values = np.round(rng.normal(size=400), 2)
    cells = values.astype(str).astype(object)
    cells[::10] = "?"
    full = SymbolColumns({}, {}, {"v": NumericColumn(np.where(cells == "?", np.nan, values), 0.01)})
    present = SymbolColumns({}, {}, {"v": NumericColumn(values[cells != "?"], 0.01)})
    from natlat_compress.coders.models import kt_bits

    mask_bits = kt_bits((cells == "?").astype(np.int64), 2)
    assert numeric_link_bits(full, "v", []) == pytest.approx(numeric_link_bits(present, "v", []) + mask_bits)


# -- truths of the numeric sources ------------------------------------------------------------------------------------
def test_gaussian_truth_in_closed_form():
    t = truth(get_source("gaussian_readings"))
    # Var(L | x1) = 1 − 1/1.09: h(L | x1) = ½ log2(2πe · 0.0826); at δ = 0.001 add log2(1000).
    h = 0.5 * math.log2(2 * math.pi * math.e * (1 - 1 / 1.09)) + math.log2(1000)
    assert t["redundancy_errors"]["deterministic_each"]["x1"] == pytest.approx(h)
    # Given L, only the noises of x1 and x2 are dependent (ρ = 0.6): TC = −½ log2(1 − 0.36).
    assert t["mediation_error"] == pytest.approx(-0.5 * math.log2(1 - 0.36))


def test_monotone_transforms_keep_the_precision_free_truths():
    plain, skewed = truth(get_source("gaussian_readings")), truth(get_source("gaussian_skewed"))
    assert skewed["mediation_error"] == pytest.approx(plain["mediation_error"])
    for variant in ("weak", "strong"):
        for f, value in plain["redundancy_errors"][variant].items():
            assert skewed["redundancy_errors"][variant][f] == pytest.approx(value, abs=1e-9)
    assert skewed["features_bits"] != pytest.approx(plain["features_bits"])  # h moves with the transforms


def test_class_conditional_truths_are_consistent():
    t = truth(get_source("mixed_table"))
    assert t["mediation_error"] == pytest.approx(0, abs=1e-9)  # numeric and categorical independent given Λ
    g = truth(get_source("gaussian_mixture"))
    # x1, x2 correlated 0.5 within every class, independent otherwise: TC(X | Λ) = −½ log2(1 − 0.25).
    assert g["mediation_error"] == pytest.approx(-0.5 * math.log2(0.75))


@pytest.mark.parametrize("name", sorted(NUMERIC_SOURCES))
def test_samples_are_tables_of_the_right_kinds(name):
    source = get_source(name)
    table = as_table(source, 300, 2)
    kinds = {c["name"]: c["kind"] for c in table.kinds()}
    numeric = source.means.shape[1] if hasattr(source, "means") else len(source.names)
    assert [kinds[f] for f in source.names[:numeric]] == ["numeric"] * numeric
    assert all(kinds[f] == "categorical" for f in source.names[numeric:])
    assert kinds["L"] == ("numeric" if name.startswith("gaussian_r") or name == "gaussian_skewed" else "categorical")


# -- estimates against truth, and invariance --------------------------------------------------------------------------
PRECISION_FREE = ("weak", "strong")


def _precision_free(result: dict, n: int) -> dict:
    out = {"mediation": result["mediation_error"] / n}
    for variant in PRECISION_FREE:
        out |= {(variant, f): v / n for f, v in result["redundancy_errors"][variant].items()}
    return out


@pytest.mark.parametrize("name", ["gaussian_readings", "gaussian_mixture", "mixed_table"])
def test_model_estimates_come_near_the_truth(name):
    source, n = get_source(name), 3000
    result = score(as_table(source, n, 0), "L", features=source.names, null=0, jobs=1)["results"][0]
    true = truth(source)
    exact = {"mediation": true["mediation_error"]} | {
        (v, f): true["redundancy_errors"][v][f] for v in PRECISION_FREE for f in source.names}
    errors = {k: abs(v - exact[k]) for k, v in _precision_free(result, n).items()}
    assert max(errors.values()) < 0.1, errors


def test_scaling_every_column_by_1000_moves_no_precision_free_estimate():
    source, n = get_source("gaussian_readings"), 2000
    cells = sample(source, n, 3)
    scaled = {k: np.char.mod("%.0f", np.round(v.astype(float) * 1000)) for k, v in cells.items()}
    before, after = (_precision_free(score(table_from_columns(c), "L", features=source.names, null=0, jobs=1)
                                     ["results"][0], n) for c in (cells, scaled))
    assert max(abs(before[k] - after[k]) for k in before) < 0.03


@pytest.mark.parametrize("exponent", ["e300", "e-300"])
def test_astronomic_and_minute_magnitudes_move_no_precision_free_estimate(exponent):
    """The same table written ×1e300 or ×1e-300: squares of such values overflow or vanish in float64, so the column
    is coded in units of a power of two near its δ; the estimates are those of the table as written."""
    source, n = get_source("gaussian_readings"), 2000
    cells = sample(source, n, 3)
    scaled = {k: np.char.add(v, exponent) for k, v in cells.items()}  # "1.234" -> "1.234e300": δ = 1e297
    report = score(table_from_columns(scaled), "L", features=source.names, null=0, jobs=1)
    assert {c["name"]: c["precision"] for c in report["corpus"]["columns"]}["x1"] == pytest.approx(
        float("1" + exponent) * 1e-3, rel=1e-12)
    before, after = (_precision_free(r["results"][0], n) for r in
                     (score(table_from_columns(cells), "L", features=source.names, null=0, jobs=1), report))
    assert max(abs(before[k] - after[k]) for k in before) < 0.03


def test_precision_is_never_finer_than_float64_resolves():
    """5e-324 written beside 1e300 has 324 decimals: a grid of 1e-324 is 0 as a float. δ is floored at one float64
    step of the largest magnitude, so every value's grid position fits an int64."""
    values, precision = parse_numbers([b"5e-324", b"1e300", b"0"])
    assert precision == pytest.approx(1e300 * 2.0 ** -52, rel=1e-12)
    assert parse_numbers([b"0.001", b"12.5"])[1] == 0.001  # ordinary columns keep their decimals


# -- the user's precision ---------------------------------------------------------------------------------------------
def test_a_users_precision_rounds_values_to_its_grid_and_says_so():
    table = table_from_columns({"x": ["0.12", "0.17", "?", "-0.04", "0.3", "1.25"] * 5, "c": ["a", "b"] * 15})
    coarse = table.with_kinds(precision={"x": 0.1})
    column = coarse.columns["x"]
    assert np.allclose(column.row_values()[:6], [0.1, 0.2, np.nan, -0.0, 0.3, 1.2], equal_nan=True)
    kinds = {c["name"]: c for c in coarse.kinds()}
    # 0.12, 0.17, -0.04, 1.25 moved (0.3 is on the grid; a missing cell stays missing), five times each
    assert kinds["x"] == {"name": "x", "kind": "numeric", "precision": 0.1, "precision_from": "user", "rounded": 20,
                          "missing": 5}
    fine = table.with_kinds(precision={"x": "0.001"})  # a finer grid moves nothing; δ may come as text (the CLI's)
    assert fine.columns["x"].rounded == 0 and fine.columns["x"].precision == 0.001
    assert np.array_equal(fine.columns["x"].row_values(), table.columns["x"].row_values(), equal_nan=True)
    assert table.columns["x"].precision == 0.01  # the table itself is not modified
    # taking rows keeps the user's precision
    assert coarse.take(np.arange(3)).kinds()[0]["precision_from"] == "user"


def test_a_rounded_column_is_coded_as_the_same_values_written_at_that_precision():
    rng = np.random.default_rng(4)
    x = rng.normal(size=400)
    y = x + rng.normal(scale=0.5, size=400)
    y3 = np.round(y, 3)
    fine = table_from_columns({"x": [f"{v:.3f}" for v in x], "y": [f"{v:.3f}" for v in y3]})
    # the three-decimal values rounded to one decimal (half to even, as the grid does), written so
    written = table_from_columns({"x": [f"{v:.3f}" for v in x], "y": [f"{v:.1f}" for v in np.rint(y3 * 10) / 10]})
    assert written.columns["y"].precision == 0.1
    coder = get_coder("model")
    rounded = fine.with_kinds(precision={"y": 0.1})
    for target, given in (("y", []), ("y", ["x"]), ("x", ["y"])):
        assert coder.symbol_bits(rounded.symbols(), [target], given) == pytest.approx(
            coder.symbol_bits(written.symbols(), [target], given), rel=1e-9)
    assert coder.symbol_bits(rounded.symbols(), ["y"]) < coder.symbol_bits(fine.symbols(), ["y"]) - 300  # log2 100


def test_bad_precisions_are_errors_naming_what_would_be_valid():
    table = table_from_columns({"x": ["0.5", "1.25", "2"] * 10, "c": ["a", "b", "c"] * 10, "z": [str(i / 4)
                                                                                              for i in range(30)]})
    with pytest.raises(CorpusError, match="unknown column 'nope'; the numeric columns are: x, z"):
        table.with_kinds(precision={"nope": 0.1})
    with pytest.raises(CorpusError, match="'c', which is categorical .*--numeric c.*the numeric columns are: x, z"):
        table.with_kinds(precision={"c": 0.1})
    for bad in (0, -0.1, "abc", float("nan"), float("inf"), None, True):
        with pytest.raises(CorpusError, match="must be a number above 0"):
            table.with_kinds(precision={"x": bad})
    assert table.with_kinds(precision={"z": 1}).columns["z"].rounded == 30 - 8  # all but 0, 1, ..., 7
    # small-integer codes are categorical until read as numeric; then they take a precision (ties go to even)
    codes = table_from_columns({"k": ["1", "2", "3"] * 10})
    with pytest.raises(CorpusError, match="categorical"):
        codes.with_kinds(precision={"k": 2})
    column = codes.with_kinds(numeric=["k"], precision={"k": 2}).columns["k"]
    assert column.rounded == 20 and column.row_values()[:3].tolist() == [0, 2, 4]


def test_deterministic_variants_move_by_minus_log2_delta_and_precision_free_ones_stay():
    """A finer grid for the numeric latent, by a factor of 8, adds log2 8 = 3 bits to every row's code of Λ: the
    deterministic variants, C(Λ|X) and the Kolmogorov mediation grow by 3 bits/row; the others do not move."""
    source, n = get_source("gaussian_readings"), 1000
    table = table_from_columns(sample(source, n, 0))
    base, fine = (score(table, "L", features=source.names, null=0, jobs=1, precision=precision)["results"][0]
                  for precision in (None, {"L": 0.001 / 8}))
    for key in ("latent_given_features", "kolmogorov_mediation"):
        assert (fine[key] - base[key]) / n == pytest.approx(3, abs=0.01)
    assert fine["mediation_error"] == base["mediation_error"] and fine["features_bits"] == base["features_bits"]
    for variant, values in base["redundancy_errors"].items():
        moved = 3 if variant.startswith("deterministic") else 0
        for f, value in values.items():
            assert (fine["redundancy_errors"][variant][f] - value) / n == pytest.approx(moved, abs=0.01)


def test_precision_from_the_cli_in_memory_and_streamed(tmp_path):
    path = tmp_path / "t.csv"
    cells = sample(get_source("gaussian_readings"), 1500, 1)
    path.write_text(",".join(cells) + "\n" + "\n".join(",".join(r) for r in zip(*cells.values())) + "\n")
    args = ["score", path, "--latent", "L", "--null", "0", "-s", "--precision", "x1=0.01,L=0.0001",
            "--precision", "x2=1e-2"]
    whole = json.loads(run(*args, "--format", "json").stdout)
    streamed = score(path, "L", null=0, jobs=1, stream=20_000, precision={"x1": 0.01, "L": "0.0001", "x2": 1e-2})
    assert streamed["corpus"]["stream"]["chunks"] > 1
    columns = {c["name"]: c for c in whole["corpus"]["columns"]}
    assert columns["x1"]["precision"] == 0.01 and columns["x1"]["precision_from"] == "user"
    assert columns["x1"]["rounded"] > 1000 and columns["L"]["rounded"] == 0
    assert columns["x3"]["precision"] == 0.001 and columns["x3"]["precision_from"] == "decimals"
    assert whole["precision"]["user_set"] == {"x1": columns["x1"]["rounded"], "x2": columns["x2"]["rounded"], "L": 0}
    assert streamed["corpus"]["columns"] == whole["corpus"]["columns"]
    for variant, values in whole["results"][0]["redundancy_errors"].items():
        assert streamed["results"][0]["redundancy_errors"][variant] == pytest.approx(values)
    assert streamed["results"][0]["mediation_error"] == pytest.approx(whole["results"][0]["mediation_error"])
    text = run(*args).stdout
    assert f"x1 δ=0.01 (set by the user; {columns['x1']['rounded']:,} values rounded to its grid)" in text
    for bad, expected in ((["nope=0.1"], "unknown column 'nope'; the numeric columns are: L, x1"),
                          (["x1=0"], "must be a number above 0"), (["x1=abc"], "must be a number above 0"),
                          (["x1"], "--precision takes COL=δ")):
        for stream in ([], ["--stream", "100kB"]):
            line = assert_one_line_error(run(*args[:6], "--precision", *bad, *stream, expect=None))
            assert expected in line, line
    line = assert_one_line_error(run("score", TABULAR / "credit-g.csv", "--latent", "class", "--precision",
                                     "purpose=1", expect=None))
    assert "'purpose', which is categorical" in line and "duration, credit_amount, age" in line


# -- the report, the CLI and the real tables --------------------------------------------------------------------------
def test_report_lists_columns_precision_and_what_depends_on_it(tmp_path):
    csv_path = tmp_path / "t.csv"
    cells = sample(get_source("gaussian_readings"), 300, 0)
    csv_path.write_text(",".join(cells) + "\n" + "\n".join(",".join(r) for r in zip(*cells.values())) + "\n")
    report = json.loads(run("score", csv_path, "--latent", "L", "--null", "0", "-s", "--format", "json").stdout)
    assert {c["name"]: c["kind"] for c in report["corpus"]["columns"]} == {n: "numeric" for n in cells}
    assert report["precision"]["columns"]["x1"] == 0.001
    assert "mediation_error" in report["precision"]["precision_free"]
    assert "redundancy_errors.deterministic_each" in report["precision"]["depends_on_precision"]
    text = run("score", csv_path, "--latent", "L", "--null", "0", "-s").stdout
    assert "Numeric columns" in text and "precision-free" in text


def test_byte_coders_on_a_numeric_table_warn_naming_model():
    with pytest.warns(UserWarning, match="use --coder model") as caught:
        report = score(TABULAR / "wine.csv", "class", coders=["zlib:9"], null=0, jobs=1)
    assert any("poor stand-ins" in w for w in report["warnings"])
    # the warning points at the caller's line, not into the score pipeline
    assert {w.filename for w in caught if "poor stand-ins" in str(w.message)} == {__file__}


def test_cli_overrides_and_their_errors():
    path = TABULAR / "credit-g.csv"
    report = json.loads(run("score", path, "--latent", "class", "--categorical", "age", "--numeric",
                            "installment_commitment", "--null", "0", "-s", "--format", "json").stdout)
    kinds = {c["name"]: c["kind"] for c in report["corpus"]["columns"]}
    assert kinds["age"] == "categorical" and kinds["installment_commitment"] == "numeric"
    assert kinds["credit_amount"] == "numeric" and kinds["purpose"] == "categorical"
    line = assert_one_line_error(run("score", path, "--latent", "class", "--numeric", "purpose", expect=None))
    assert "purpose" in line and "not a number" in line
    line = assert_one_line_error(run("score", path, "--latent", "class", "--numeric", "nope", expect=None))
    assert "unknown column 'nope'" in line


@pytest.mark.parametrize("name, latent, numeric", [("wine.csv", "class", 13),
                                                   ("breast-cancer-wisconsin.csv", "class", 30)])
def test_real_numeric_tables(name, latent, numeric):
    table = load_table(TABULAR / name)
    kinds = [c["kind"] for c in table.kinds()]
    assert kinds.count("numeric") == numeric and kinds.count("categorical") == 1
    report = score(TABULAR / name, latent, null=0, jobs=1)
    result = report["results"][0]
    n = report["corpus"]["n_items"]
    # The class is recoverable from the measurements: C(Λ|X) well under H(Λ) (≤ log2 3 bits a row).
    assert result["latent_given_features"] / n < 0.5
    # Most of the measurements' dependence goes through the class? No: they share far more (size, shape); the
    # mediation error is large and positive, and the report says it is precision-free.
    assert result["mediation_error"] > 0 and "mediation_error" in report["precision"]["precision_free"]
    assert get_coder("model").reads == "symbols"


def test_the_cache_tells_a_numeric_column_from_a_categorical_one(tmp_path):
    path = TABULAR / "credit-g.csv"
    first = score(path, "class", features=["age", "duration"], null=0, jobs=1, cache=tmp_path)["results"][0]
    again = score(path, "class", features=["age", "duration"], null=0, jobs=1, cache=tmp_path,
                  categorical=["age"])["results"][0]
    assert first["features_bits"] != again["features_bits"]
    report = score(path, "class", features=["age", "duration"], null=0, jobs=1)
    assert len(report["corpus"]["columns"]) == 21  # every column of the table, scored or not


def test_a_numeric_column_with_every_cell_missing(tmp_path):
    """Only its missing indicators are coded (they are all 1: the KT code of n ones), as target and as given column;
    it used to be an internal error (the histogram of no values)."""
    from natlat_compress.coders.models import kt_bits

    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n" + "".join(f"?,{i % 2},{(i * 7) % 5 / 4}\n" for i in range(12)))
    table = load_table(path).with_kinds(numeric=["a"])
    coder = get_coder("model")
    ones = kt_bits(np.ones(12, dtype=np.int64), 2)
    assert coder.symbol_bits(table.symbols(), ["a"]) == pytest.approx(ones)
    assert coder.symbol_bits(table.symbols(), ["a"], ["b", "c"]) == pytest.approx(ones)
    for latent in ("a", "b", "c"):
        result = score(table, latent)
        assert math.isfinite(result["results"][0]["mediation_error"])
