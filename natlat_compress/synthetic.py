"""Latent-class sources whose information quantities are known exactly.

A source is a small Bayes net over a latent Λ and features X_1..X_n (each feature's parents are Λ and possibly an earlier
feature). Sampling is ancestral and vectorised. The *truth* is computed by enumerating the joint distribution and running
the very estimators ``natlat score`` runs (``natlat_compress.conditions``) on exact entropies instead of code lengths:
``C(S|T) := H(S ∪ T) − H(T)``, in bits per row. So every quantity a report gives has its population value here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

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


SOURCES: dict[str, Callable[[], Source]] = {s.__name__.lstrip("_"): s for s in [
    _noisy_copies, _direct_dependence, _one_feature_latent, _unequal_noise, _dirichlet_emissions,
    _deterministic_latent]}


def get_source(name: str) -> Source:
    if name not in SOURCES:
        raise NatlatError(f"unknown source {name!r}; valid: {', '.join(SOURCES)}")
    return SOURCES[name]()


def sample(source: Source, rows: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``rows`` IID draws, column by column (vectorised ancestral sampling)."""
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


def truth(source: Source) -> dict:
    """The population value, in bits per row, of every quantity ``natlat score`` reports for latent ``L``."""
    from .latents import baselines
    from .score import _estimates, _summary

    names = source.names
    C = entropy_table(source.pmf(), [LATENT, *names])
    X = [frozenset([n]) for n in names]
    out = {**quantities(C, names), "features_bits": C(names), "baselines": {}}
    for latent in baselines(names):
        summary = _summary(_estimates(C, X, latent.atoms), names)
        kind = latent.kind
        if kind != "copy" or summary["weak_error"] < out["baselines"].get("copy", {"weak_error": np.inf})["weak_error"]:
            out["baselines"][kind] = {"latent": latent.name, **summary}
    return out


def write_source(name: str, rows: int, seed: int, out_dir: str | Path) -> tuple[Path, Path]:
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


def as_table(source: Source, rows: int, seed: int = 0):
    """A sample as a TableCorpus, ready for ``score``."""
    return table_from_columns(sample(source, rows, seed), f"synthetic:{source.name}")
