"""natlat priors: gap statistics, the compiler bound, and the widening inequality on real data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natlat_compress import conditions as cond
from natlat_compress.engine import Term
from natlat_compress.errors import CorpusError, ReachWarning
from natlat_compress.priors import (AgentSpec, Linear, _linear_table, compare_priors, gap_summary, tiny_mixtures,
                                    widening)

from .conftest import CANTERBURY, DATA, TABULAR, assert_one_line_error, run

PARALLEL = DATA / "text" / "parallel"


def test_gap_summary_statistics():
    gaps = np.array([3.0, -1.0, 0.0, 10.0, -4.0])
    s = gap_summary(gaps, list("abcde"), top=2)
    assert s["mean"] == pytest.approx(1.6) and s["median"] == 0 and s["max_abs"] == 10 and s["total"] == 8
    assert s["q25"] == -1 and s["q75"] == 3
    assert [e["item"] for e in s["a_costs_more"]] == ["d", "a"]
    assert [e["item"] for e in s["b_costs_more"]] == ["e", "b"]


def test_linear_forms_give_each_terms_net_coefficient():
    X, L = [frozenset("a"), frozenset("b")], frozenset("L")
    form = cond.kolmogorov_mediation(_linear_table, X, L)
    assert form == {Term.of("L"): 1, Term.of("a", "L"): 1, Term.of("b", "L"): 1, Term.of("ab"): -1}
    weak = cond.redundancy_errors(_linear_table, X, L)["weak"][0]
    assert weak == {Term.of("L", "b"): 1, Term.of("L", "ab"): -1}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(0, 1e4), st.floats(0, 1e4)), min_size=1, max_size=12))
def test_widening_inequality(rows):
    """|ε_A − ε_B| ≤ Σ|c_k|·|C_A(t_k) − C_B(t_k)| for any linear error and any two code-length tables."""
    form = Linear({Term.of([f"t{i}"]): c for i, (c, _, _) in enumerate(rows)})
    a = {Term.of([f"t{i}"]): x for i, (_, x, _) in enumerate(rows)}
    b = {Term.of([f"t{i}"]): y for i, (_, _, y) in enumerate(rows)}
    ea, eb = (sum(c * table[t] for t, c in form.items()) for table in (a, b))
    assert abs(ea - eb) <= widening(form, a, b) + 1e-6


def _all_entries(widened):
    yield from (widened[k] for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation"))
    for per_feature in widened["redundancy_errors"].values():
        yield from per_feature.values()


def test_three_languages_as_three_agents(tmp_path):
    """The same book in English, German, French as training corpora; the corpus: Canterbury's English texts."""
    texts = tmp_path / "texts"
    texts.mkdir()
    for name in ("alice29.txt", "asyoulik.txt"):
        (texts / name).write_bytes((CANTERBURY / name).read_bytes()[:30000])
    en, de = (str(PARALLEL / f"debian-reference.{lang}.txt") for lang in ("en", "de"))
    report = compare_priors(texts, AgentSpec("zstd:19", (en,)), AgentSpec("zstd:19", (de,)), latent=b"Alice",
                            jobs=2)
    # English training helps code English: agent A pays less on every item.
    assert report["gap"]["max_abs"] > 0 and all(item["gap"] < 0 for item in report["items"])
    compiler = report["compiler_bound"]
    assert compiler["same_base_coder"] and compiler["holds_on_items"]
    assert report["gap"]["max_abs"] < compiler["bound"]
    for entry in _all_entries(report["widened"]):
        assert abs(entry["a"] - entry["b"]) <= entry["widening"] + 1e-9 and entry["covers_b"]
    assert report["widened"]["all_covered"]


def split_table(tmp_path, source, parts):
    lines = source.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    paths, start = {}, 0
    for name, count in parts:
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text("\n".join([header] + rows[start:start + count]) + "\n")
        start += count
    return paths


def test_two_spreadsheets(tmp_path):
    """Agent X saw A+AB, agent Y saw B+AB; both code the held-out rows T of the same real table."""
    p = split_table(tmp_path, TABULAR / "soybean.csv", [("A", 200), ("B", 200), ("AB", 150), ("T", 133)])
    report = compare_priors(p["T"], AgentSpec("zstd:19", (str(p["A"]), str(p["AB"]))),
                            AgentSpec("zstd:19", (str(p["B"]), str(p["AB"]))), latent="class", jobs=2)
    assert report["corpus"]["n_items"] == 133 and len(report["items"]) == 133
    assert report["agents"]["a"]["training"] == {"rows": 350}
    for entry in _all_entries(report["widened"]):
        assert abs(entry["a"] - entry["b"]) <= entry["widening"] + 1e-9
    assert report["widened"]["all_covered"]


@pytest.mark.parametrize("coder", ["zstd:19", "model"])
def test_training_on_the_same_data_helps(tmp_path, coder):
    """An agent that has seen the corpus's own rows codes them for less than one that has seen other rows."""
    p = split_table(tmp_path, TABULAR / "house-votes-84.csv", [("T", 200), ("other", 235)])
    report = compare_priors(p["T"], AgentSpec(coder, (str(p["T"]),)), AgentSpec(coder, (str(p["other"]),)))
    assert report["gap"]["mean"] < 0 and report["gap"]["std"] > 0
    assert report["compiler_bound"]["holds_on_items"]


def test_model_agents_two_spreadsheets(tmp_path):
    p = split_table(tmp_path, TABULAR / "soybean.csv", [("A", 200), ("B", 200), ("AB", 150), ("T", 133)])
    report = compare_priors(p["T"], AgentSpec("model", (str(p["A"]), str(p["AB"]))),
                            AgentSpec("model", (str(p["B"]), str(p["AB"]))), latent="class", jobs=2)
    assert report["gap"]["std"] > 0 and report["compiler_bound"]["holds_on_items"]
    for entry in _all_entries(report["widened"]):
        assert abs(entry["a"] - entry["b"]) <= entry["widening"] + 1e-9
    assert report["widened"]["all_covered"]


def test_different_coders_and_no_training():
    report = compare_priors(CANTERBURY, AgentSpec("zstd:19"), AgentSpec("bz2:9"))
    assert report["compiler_bound"]["same_base_coder"] is False
    assert report["compiler_bound"]["a_describes_b"]["bits"] == 0  # nothing to describe
    assert [i["item"] for i in report["items"]] == ["alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt"]


def test_training_beyond_reach_warns(tmp_path):
    with pytest.warns(ReachWarning, match="zlib:9"):
        compare_priors(CANTERBURY, AgentSpec("zlib:9", (str(PARALLEL / "debian-reference.en.txt"),)),
                       AgentSpec("zlib:9"))


def test_empty_training_is_an_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CorpusError, match="empty"):
        compare_priors(CANTERBURY, AgentSpec("zstd:3", (str(empty),)), AgentSpec("zstd:3"))


def test_priors_command(tmp_path):
    out = json.loads(run("priors", CANTERBURY, "--agent-a", "zstd:3", "--agent-b", "lzma:6", "--format", "json",
                         "-s").stdout)
    assert set(out["gap"]) >= {"mean", "median", "max_abs"} and len(out["items"]) == 4
    assert "compiler bound" in run("priors", CANTERBURY, "--agent-a", "zstd:3", "--agent-b", "lzma:6", "-s").stdout
    assert run("priors", CANTERBURY, "--agent-a", "zstd:3", "--agent-b", "lzma:6", "--format", "csv").stdout.startswith(
        "item,a,b,gap")


@pytest.mark.parametrize("args, words", [
    (["priors", CANTERBURY, "--agent-a", "zstd:3"], "--agent-b"),
    (["priors", CANTERBURY, "--agent-a", "nope", "--agent-b", "zstd:3"], "unknown coder"),
    (["priors", CANTERBURY, "--agent-a", "zstd:3", "--train-a", "/no/such", "--agent-b", "zstd:3"], "no such"),
    (["priors", CANTERBURY, "--agent-a", "model", "--agent-b", "zstd:3"], "reads symbol tables"),
])
def test_priors_bad_input(args, words):
    assert words in assert_one_line_error(run(*args, expect=None))


@pytest.mark.parametrize("m", [1e3, 1e6])
def test_tiny_mixtures_closed_form(m):
    """THEORY.md §1: priors 50 bits of KL apart, natural latents m bits apart."""
    t = tiny_mixtures(m, 50)
    assert t["kl_p_q"] == pytest.approx(50, abs=1e-6) and t["kl_q_p"] == pytest.approx(50, abs=1e-6)
    assert t["latent_distance"] == m
    # Both latents are natural under their own prior to within far less than a bit.
    assert 0 < t["p_latent"]["redundancy"] < 1e-8 and t["q_latent"]["mediation"] < 1e-8
    # The closed form matches a direct computation for small strings.
    small = tiny_mixtures(4, 3)
    eps, k = 2.0 ** -3, 2 ** 4
    p = np.full((k, k), eps / k**2) + np.eye(k) * (1 - eps) / k
    q = np.full((k, k), (1 - eps) / k**2) + np.eye(k) * eps / k
    assert small["kl_p_q"] == pytest.approx(float((p * np.log2(p / q)).sum()), rel=0.02)
