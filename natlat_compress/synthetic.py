"""Latent-class sources whose information quantities are known exactly.

A source is a small Bayes net over a latent Λ and features X_1..X_n (each feature's parents are Λ and possibly an earlier
feature). Sampling is ancestral and vectorised. The *truth* is computed by enumerating the joint distribution and running
the very estimators ``natlat score`` runs (``natlat_compress.conditions``) on exact entropies instead of code lengths:
``C(S|T) := H(S ∪ T) − H(T)``, in bits per row. So every quantity a report gives has its population value here.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

import numpy as np

from .corpus import table_from_columns
from .errors import NatlatError

__all__ = ["Source", "Feature", "SOURCES", "get_source", "sample", "truth", "entropy_table", "oracle_table",
           "write_source", "as_table"]

LATENT = "L"


@dataclass(frozen=True)
class Feature:
    """A feature with ``card`` values; ``cpt[parent values..., value]``; ``parents`` index nodes (0 = Λ, i = X_i)."""

    card: int
    parents: tuple[int, ...]
    cpt: np.ndarray


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    prior: np.ndarray
    features: list[Feature] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [f"x{i + 1}" for i in range(len(self.features))]

    def pmf(self) -> np.ndarray:
        """The joint distribution, axes (Λ, X_1, ..., X_n)."""
        joint = self.prior.copy()
        for feature in self.features:
            joint = joint[..., None] * _broadcast(feature, joint.ndim)
        return joint


def _broadcast(feature: Feature, ndim: int) -> np.ndarray:
    """The feature's table laid along the joint's axes: its parents' axes, then a new last axis."""
    cpt = feature.cpt
    shape = [1] * (ndim + 1)
    for axis, p in enumerate(feature.parents):
        shape[p] = cpt.shape[axis]
    shape[-1] = feature.card
    return cpt.reshape(shape)


def _noisy_copy(k: int, flip: float) -> np.ndarray:
    """P(X = x | Λ = λ): λ with probability 1 − flip, else uniform over the k values (λ included)."""
    return np.full((k, k), flip / k) + np.eye(k) * (1 - flip)


def _noisy_copies() -> Source:
    k = 8
    return Source("noisy_copies", "Λ uniform on 8 values; six features copy Λ with probability 0.7, else uniform",
                  np.full(k, 1 / k), [Feature(k, (0,), _noisy_copy(k, 0.3)) for _ in range(6)])


def _direct_dependence() -> Source:
    k = 4
    copy = _noisy_copy(k, 0.3)
    # x2 repeats x1 with probability 0.4, else is a noisy copy of Λ: a dependence the latent does not mediate.
    cpt = 0.4 * np.eye(k)[None, :, :] + 0.6 * copy[:, None, :]
    features = [Feature(k, (0,), copy), Feature(k, (0, 1), cpt)] + [Feature(k, (0,), copy) for _ in range(3)]
    return Source("direct_dependence", "Λ uniform on 4; five noisy copies, and x2 also repeats x1 with probability 0.4",
                  np.full(k, 1 / k), features)


def _one_feature_latent() -> Source:
    k = 4
    independent = np.full((k, k), 1 / k)
    features = [Feature(k, (0,), _noisy_copy(k, 0.2))] + [Feature(k, (0,), independent) for _ in range(4)]
    return Source("one_feature_latent", "Λ uniform on 4 is seen by x1 only (a noisy copy); x2..x5 are pure noise",
                  np.full(k, 1 / k), features)


def _unequal_noise() -> Source:
    k = 4
    flips = [0.05, 0.2, 0.4, 0.6, 0.8, 0.95]
    return Source("unequal_noise", f"Λ uniform on 4; six noisy copies with flip probabilities {flips}",
                  np.full(k, 1 / k), [Feature(k, (0,), _noisy_copy(k, f)) for f in flips])


def _dirichlet_emissions() -> Source:
    rng = np.random.default_rng(20261124)  # a fixed population: the same source everywhere
    k, cards = 5, [3, 4, 5, 6, 3, 4]
    prior = rng.dirichlet(np.full(k, 2.0))
    return Source("dirichlet_emissions", "Λ on 5 values with a Dirichlet(2) prior; six features of 3-6 values whose "
                  "emissions are Dirichlet(0.5) draws", prior,
                  [Feature(c, (0,), rng.dirichlet(np.full(c, 0.5), size=k)) for c in cards])


def _deterministic_latent() -> Source:
    k = 4
    # x_i = 2·Λ + a private fair coin: each feature determines Λ exactly, yet carries noise of its own.
    cpt = np.zeros((k, 2 * k))
    for value in range(k):
        cpt[value, 2 * value:2 * value + 2] = 0.5
    return Source("deterministic_latent", "Λ uniform on 4; five features 2Λ + a private coin: Λ is a function of each",
                  np.full(k, 1 / k), [Feature(2 * k, (0,), cpt) for _ in range(5)])


# A source of any family: categorical (Source), or numeric and mixed (the block at the end).
AnySource = Union[Source, "GaussianSource", "ClassConditionalSource"]

SOURCES: dict[str, Callable[[], AnySource]] = {s.__name__.lstrip("_"): s for s in [
    _noisy_copies, _direct_dependence, _one_feature_latent, _unequal_noise, _dirichlet_emissions,
    _deterministic_latent]}


def get_source(name: str) -> AnySource:
    if name not in SOURCES:
        raise NatlatError(f"unknown source {name!r}; valid: {', '.join(SOURCES)}")
    return SOURCES[name]()


def sample(source: AnySource, rows: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``rows`` IID draws, column by column (vectorised ancestral sampling)."""
    if not isinstance(source, Source):  # a numeric source (the block at the end): table cells
        return source.draw(rows, seed)
    if rows < 1:
        raise NatlatError(f"--rows must be at least 1; got {rows}")
    rng = np.random.default_rng(seed)
    nodes = [_draw(np.broadcast_to(source.prior, (rows, len(source.prior))), rng)]
    for feature in source.features:
        probs = feature.cpt[tuple(nodes[p] for p in feature.parents)]
        nodes.append(_draw(probs, rng))
    return {LATENT: nodes[0], **dict(zip(source.names, nodes[1:]))}


def _draw(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cumulative[:, -1]
    return (u[:, None] >= cumulative).sum(axis=1)


def entropy_table(pmf: np.ndarray, names: list[str]) -> Callable[..., float]:
    """``C(S|T) = H(S ∪ T) − H(T)`` in bits, exactly, for a pmf whose axes are ``names``."""
    cache: dict[frozenset, float] = {}

    def H(atoms: frozenset) -> float:
        if atoms not in cache:
            axes = tuple(i for i, n in enumerate(names) if n not in atoms)
            p = pmf.sum(axis=axes) if axes else pmf
            p = p[p > 0]
            cache[atoms] = float(-(p * np.log2(p)).sum())
        return cache[atoms]

    return lambda target, given=(): H(frozenset(target) | frozenset(given)) - H(frozenset(given))


def oracle_table(source: Source, columns: dict[str, np.ndarray]) -> Callable[..., float]:
    """``C(S|T) = Σ_rows −log2 p(s | t)`` in bits: the code lengths of a sample (``columns`` from :func:`sample`) under
    the source's own distribution. An oracle that knows the population codes with these; its estimates differ from
    the truth by sampling noise alone — the floor a code that has to learn the distribution cannot beat on average."""
    names = [LATENT, *source.names]
    pmf = source.pmf()
    cache: dict[frozenset, float] = {}

    def log_p(atoms: frozenset) -> float:  # Σ_rows log2 p(the row's values of atoms)
        if atoms not in cache:
            axes = tuple(i for i, n in enumerate(names) if n not in atoms)
            marginal = pmf.sum(axis=axes) if axes else pmf
            cache[atoms] = float(np.log2(marginal[tuple(columns[n] for n in names if n in atoms)]).sum()) \
                if atoms else 0.0
        return cache[atoms]

    return lambda target, given=(): log_p(frozenset(given)) - log_p(frozenset(target) | frozenset(given))


def quantities(C: Callable[..., float], names: list[str]) -> dict:
    """Every quantity ``natlat score`` reports for latent ``L`` over features ``names``, from code lengths ``C``."""
    from .score import _estimates, _summary

    est = _estimates(C, [frozenset([n]) for n in names], frozenset([LATENT]))
    return {**_summary(est, names),
            "redundancy_errors": {v: dict(zip(names, values)) for v, values in est["redundancy"].items()}}


def truth(source: AnySource) -> dict:
    """The population value, in bits per row, of every quantity ``natlat score`` reports for latent ``L``."""
    from .latents import baselines
    from .score import _estimates, _summary

    names = source.names
    C = source.code_lengths() if not isinstance(source, Source) else entropy_table(source.pmf(), [LATENT, *names])
    X = [frozenset([n]) for n in names]
    out = {**quantities(C, names), "features_bits": C(names), "baselines": {}}
    for latent in baselines(names):
        summary = _summary(_estimates(C, X, latent.atoms), names)
        kind = latent.kind
        if kind != "copy" or summary["weak_error"] < out["baselines"].get("copy", {"weak_error": np.inf})["weak_error"]:
            out["baselines"][kind] = {"latent": latent.name, **summary}
    return out


def write_source(name: str, rows: int, seed: int, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``NAME.csv`` (the latent column ``L`` first) and ``NAME.truth.json`` into ``out_dir``, atomically."""
    from .report import write_atomic

    source = get_source(name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = sample(source, rows, seed)
    table = np.stack(list(columns.values()), axis=1)
    lines = [",".join(columns)] + [",".join(map(str, row)) for row in table.tolist()]
    csv_path, truth_path = out_dir / f"{name}.csv", out_dir / f"{name}.truth.json"
    write_atomic(csv_path, "\n".join(lines) + "\n")
    document = {"source": name, "description": source.description, "rows": rows, "seed": seed, "latent": LATENT,
                "features": source.names, "unit": "bits per row (population values)", "truth": truth(source)}
    write_atomic(truth_path, json.dumps(document, indent=2))
    return csv_path, truth_path


def as_table(source: AnySource, rows: int, seed: int = 0):
    """A sample as a TableCorpus, ready for ``score``."""
    return table_from_columns(sample(source, rows, seed), f"synthetic:{source.name}")


# ---------------------------------------------------------------------------------------------------------------------
# Numeric sources (real-valued and mixed tables), with exact answers
# ---------------------------------------------------------------------------------------------------------------------
# Real values are written with DECIMALS decimals, so a table's precision is δ = 10^−DECIMALS. A truth's code lengths
# are those at precision δ: ``C(S|T) = h(S ∪ T) − h(T) − (numeric columns of S not in T)·log2 δ`` with h the
# (mixed discrete/differential) entropy in bits. Every −log2 δ cancels in the mediation error and the weak and strong
# redundancies (THEORY.md §3), so those are the δ → 0 limits; the deterministic variants of a numeric latent keep δ.
DECIMALS = 3
MONTE_CARLO_DRAWS = 200_000  # posterior entropies H(Λ | X_S) of class-conditional sources: standard error ≈ 0.003 bits
_LOG2E = math.log2(math.e)


def _gaussian_entropy(covariance: np.ndarray) -> float:
    """h of a Gaussian with this covariance, in bits: ½ log2((2πe)^k det Σ)."""
    k = len(covariance)
    return 0.5 * (k * math.log2(2 * math.pi * math.e) + math.log2(np.linalg.det(covariance))) if k else 0.0


def _cells(values: np.ndarray) -> np.ndarray:
    """Real values as the cells of a table, DECIMALS decimals each."""
    return np.char.mod(f"%.{DECIMALS}f", np.round(values, DECIMALS) + 0.0)


# Monotone transforms of one standardised column (z = x / sd): name -> (g(z), E[log2 g'(z)] for z ~ N(0, 1)).
_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite.hermgauss(120)


def _expected_log2(derivative: Callable[[np.ndarray], np.ndarray]) -> float:
    """E[log2 f(Z)] for Z ~ N(0, 1), by Gauss–Hermite quadrature (120 nodes)."""
    z = math.sqrt(2) * _HERMITE_NODES
    return float((_HERMITE_WEIGHTS * np.log2(derivative(z))).sum() / math.sqrt(math.pi))


TRANSFORMS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "exp": (np.exp, np.exp),  # skew: a log-normal column
    "sinh": (np.sinh, np.cosh),  # heavy tails on both sides
}


@dataclass(frozen=True)
class GaussianSource:
    """A jointly Gaussian latent and features (covariance over ``L, x1..xn``), optionally with monotone transforms
    ``g`` of single standardised features: ``x_j = sd_j · g(x_j / sd_j)`` (the information quantities that do not
    depend on δ stay those of the Gaussian; h(x_j) moves by ``E[log2 g'(z)]``)."""

    name: str
    description: str
    covariance: np.ndarray
    transforms: dict = field(default_factory=dict)  # feature index (1-based node) -> transform name

    @property
    def names(self) -> list[str]:
        return [f"x{i}" for i in range(1, len(self.covariance))]

    def draw(self, rows: int, seed: int = 0) -> dict[str, np.ndarray]:
        if rows < 1:
            raise NatlatError(f"--rows must be at least 1; got {rows}")
        rng = np.random.default_rng(seed)
        values = rng.standard_normal((rows, len(self.covariance))) @ np.linalg.cholesky(self.covariance).T
        for node, transform in self.transforms.items():
            sd = math.sqrt(self.covariance[node, node])
            values[:, node] = sd * TRANSFORMS[transform][0](values[:, node] / sd)
        return {name: _cells(values[:, j]) for j, name in enumerate([LATENT, *self.names])}

    def code_lengths(self) -> Callable[..., float]:
        """``C(S|T)`` in bits per row at precision δ = 10^−DECIMALS, exactly (closed form)."""
        nodes = {name: j for j, name in enumerate([LATENT, *self.names])}
        shift = {node: _expected_log2(TRANSFORMS[t][1]) for node, t in self.transforms.items()}
        log2_delta = -DECIMALS * math.log2(10)

        def H(atoms: frozenset) -> float:  # entropy at precision δ
            index = sorted(nodes[a] for a in atoms)
            return (_gaussian_entropy(self.covariance[np.ix_(index, index)]) + sum(shift.get(j, 0.0) for j in index)
                    - len(index) * log2_delta)

        return lambda target, given=(): H(frozenset(target) | frozenset(given)) - H(frozenset(given))


@dataclass(frozen=True)
class ClassConditionalSource:
    """A discrete latent with ``prior``; given it, numeric features jointly Gaussian (``means[c]``, ``covariances[c]``)
    and categorical ones drawn from ``cpts[j][c]``, the two groups independent given the latent. H(Λ | X_S) has no
    closed form: it is the mean posterior entropy over MONTE_CARLO_DRAWS draws (a fixed seed), every other entropy is
    exact."""

    name: str
    description: str
    prior: np.ndarray
    means: np.ndarray  # classes × numeric features
    covariances: np.ndarray  # classes × numeric × numeric
    cpts: tuple = ()  # per categorical feature: classes × values

    @property
    def names(self) -> list[str]:
        return [f"x{i + 1}" for i in range(self.means.shape[1] + len(self.cpts))]

    def _draw_raw(self, rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        latent = _draw(np.broadcast_to(self.prior, (rows, len(self.prior))), rng)
        numeric = np.empty((rows, self.means.shape[1]))
        for c in range(len(self.prior)):
            here = latent == c
            numeric[here] = self.means[c] + rng.standard_normal((int(here.sum()), numeric.shape[1])) \
                @ np.linalg.cholesky(self.covariances[c]).T
        categorical = [_draw(cpt[latent], rng) for cpt in self.cpts]
        return latent, numeric, categorical

    def draw(self, rows: int, seed: int = 0) -> dict[str, np.ndarray]:
        if rows < 1:
            raise NatlatError(f"--rows must be at least 1; got {rows}")
        latent, numeric, categorical = self._draw_raw(rows, np.random.default_rng(seed))
        columns = [_cells(numeric[:, j]) for j in range(numeric.shape[1])] + [c.astype(str) for c in categorical]
        return {LATENT: latent.astype(str), **dict(zip(self.names, columns))}

    def code_lengths(self) -> Callable[..., float]:
        """``C(S|T)`` in bits per row at precision δ = 10^−DECIMALS (H(Λ|X_S) by Monte Carlo, the rest exact)."""
        m = self.means.shape[1]
        index = {name: j for j, name in enumerate(self.names)}
        log2_delta = -DECIMALS * math.log2(10)
        latent, numeric, categorical = self._draw_raw(MONTE_CARLO_DRAWS, np.random.default_rng(20261203))
        prior_entropy = float(-(self.prior * np.log2(self.prior)).sum())
        cache: dict = {}

        def given_latent(features: list[int]) -> float:  # H(X_S | Λ), at precision δ for the numeric ones
            num = [j for j in features if j < m]
            out = 0.0
            for c, p in enumerate(self.prior):
                out += p * _gaussian_entropy(self.covariances[c][np.ix_(num, num)])
                for j in features:
                    if j >= m:
                        q = self.cpts[j - m][c]
                        out -= p * float((q[q > 0] * np.log2(q[q > 0])).sum())
            return out - len(num) * log2_delta

        def latent_given(features: list[int]) -> float:  # H(Λ | X_S): the mean entropy of the posterior
            num = [j for j in features if j < m]
            log_joint = np.tile(np.log(self.prior), (MONTE_CARLO_DRAWS, 1))
            for c in range(len(self.prior)):
                if num:
                    cov = self.covariances[c][np.ix_(num, num)]
                    diff = numeric[:, num] - self.means[c, num]
                    solved = np.linalg.solve(np.linalg.cholesky(cov), diff.T)
                    log_joint[:, c] += -0.5 * (solved ** 2).sum(axis=0) - 0.5 * math.log(
                        (2 * math.pi) ** len(num) * np.linalg.det(cov))
                for j in features:
                    if j >= m:
                        log_joint[:, c] += np.log(self.cpts[j - m][c][categorical[j - m]])
            log_joint -= log_joint.max(axis=1, keepdims=True)
            posterior = np.exp(log_joint)
            posterior /= posterior.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                return float(-np.nansum(posterior * np.log2(posterior)) / MONTE_CARLO_DRAWS)

        def H(atoms: frozenset) -> float:
            if atoms not in cache:
                features = sorted(index[a] for a in atoms if a != LATENT)
                with_latent = prior_entropy + given_latent(features)
                cache[atoms] = with_latent if LATENT in atoms else with_latent - latent_given(features)
            return cache[atoms]

        return lambda target, given=(): H(frozenset(target) | frozenset(given)) - H(frozenset(given))


def _readings_covariance() -> np.ndarray:
    """L ~ N(0, 1); x_i = L + e_i, noise sds 0.3, 0.5, 0.8, 1, 2, the noises of x1 and x2 correlated 0.6 (a
    dependence L does not mediate)."""
    sd = np.array([0.3, 0.5, 0.8, 1.0, 2.0])
    noise = np.diag(sd ** 2)
    noise[0, 1] = noise[1, 0] = 0.6 * sd[0] * sd[1]
    loading = np.ones(5)
    covariance = np.empty((6, 6))
    covariance[0, 0], covariance[0, 1:], covariance[1:, 0] = 1.0, loading, loading
    covariance[1:, 1:] = np.outer(loading, loading) + noise
    return covariance


def _gaussian_readings() -> GaussianSource:
    return GaussianSource("gaussian_readings", "L ~ N(0,1) and five noisy readings x_i = L + e_i (noise sd 0.3 to 2; "
                          "the noises of x1, x2 correlated 0.6); closed-form truth", _readings_covariance())


def _gaussian_skewed() -> GaussianSource:
    return GaussianSource("gaussian_skewed", "gaussian_readings with x1 and x4 log-normal (exp) and x3 heavy-tailed "
                          "(sinh) by monotone transforms: the same precision-free truths",
                          _readings_covariance(), {1: "exp", 4: "exp", 3: "sinh"})


def _gaussian_mixture() -> ClassConditionalSource:
    means = np.array([[-1.5, -1.0, 0.0, 1.0], [0.0, 1.0, -1.0, 0.0], [1.5, 0.0, 1.0, -1.0]])
    covariances = np.stack([np.diag([1.0, 1.0, 1.0, 1.0]), np.diag([0.5, 2.0, 1.0, 0.7]),
                            np.diag([1.5, 0.8, 0.6, 1.2])])
    for c in range(3):  # x1 and x2 correlated 0.5 within every class: mediation error > 0
        covariances[c, 0, 1] = covariances[c, 1, 0] = 0.5 * math.sqrt(covariances[c, 0, 0] * covariances[c, 1, 1])
    return ClassConditionalSource("gaussian_mixture", "Λ on 3 classes (0.5, 0.3, 0.2); four Gaussian features with "
                                  "class means and variances, x1 and x2 correlated 0.5 within classes",
                                  np.array([0.5, 0.3, 0.2]), means, covariances)


def _mixed_table() -> ClassConditionalSource:
    k = 4
    means = np.outer(np.arange(k), [1.0, 0.7, 1.5]) - np.array([1.5, 1.0, 2.0])
    covariances = np.stack([np.diag([1.0, 0.5, 2.0])] * k)
    cpts = (_noisy_copy(k, 0.4), _noisy_copy(k, 0.6), _noisy_copy(3, 0.5)[[0, 1, 2, 0]])
    return ClassConditionalSource("mixed_table", "Λ uniform on 4; three Gaussian features whose means move with Λ "
                                  "and three categorical noisy copies of it (4, 4 and 3 values)",
                                  np.full(k, 1 / k), means, covariances, cpts)


_NUMERIC: list[Callable[[], GaussianSource | ClassConditionalSource]] = [
    _gaussian_readings, _gaussian_skewed, _gaussian_mixture, _mixed_table]
NUMERIC_SOURCES = {s.__name__.lstrip("_"): s for s in _NUMERIC}
SOURCES.update(NUMERIC_SOURCES)
__all__ += ["NUMERIC_SOURCES", "GaussianSource", "ClassConditionalSource", "TRANSFORMS", "DECIMALS"]


# -- Out-of-family sources (issue #14) -------------------------------------------------------------------------------
# Sources no latent-class model describes: interactions of three or more variables, dependence carried along chains and
# trees, alphabets wider than the rows can fill. Their truth is exact in the same way (the joint is enumerated).
# Each is still written as a Bayes net rooted at Λ: a parity L = x1 ⊕ … ⊕ xp of fair coins is the same joint as L a fair
# coin, x1..x(p−1) fair coins and xp = L ⊕ x1 ⊕ … ⊕ x(p−1).


def _uniform_given(parent_card: int, card: int) -> np.ndarray:
    """A feature independent of its (single) parent: every row of the table uniform."""
    return np.full((parent_card, card), 1 / card)


def _parity_source(p: int) -> Source:
    copies = [Feature(2, (0,), _noisy_copy(2, 0.2)) for _ in range(2)]
    coins = [Feature(2, (0,), _uniform_given(2, 2)) for _ in range(p - 1)]
    parity = np.indices((2,) * p).sum(axis=0) % 2  # parity[λ, x1, ..., x(p−1)] = λ ⊕ x1 ⊕ …
    closing = Feature(2, tuple(range(p)), np.eye(2)[parity])
    name = "xor_3" if p == 3 else f"parity_{p}"
    return Source(name, f"Λ = x1 ⊕ … ⊕ x{p} of fair coins, and two noisy copies of Λ (flip 0.2): given Λ the {p} "
                  "features are constrained (mediation 1 bit/row)", np.full(2, 0.5), coins + [closing] + copies)


def _parity_2() -> Source:
    return _parity_source(2)


def _xor_3() -> Source:
    return _parity_source(3)


def _parity_4() -> Source:
    return _parity_source(4)


def _chain() -> Source:
    k = 4
    copy = _noisy_copy(k, 0.3)
    return Source("chain", "Λ uniform on 4 → x1 → x2 → x3 → x4 → x5, each a noisy copy of the one before (flip 0.3)",
                  np.full(k, 1 / k), [Feature(k, (i,), copy) for i in range(5)])


def _tree_unequal() -> Source:
    rng = np.random.default_rng(20261203)  # a fixed population
    cards = {0: 3, 1: 5, 2: 2, 3: 4, 4: 6, 5: 3}
    parents = {1: 0, 2: 0, 3: 1, 4: 1, 5: 2}
    features = [Feature(cards[i], (parents[i],), rng.dirichlet(np.full(cards[i], 0.7), size=cards[parents[i]]))
                for i in range(1, 6)]
    return Source("tree_unequal", "a tree of unequal alphabets: Λ (3 values) → x1 (5), x2 (2); x1 → x3 (4), x4 (6); "
                  "x2 → x5 (3); Dirichlet(0.7) tables", rng.dirichlet(np.full(3, 2.0)), features)


def _wide_sparse() -> Source:
    rng = np.random.default_rng(20261204)
    k, card, support = 12, 20, 5
    zipf = 1 / np.arange(1, support + 1)
    prior = 1 / np.arange(1, k + 1)

    def emissions() -> np.ndarray:
        cpt = np.zeros((k, card))
        for value in range(k):
            cpt[value, rng.choice(card, support, replace=False)] = zipf / zipf.sum()
        return cpt

    return Source("wide_sparse", "Λ on 12 values (Zipf prior); four 20-symbol features, each Λ emitting on 5 random "
                  "symbols with Zipf weights", prior / prior.sum(), [Feature(card, (0,), emissions()) for _ in range(4)])


def _fine_cause() -> Source:
    coarse, fine, readings = 4, 16, 8
    per_bin = fine // coarse
    exact = np.zeros((coarse, fine))  # x1 reads the cause U (16 cells) exactly; Λ is its coarse bin
    for value in range(coarse):
        exact[value, value * per_bin:(value + 1) * per_bin] = 1 / per_bin
    # x2..x4 read U + Gaussian noise (sd 1.5 cells), clipped and binned into 8: P(reading | U), exactly.
    offsets = np.arange(fine)[None, :] - np.arange(fine)[:, None]
    noise = np.exp(-0.5 * (offsets / 1.5) ** 2)
    noise /= noise.sum(axis=1, keepdims=True)
    reading = noise.reshape(fine, readings, fine // readings).sum(axis=2)
    return Source("fine_cause", "a discretised continuous cause U (16 cells): Λ is its coarse bin (4), x1 reads U "
                  "exactly, x2..x4 read U + noise (sd 1.5 cells) in 8 bins", np.full(coarse, 1 / coarse),
                  [Feature(fine, (0,), exact)] + [Feature(readings, (1,), reading) for _ in range(3)])


def _switched() -> Source:
    # x1 switches between two structures: x1 = 0, x3 = Λ ⊕ x2 (a parity); x1 = 1, x3 a noisy copy of Λ.
    cpt = np.zeros((2, 2, 2, 2))
    for latent in range(2):
        for coin in range(2):
            cpt[latent, 0, coin] = np.eye(2)[latent ^ coin]
            cpt[latent, 1, coin] = _noisy_copy(2, 0.2)[latent]
    features = [Feature(2, (0,), _uniform_given(2, 2)), Feature(2, (0,), _uniform_given(2, 2)),
                Feature(2, (0, 1, 2), cpt), Feature(2, (0,), _noisy_copy(2, 0.3)), Feature(2, (0,), _noisy_copy(2, 0.3))]
    return Source("switched", "a mixture of structures: x1 a fair switch; x1 = 0: x3 = Λ ⊕ x2, x1 = 1: x3 a noisy copy "
                  "of Λ; x4, x5 noisy copies of Λ", np.full(2, 0.5), features)


OUT_OF_FAMILY: dict[str, Callable[[], Source]] = {s.__name__.lstrip("_"): s for s in [
    _parity_2, _xor_3, _parity_4, _chain, _tree_unequal, _wide_sparse, _fine_cause, _switched]}
SOURCES.update(OUT_OF_FAMILY)
