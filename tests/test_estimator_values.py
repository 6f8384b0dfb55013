"""The estimators' numbers against values computed another way, on exact entropies of a random joint distribution:
the conditional mutual information straight from its definition as a sum over the pmf, and Theorem 1's parts one by one
(the mutation run found the CMI's sign, its conditioning and its union untested, and the partitions' labels unread)."""

from __future__ import annotations

import numpy as np
import pytest

from natlat_compress.conditions import conditional_mutual_information, theorem1_check
from natlat_compress.synthetic import entropy_table

NAMES = ["a", "b", "c", "d", "L", "M"]


def random_pmf(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pmf = rng.dirichlet(np.full(2 ** len(NAMES), 0.7)).reshape([2] * len(NAMES))
    return pmf


def cmi_by_definition(pmf: np.ndarray, a: int, b: int, conditioning: int) -> float:
    """``Σ p(a,b,l) log2 [p(a,b,l) p(l) / (p(a,l) p(b,l))]`` over three single variables, from the pmf."""
    keep = sorted({a, b, conditioning})
    joint = pmf.sum(axis=tuple(i for i in range(pmf.ndim) if i not in keep))
    joint = np.moveaxis(joint, [keep.index(a), keep.index(b), keep.index(conditioning)], [0, 1, 2])
    p_l = joint.sum(axis=(0, 1))
    p_al, p_bl = joint.sum(axis=1), joint.sum(axis=0)
    ratio = joint * p_l[None, None, :] / (p_al[:, None, :] * p_bl[None, :, :])
    return float((joint * np.log2(ratio)).sum())


@pytest.mark.parametrize("seed", range(5))
def test_conditional_mutual_information_is_its_definition(seed):
    pmf = random_pmf(seed)
    C = entropy_table(pmf, NAMES)
    value = conditional_mutual_information(C, frozenset("a"), frozenset("b"), frozenset({"L"}))
    assert value == pytest.approx(cmi_by_definition(pmf, 0, 1, 4), abs=1e-12)
    assert value > 1e-6  # a random pmf: the variables depend on each other, so a sign error cannot hide in a zero


@pytest.mark.parametrize("seed", range(3))
def test_theorem1_check_parts_and_labels(seed):
    C = entropy_table(random_pmf(seed), NAMES)
    X = [frozenset(x) for x in "abcd"]
    L, L2 = frozenset({"L"}), frozenset({"M"})
    estimate, bounds = theorem1_check(C, X, L, L2)
    assert estimate == pytest.approx(C(L2, L), abs=1e-12)
    assert [b.partition for b in bounds] == ["0 | rest", "1 | rest", "2 | rest", "3 | rest", "{0, 1} | {2, 3}"]
    named = theorem1_check(C, X, L, L2, ["a", "b", "c", "d"])[1]
    assert [b.partition for b in named] == ["a | rest", "b | rest", "c | rest", "d | rest", "{a, b} | {c, d}"]
    splits = [(X[i], frozenset().union(*(x for j, x in enumerate(X) if j != i))) for i in range(4)]
    splits.append((X[0] | X[1], X[2] | X[3]))
    for bound, (A, B) in zip(bounds, splits):
        mediation = C(A, L) + C(B, L) - C(A | B, L)
        assert bound.mediation == pytest.approx(mediation, abs=1e-12)
        assert bound.redundancy_a == pytest.approx(C(L2, A), abs=1e-12)
        assert bound.redundancy_b == pytest.approx(C(L2, B), abs=1e-12)
        assert bound.bound == pytest.approx(mediation + C(L2, A) + C(L2, B), abs=1e-12)
        # Theorem 1 holds for exact entropies
        assert estimate <= bound.bound + 1e-12
