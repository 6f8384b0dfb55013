"""Natural-latent errors as arithmetic over code lengths.

Every estimator takes ``C`` — a table of code lengths called as ``C(target, given)`` with sets of atoms, in bits — the
features ``X`` (a list of atom sets) and a latent ``L`` (an atom set). Each formula is written once: running it with a
:class:`Recorder` lists the terms it needs, running it with a :class:`TermTable` gives its value. Estimates are returned
as measured; with real compressors they can be negative.

Formulas: ../shared/THEORY.md §1 (Wentworth & Lorell, "Natural Latents: Latent Variables Stable Across Ontologies",
arXiv 2509.03780) and §2 (the Kolmogorov version, W&L "A Solomonoff Inductor Walks Into a Bar").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable, Mapping, Sequence

from .engine import Term

__all__ = ["Features", "Recorder", "TermTable", "mediation_error", "latent_given_features", "kolmogorov_mediation",
           "redundancy_errors", "REDUNDANCY_VARIANTS", "conditional_mutual_information", "theorem1_check",
           "partitions", "Theorem1"]

CodeLengths = Callable[..., float]
AtomSet = frozenset


def _union(sets: Iterable[AtomSet]) -> AtomSet:
    if isinstance(sets, Features):
        return sets.everything
    return frozenset().union(*sets)


class Features(tuple):
    """The feature atom sets ``X_1..X_n``, with their unions built once and shared by every term that names them.

    Built anew in each call, the all-but-one sets made recording the terms quadratic in memory: n sets of n − 1 atoms
    for every latent scored (the copy baselines included); 2,604 paragraphs of a book took 146 s and 11.8 GB before a
    single compression. Shared, they are n sets in all, and a term's sets are the same objects wherever they appear.
    """

    def __new__(cls, sets: Iterable[Iterable[str]]) -> "Features":
        return super().__new__(cls, (frozenset(s) for s in sets))

    @cached_property
    def everything(self) -> AtomSet:
        return frozenset().union(*self)

    @cached_property
    def _all_but(self) -> dict[int, AtomSet]:
        return {}

    def all_but(self, i: int) -> AtomSet:
        if i not in self._all_but:
            self._all_but[i] = frozenset().union(*(x for j, x in enumerate(self) if j != i))
        return self._all_but[i]


class Recorder:
    """A stand-in for a code-length table that records every term asked of it (and answers 0)."""

    def __init__(self) -> None:
        self.terms: dict[Term, None] = {}

    def __call__(self, target: Iterable[str], given: Iterable[str] = ()) -> float:
        self.terms.setdefault(Term.of(target, given), None)
        return 0.0


class TermTable:
    """Code lengths looked up by term: from the engine, or made by hand in tests."""

    def __init__(self, bits: Mapping[Term, float]) -> None:
        self.bits = bits

    def __call__(self, target: Iterable[str], given: Iterable[str] = ()) -> float:
        return self.bits[Term.of(target, given)]


def mediation_error(C: CodeLengths, X: Sequence[AtomSet], L: AtomSet) -> float:
    """Conditional total correlation ``TC(X|Λ) = Σ_i C(X_i|Λ) − C(X|Λ)`` (THEORY.md §1, mediation)."""
    return sum(C(x, L) for x in X) - C(_union(X), L)


def latent_given_features(C: CodeLengths, X: Sequence[AtomSet], L: AtomSet) -> float:
    """``C(Λ|X)``: how much of the latent the features leave undetermined (THEORY.md §2)."""
    return C(L, _union(X))


def kolmogorov_mediation(C: CodeLengths, X: Sequence[AtomSet], L: AtomSet) -> float:
    """``K(Λ) + Σ_i K(x_i|Λ) − K(x)``, which equals ``TC(x|Λ) + K(Λ|x)`` up to O(log) (THEORY.md §2)."""
    return C(L) + sum(C(x, L) for x in X) - C(_union(X))


def _all_but(X: Sequence[AtomSet], i: int) -> AtomSet:
    if isinstance(X, Features):
        return X.all_but(i)
    return _union(x for j, x in enumerate(X) if j != i)


# The four redundancy variants of THEORY.md §1, per feature i.
REDUNDANCY_VARIANTS: dict[str, Callable[[CodeLengths, Sequence[AtomSet], AtomSet, int], float]] = {
    # I(Λ; X_i | X_{-i}) = H(Λ|X_{-i}) − H(Λ|X): the seed's condition
    "weak": lambda C, X, L, i: C(L, _all_but(X, i)) - C(L, _union(X)),
    # I(Λ; X_{-i} | X_i) = H(Λ|X_i) − H(Λ|X)
    "strong": lambda C, X, L, i: C(L, X[i]) - C(L, _union(X)),
    # H(Λ | X_{-i})
    "deterministic_all_but_one": lambda C, X, L, i: C(L, _all_but(X, i)),
    # H(Λ | X_i): the form Theorem 1 uses
    "deterministic_each": lambda C, X, L, i: C(L, X[i]),
}


def redundancy_errors(C: CodeLengths, X: Sequence[AtomSet], L: AtomSet,
                      indices: Sequence[int] | None = None) -> dict[str, list[float]]:
    """Every redundancy variant for every feature (or the features at ``indices``): ``{variant: [error of feature i,
    ...]}``, in bits."""
    indices = range(len(X)) if indices is None else indices
    return {name: [error(C, X, L, i) for i in indices] for name, error in REDUNDANCY_VARIANTS.items()}


def conditional_mutual_information(C: CodeLengths, A: AtomSet, B: AtomSet, L: AtomSet) -> float:
    """``I(X_A; X_B | Λ) = C(X_A|Λ) + C(X_B|Λ) − C(X_A X_B|Λ)``."""
    return C(A, L) + C(B, L) - C(A | B, L)


def partitions(X: Sequence[AtomSet], names: Sequence[str] | None = None) -> list[tuple[str, AtomSet, AtomSet]]:
    """The partitions A|B Theorem 1 is tried on: each feature against the rest, and the first half against the second.

    Each comes with a label naming A and B by the features' ``names`` (default: their 0-based indices), e.g.
    ``crime | rest`` or ``{a, b} | {c, d}``.
    """
    n = len(X)
    names = list(names) if names is not None else [str(i) for i in range(n)]
    out = [(f"{names[i]} | rest", X[i], _all_but(X, i)) for i in range(n)]
    if n >= 4:
        half = n // 2
        out.append((f"{{{', '.join(names[:half])}}} | {{{', '.join(names[half:])}}}", _union(X[:half]),
                    _union(X[half:])))
    return out


@dataclass(frozen=True)
class Theorem1:
    """One partition's right-hand side ``I(X_A;X_B|Λ) + C(Λ'|X_A) + C(Λ'|X_B)`` and its three parts."""

    partition: str
    mediation: float
    redundancy_a: float
    redundancy_b: float

    @property
    def bound(self) -> float:
        return self.mediation + self.redundancy_a + self.redundancy_b


def theorem1_check(C: CodeLengths, X: Sequence[AtomSet], L: AtomSet, L2: AtomSet,
                   names: Sequence[str] | None = None) -> tuple[float, list[Theorem1]]:
    """Theorem 1, "mediator determines redund" (arXiv 2509.03780; Ebtekar's information-theoretic proof):
    ``H(Λ'|Λ) ≤ I(X_A;X_B|Λ) + H(Λ'|X_A) + H(Λ'|X_B)`` for disjoint A, B.

    Returns the estimate of ``C(Λ'|Λ)`` and the right-hand side for every partition from :func:`partitions` (labelled
    by ``names``).
    """
    bounds = [Theorem1(label, conditional_mutual_information(C, A, B, L), C(L2, A), C(L2, B))
              for label, A, B in partitions(X, names)]
    return C(L2, L), bounds
