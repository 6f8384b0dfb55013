"""The universal member of ``model`` (context-tree weighting, issue #14) and the out-of-family truth sources."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natlat_compress import score
from natlat_compress.coders import get_coder
from natlat_compress.coders.ctw import ctw_bits, ctw_class_bits, ctw_depth
from natlat_compress.coders.models import SymbolColumns
from natlat_compress.synthetic import OUT_OF_FAMILY, as_table, get_source, sample, truth


def _kt_ln(target: np.ndarray, k: int) -> float:
    counts = np.bincount(target, minlength=k)
    return (sum(math.lgamma(c + 0.5) - math.lgamma(0.5) for c in counts)
            - math.lgamma(len(target) + k / 2) + math.lgamma(k / 2))


def _ctw_by_recursion(target: np.ndarray, k: int, columns: list, depth: int = 0) -> float:
    """ln P_w of the context tree, straight from the definition (Willems, Shtarkov & Tjalkens 1995), no shortcuts."""
    estimate = _kt_ln(target, k)
    if depth == len(columns):
        return estimate
    codes, kj = columns[depth]
    children = sum(_ctw_by_recursion(target[codes == v], k, [(c[codes == v], kc) for c, kc in columns], depth + 1)
                   for v in range(kj))
    return float(np.logaddexp(math.log(0.5) + estimate, math.log(0.5) + children))


def test_ctw_by_hand():
    # "01" with no context: KT gives ½ · ¼ = 1/8, 3 bits.
    assert ctw_bits(np.array([0, 1]), 2, []) == pytest.approx(3.0)
    # split on a column that separates the two rows: ½ · 1/8 + ½ · (½ · ½) = 3/16.
    assert ctw_bits(np.array([0, 1]), 2, [(np.array([0, 1]), 2)]) == pytest.approx(math.log2(16 / 3))
    assert ctw_bits(np.array([], dtype=np.int64), 3, []) == 0.0


tables = st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.integers(2, 4), st.lists(st.integers(1, 3), max_size=3),
    st.integers(0, 2 ** 32 - 1), st.just(n)))


@settings(max_examples=60, deadline=None)
@given(tables)
def test_ctw_equals_the_recursive_definition(case):
    k, alphabets, seed, n = case
    rng = np.random.default_rng(seed)
    target = rng.integers(0, k, n)
    columns = [(rng.integers(0, kj, n), kj) for kj in alphabets]
    assert ctw_bits(target, k, columns) == pytest.approx(-_ctw_by_recursion(target, k, columns) / math.log(2),
                                                        abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 3), st.integers(1, 12), st.integers(0, 2 ** 32 - 1))
def test_ctw_is_a_sequential_code(k, n, seed):
    """Each row's conditional probability P_w(x_1..x_t+1) / P_w(x_1..x_t), given the rows before, sums to 1 over the
    row's possible values: the code is decodable row after row and no row is coded with statistics that include it."""
    rng = np.random.default_rng(seed)
    columns = [(rng.integers(0, 2, n + 1), 2), (rng.integers(0, 3, n + 1), 3)]
    target = rng.integers(0, k, n)
    before = ctw_bits(target, k, [(c[:n], kc) for c, kc in columns])
    total = sum(2.0 ** (before - ctw_bits(np.append(target, a), k, columns)) for a in range(k))
    assert total == pytest.approx(1.0)


def test_ctw_depth_and_class():
    assert ctw_depth(2000, [2] * 5) == 5  # 32 contexts < 2000 rows: every column
    assert ctw_depth(2000, [8] * 40) == 4  # 8^4 = 4096 ≥ 2000
    assert ctw_depth(100, [50, 2, 2]) == 3  # the smallest alphabets first: 2·2 < 100, then 200
    assert ctw_depth(1, [4, 4]) == 0
    assert ctw_class_bits(5, 5) == pytest.approx(math.log2(120))
    assert ctw_class_bits(49, 2) == pytest.approx(math.log2(49 * 48))


def test_model_with_three_given_columns_satisfies_kraft():
    """Every target column of 5 rows over 2 symbols, the given columns fixed: Σ 2^−C ≤ 1."""
    rng = np.random.default_rng(3)
    given_columns = {name: (rng.integers(0, 2, 5), 2) for name in ["a", "b", "c"]}
    coder = get_coder("model")
    total = 0.0
    for value in range(2 ** 5):
        column = np.array([(value >> i) & 1 for i in range(5)])
        table = SymbolColumns({"t": (column, 2), **given_columns})
        total += 2.0 ** -coder.symbol_bits(table, ["t"], ["a", "b", "c"])
    assert total <= 1 + 1e-9


# -- out-of-family sources ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, p", [("parity_2", 2), ("xor_3", 3), ("parity_4", 4)])
def test_parity_sources_are_what_they_say(name, p):
    src = get_source(name)
    columns = sample(src, 5000, 1)
    parity = np.bitwise_xor.reduce([columns[f"x{i}"] for i in range(1, p + 1)])
    assert (parity == columns["L"]).all()
    t = truth(src)
    # Given Λ, the p features are fair coins constrained to one parity: p bits alone, p − 1 together.
    assert t["mediation_error"] == pytest.approx(1.0)
    assert t["latent_given_features"] == pytest.approx(0.0, abs=1e-12)
    # Each alone says nothing about Λ: H(Λ | x1) = 1 bit.
    assert t["redundancy_errors"]["deterministic_each"]["x1"] == pytest.approx(1.0)


def test_chain_truth_by_hand():
    """Λ → x1 → … → x5, noisy copies on 4 values with flip 0.3: H(x_i | x_i−1) is the same h for every link, so
    H(X | Λ) = 5h, and H(x_i | Λ) is the entropy of i noisy copies composed."""
    src = get_source("chain")
    copy = np.full((4, 4), 0.3 / 4) + 0.7 * np.eye(4)
    h = float(-(copy[0] * np.log2(copy[0])).sum())
    alone = sum(float(-(row * np.log2(row)).sum()) for row in
                (np.linalg.matrix_power(copy, i)[0] for i in range(1, 6)))
    assert truth(src)["mediation_error"] == pytest.approx(alone - 5 * h)


def test_fine_cause_latent_is_a_function_of_x1():
    src = get_source("fine_cause")
    columns = sample(src, 4000, 2)
    assert (columns["x1"] // 4 == columns["L"]).all()
    assert truth(src)["redundancy_errors"]["deterministic_each"]["x1"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", ["xor_3", "parity_4", "switched"])
def test_model_sees_interactions_of_three_and_more_columns(name):
    """The issue's first example: with pairs only, `model` reported mediation ≈ 0 on xor_3, truth 1 bit/row."""
    src = get_source(name)
    n = 5000
    result = score(as_table(src, n, 0), "L", coders=["model"], features=src.names, null=0, jobs=1)["results"][0]
    t = truth(src)
    assert abs(result["mediation_error"] / n - t["mediation_error"]) < 0.03
    assert abs(result["latent_given_features"] / n - t["latent_given_features"]) < 0.1


def test_out_of_family_sources_are_registered():
    assert set(OUT_OF_FAMILY) == {"parity_2", "xor_3", "parity_4", "chain", "tree_unequal", "wide_sparse",
                                  "fine_cause", "switched"}
    for name in OUT_OF_FAMILY:
        assert get_source(name).name == name


def test_tail_rate_is_the_second_half_coded_after_the_first():
    src = get_source("xor_3")
    table = as_table(src, 1001, 4).symbols()
    names = src.names
    kt, tail = get_coder("model:kt"), get_coder("model:kt:tail")
    head = SymbolColumns({c: (codes[:500], k) for c, (codes, k) in table.columns.items()})
    for target, given in [(["L"], names), (names, ["L"]), (["x1"], [])]:
        expected = (kt.symbol_bits(table, target, given) - kt.symbol_bits(head, target, given)) * 1001 / 501
        assert tail.symbol_bits(table, target, given) == pytest.approx(expected)
    assert get_coder("model:tail").spec == "model:tail"
    assert pickle.loads(pickle.dumps(get_coder("model:nb:tail"))).spec == "model:nb:tail"


def test_model_specs_name_what_is_valid():
    from natlat_compress.errors import NatlatError

    with pytest.raises(NatlatError, match="model:kt' or 'model:nb', each optionally ending ':tail'"):
        get_coder("model:ctw")


def test_regret_is_the_estimate_minus_the_tail_estimate():
    """`score(regret=True)`: beside each estimate of a model coder, estimate − the same coder's :tail estimate, and the
    tail estimates themselves, equal to a separate run of the tail coder; coders without a tail form get none."""
    src = get_source("fine_cause")
    table = as_table(src, 1500, 1)
    # model:tail asked for as well: its jobs are planned once, and it has no tail form of its own
    both = score(table, "L", coders=["model", "zstd:3", "model:tail"], features=src.names, null=0, jobs=1,
                 regret=True)["results"]
    tail = score(table, "L", coders=["model:tail"], features=src.names, null=0, jobs=1)["results"][0]
    model, zstd, asked = both
    assert "regret" not in zstd and "regret" not in asked
    assert asked["mediation_error"] == pytest.approx(tail["mediation_error"])
    regret = model["regret"]
    for key in ("mediation_error", "latent_given_features", "kolmogorov_mediation"):
        assert regret["tail"][key] == pytest.approx(tail[key])
        assert regret[key] == pytest.approx(model[key] - tail[key])
    for variant, values in model["redundancy_errors"].items():
        for feature, bits in values.items():
            assert regret["redundancy_errors"][variant][feature] == pytest.approx(
                bits - tail["redundancy_errors"][variant][feature])


def test_regret_in_the_cli_table_and_refused_with_stream(tmp_path):
    from click.testing import CliRunner

    from natlat_compress.cli import cli

    path = tmp_path / "t.csv"
    src = get_source("xor_3")
    columns = sample(src, 400, 0)
    path.write_text("L," + ",".join(src.names) + "\n" + "\n".join(
        ",".join(str(columns[c][i]) for c in ["L", *src.names]) for i in range(400)) + "\n")
    result = CliRunner().invoke(cli, ["score", str(path), "--latent", "L", "--null", "0", "--regret", "-s"])
    assert result.exit_code == 0, result.output
    assert "sample-size regret (estimate − tail estimate), bits: mediation" in result.output
    refused = CliRunner().invoke(cli, ["score", str(path), "--latent", "L", "--regret", "--stream", "1MB", "-s"])
    assert refused.exit_code != 0 and "drop --stream or --regret" in refused.output


def test_links_shared_between_chains_are_computed_once():
    """C(X_-j | X_j) repeats C(X)'s links for targets after j: the cached link equals a fresh computation."""
    src = get_source("noisy_copies")
    table = as_table(src, 3000, 0).symbols()
    names = src.names
    coder = get_coder("model")
    fresh = coder.symbol_bits(table.__class__(table.columns), names[2:], [names[0], names[1]])
    coder.symbol_bits(table, names, [])  # fills the cache with C(X)'s links
    assert coder.symbol_bits(table, names[2:], [names[0], names[1]]) == fresh
    assert any(key[0] == "link" for key in table.cache)
