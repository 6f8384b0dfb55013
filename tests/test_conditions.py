"""The estimators against exact values: hand-made code-length tables, and exact entropies of known distributions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from natlat_compress import conditions as cond
from natlat_compress.engine import Term


def entropy_table(pmf: np.ndarray, names: list[str]):
    """C(S|T) = H(S ∪ T) − H(T) in bits, exactly, for a joint pmf whose axes are ``names``."""

    def H(atoms) -> float:
        axes = tuple(i for i, n in enumerate(names) if n not in atoms)
        p = pmf.sum(axis=axes) if axes else pmf
        p = p[p > 0]
        return float(-(p * np.log2(p)).sum())

    return lambda target, given=(): H(set(target) | set(given)) - H(set(given))


def direct_cmi(pmf: np.ndarray, a: int, b: int, c: tuple[int, ...]) -> float:
    """I(Y_a; Y_b | Y_c) from its definition Σ p log p(abc)p(c) / (p(ac)p(bc)), summing out the other axes."""
    keep = sorted({a, b, *c})
    p = pmf.sum(axis=tuple(i for i in range(pmf.ndim) if i not in keep))
    pos = {axis: k for k, axis in enumerate(keep)}
    pac = p.sum(axis=pos[b], keepdims=True)
    pbc = p.sum(axis=pos[a], keepdims=True)
    pc = p.sum(axis=(pos[a], pos[b]), keepdims=True)
    mask = p > 0
    ratio = (p * pc)[mask] / (pac * pbc * np.ones_like(p))[mask]
    return float((p[mask] * np.log2(ratio)).sum())


X2 = [frozenset(["a"]), frozenset(["b"])]
L = frozenset(["L"])

HAND_MADE = {
    Term.of(["a"], ["L"]): 70.0, Term.of(["b"], ["L"]): 50.0, Term.of(["a", "b"], ["L"]): 100.0,
    Term.of(["L"], ["a", "b"]): 3.0, Term.of(["L"], ["b"]): 9.0, Term.of(["L"], ["a"]): 5.0,
    Term.of(["L"]): 20.0, Term.of(["a", "b"]): 130.0,
}


def test_hand_made_table():
    C = cond.TermTable(HAND_MADE)
    assert cond.mediation_error(C, X2, L) == 70 + 50 - 100
    assert cond.latent_given_features(C, X2, L) == 3
    assert cond.kolmogorov_mediation(C, X2, L) == 20 + 70 + 50 - 130
    red = cond.redundancy_errors(C, X2, L)
    # feature a: X_{-a} = {b}; feature b: X_{-b} = {a}
    assert red == {"weak": [9 - 3, 5 - 3], "strong": [5 - 3, 9 - 3],
                   "deterministic_all_but_one": [9, 5], "deterministic_each": [5, 9]}


def test_recorder_lists_exactly_the_terms_an_estimator_reads():
    recorder = cond.Recorder()
    for estimator in (cond.mediation_error, cond.latent_given_features, cond.kolmogorov_mediation,
                      cond.redundancy_errors):
        estimator(recorder, X2, L)
    assert set(recorder.terms) == set(HAND_MADE)


def test_negative_estimates_are_returned_as_measured():
    table = dict(HAND_MADE)
    table[Term.of(["a", "b"], ["L"])] = 200.0
    assert cond.mediation_error(cond.TermTable(table), X2, L) == -80


def latent_class_pmf(n_features: int, k: int, flip: float) -> np.ndarray:
    """Λ uniform on k values; each feature equals Λ with probability 1 − flip, else uniform on k values."""
    emit = np.full((k, k), flip / k) + np.eye(k) * (1 - flip)
    pmf = np.full([k], 1.0 / k)
    for _ in range(n_features):
        pmf = pmf[..., None] * emit.reshape((k,) + (1,) * (pmf.ndim - 1) + (k,))
    return pmf  # axes: Λ, X_1..X_n


def test_latent_class_source_exact_values():
    pmf = latent_class_pmf(3, 2, 0.2)
    names = ["L", "a", "b", "c"]
    C = entropy_table(pmf, names)
    X = [frozenset([n]) for n in "abc"]
    # The features are independent given the true latent: mediation is exactly zero.
    assert cond.mediation_error(C, X, L) == pytest.approx(0, abs=1e-12)
    # Weak redundancy of feature a = I(Λ; X_a | X_b, X_c), by definition.
    assert cond.redundancy_errors(C, X, L)["weak"][0] == pytest.approx(direct_cmi(pmf, 0, 1, (2, 3)), abs=1e-12)
    # The empty latent's mediation is the total correlation Σ H(X_i) − H(X).
    empty = cond.mediation_error(C, X, frozenset())
    tc = sum(C([n]) for n in "abc") - C(list("abc"))
    assert empty == pytest.approx(tc) and empty > 0.1


def test_copy_latent_baseline_matches_theory():
    """THEORY.md §1: for two features the copy latent Λ = X_1 has mediation 0 and redundancy H(X_1|X_2);
    the empty latent has redundancy 0 and mediation I(X_1; X_2)."""
    pmf = latent_class_pmf(2, 3, 0.3)
    C = entropy_table(pmf, ["L", "a", "b"])
    copy = frozenset(["a"])
    assert cond.mediation_error(C, X2, copy) == pytest.approx(0, abs=1e-12)
    assert cond.redundancy_errors(C, X2, copy)["deterministic_each"][1] == pytest.approx(C(["a"], ["b"]))
    assert cond.redundancy_errors(C, X2, frozenset())["weak"] == [0, 0]
    assert cond.mediation_error(C, X2, frozenset()) == pytest.approx(direct_cmi(pmf.sum(axis=0), 0, 1, ()))


def pmfs(shape):
    # Integer weights: exact zeros (impossible outcomes) without subnormal probabilities that underflow.
    return arrays(np.int64, shape, elements=st.integers(0, 20)).filter(lambda a: a.sum() > 0).map(
        lambda a: a / a.sum())


@settings(max_examples=60, deadline=None)
@given(pmfs((2, 3, 2, 2)))
def test_mediation_of_two_features_is_the_conditional_mutual_information(pmf):
    C = entropy_table(pmf, ["L", "a", "b", "z"])
    assert cond.mediation_error(C, X2, L) == pytest.approx(direct_cmi(pmf, 1, 2, (0,)), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(pmfs((2, 2, 3, 2)))
def test_chain_rule_and_nonnegativity(pmf):
    C = entropy_table(pmf, ["L", "a", "b", "c"])
    X = [frozenset([n]) for n in "abc"]
    # Chain rule: C(X, Λ) = C(Λ) + C(X | Λ)
    assert C(list("abcL")) == pytest.approx(C(["L"]) + C(list("abc"), ["L"]), abs=1e-9)
    # With exact entropies every error is non-negative.
    assert cond.mediation_error(C, X, L) >= -1e-9
    for values in cond.redundancy_errors(C, X, L).values():
        assert min(values) >= -1e-9
    # K-mediation = mediation + C(Λ|X) when C obeys the chain rule exactly (THEORY.md §2).
    assert cond.kolmogorov_mediation(C, X, L) == pytest.approx(
        cond.mediation_error(C, X, L) + cond.latent_given_features(C, X, L), abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(pmfs((2, 2, 2, 2, 3)))
def test_theorem1_inequality_holds_for_exact_entropies(pmf):
    """H(Λ'|Λ) ≤ I(X_A;X_B|Λ) + H(Λ'|X_A) + H(Λ'|X_B) for every joint distribution and every partition."""
    C = entropy_table(pmf, ["a", "b", "c", "L", "M"])
    X = [frozenset([n]) for n in "abc"]
    estimate, bounds = cond.theorem1_check(C, X, L, frozenset(["M"]))
    assert estimate == pytest.approx(C(["M"], ["L"]))
    for b in bounds:
        assert estimate <= b.bound + 1e-9


def test_partitions_are_each_feature_against_the_rest_and_halves():
    X = [frozenset([str(i)]) for i in range(4)]
    parts = cond.partitions(X)
    assert len(parts) == 5
    for _, A, B in parts:
        assert A and B and not A & B and A | B == frozenset("0123")
    assert parts[-1][1] == frozenset("01")


def test_every_variant_and_feature_is_reported():
    pmf = latent_class_pmf(4, 2, 0.1)
    C = entropy_table(pmf, ["L", *"abcd"])
    red = cond.redundancy_errors(C, [frozenset(n) for n in "abcd"], L)
    assert set(red) == set(cond.REDUNDANCY_VARIANTS) and all(len(v) == 4 for v in red.values())
    # Symmetric source: every feature has the same errors.
    for values in red.values():
        assert max(values) - min(values) < 1e-9
    assert list(itertools.chain(*red.values()))
