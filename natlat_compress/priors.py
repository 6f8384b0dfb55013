"""``natlat priors``: the gap between two agents' priors on a corpus, and every natural-latent bound widened by it.

An agent is a coder, optionally primed with its own training corpus (THEORY.md §4): agent X saw spreadsheets A+AB,
agent Y saw B+AB. On a string s the gap is ``C_A(s) − C_B(s)``. Three things are measured:

* the gap per item (document, chunk or row), with its distribution and the items that differ most;
* the *compiler bound*: what it costs agent A to describe B's training corpus, ``C_A(D_B | D_A)``, and the reverse.
  When both agents share a base coder, ``C_A(s) ≤ C_A(D_B | D_A) + C_B(s) + O(1)`` for every s — the analogue of the
  constant c_UV between universal machines (THEORY.md §2, §4);
* for a latent, every error of ``natlat score`` under each agent, and its *widening*: an error ``ε = Σ_k c_k C(t_k)`` is
  linear in code-length terms, so ``|ε_A − ε_B| ≤ Σ_k |c_k| · |C_A(t_k) − C_B(t_k)|`` (the triangle inequality). Agent
  A's estimate widened by that sum covers agent B's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence, cast

import numpy as np

from . import conditions as cond
from .coders import get_coder
from .coders.agent import stack, unify
from .coders.registry import register_agent
from .corpus import OBJECT_SEPARATOR, TableCorpus, load_corpus, read_input, table_from_columns
from .engine import Term, evaluate, plan
from .errors import CorpusError
from .latents import LATENT_ATOM, choose_features
from .score import _resolve_latent, as_corpus

__all__ = ["compare_priors", "AgentSpec", "Linear", "gap_summary", "widening"]

_run_ids = itertools.count()


@dataclass(frozen=True)
class AgentSpec:
    """A coder spec and the paths of its training corpus (none: the bare coder)."""

    coder: str
    training: tuple[str, ...] = ()
    label: str = ""


class Linear(dict):
    """A linear form over code-length terms: ``{term: coefficient}``. The estimators are sums and differences of
    ``C(...)``, so running one over a table of these gives each term's net coefficient in the error."""

    def __add__(self, other):
        if isinstance(other, (int, float)):
            return Linear(self) if other == 0 else NotImplemented
        out = Linear(self)
        for term, c in other.items():
            out[term] = out.get(term, 0.0) + c
        return out

    __radd__ = __add__

    def __neg__(self):
        return Linear({t: -c for t, c in self.items()})

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other


def _linear_table(target, given=()) -> Linear:
    return Linear({Term.of(target, given): 1.0})


def widening(form: Linear, bits_a: dict, bits_b: dict) -> float:
    """``Σ_k |c_k| · |C_A(t_k) − C_B(t_k)|`` in bits."""
    return float(sum(abs(c) * abs(bits_a[t] - bits_b[t]) for t, c in form.items()))


def gap_summary(gaps: np.ndarray, names: Sequence[str], top: int = 5) -> dict:
    """The distribution of per-item gaps ``C_A − C_B`` (bits) and the items that differ most in each direction."""
    order = np.argsort(gaps, kind="stable")
    q = np.quantile(gaps, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {"n": int(len(gaps)), "mean": float(gaps.mean()), "median": float(q[2]), "std": float(gaps.std()),
            "q05": float(q[0]), "q25": float(q[1]), "q75": float(q[3]), "q95": float(q[4]),
            "total": float(gaps.sum()), "max_abs": float(np.abs(gaps).max()),
            "a_costs_more": [{"item": names[i], "gap": float(gaps[i])} for i in order[::-1][:top] if gaps[i] > 0],
            "b_costs_more": [{"item": names[i], "gap": float(gaps[i])} for i in order[:top] if gaps[i] < 0]}


def _read_training(paths: Sequence[str], corpus) -> Any:
    """Texts: the files (directories: every file in them) joined by the object separator. Tables: the CSVs stacked,
    which must have the corpus's columns. An empty training corpus is an error."""
    if not paths:
        return None
    if isinstance(corpus, TableCorpus):
        tables = [load_corpus(p) for p in paths]
        for path, table in zip(paths, tables):
            if not isinstance(table, TableCorpus):
                raise CorpusError(f"the training corpus {path} is not a table, but the corpus is")
            missing = [c for c in corpus.names if c not in table.columns]
            if missing:
                raise CorpusError(f"the training table {path} lacks the column {missing[0]!r}")
        def cells(table, name):  # the column's values as text again (bytes kept through surrogateescape)
            text = [c.decode("utf-8", "surrogateescape") for c in table.columns[name].categories]
            return np.array(text, dtype=object)[table.columns[name].codes]

        return table_from_columns({name: np.concatenate([cells(t, name) for t in tables]) for name in corpus.names},
                                  ",".join(paths))
    pieces = []
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise CorpusError(f"no such training file or directory: {path}")
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        pieces += [read_input(f) for f in files]
    training = OBJECT_SEPARATOR.join(piece for piece in pieces if piece)
    if not training:
        raise CorpusError(f"the training corpus {', '.join(paths)} is empty")
    return training


def compare_priors(corpus: Any, agent_a: AgentSpec, agent_b: AgentSpec, *, latent: Any = None,
                   features: Sequence[str] | None = None, split: str | None = None, field: str | None = None,
                   jobs: int | None = None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Measure the gap between two agents' priors on ``corpus`` and widen the natural-latent errors by it.

    Returns the dictionary ``natlat priors --format json`` prints; every code length in bits.
    """
    corpus = as_corpus(corpus, split=split, field=field)
    bases = [get_coder(a.coder) for a in (agent_a, agent_b)]
    for agent, base in zip((agent_a, agent_b), bases):
        if base.reads == "symbols" and not isinstance(corpus, TableCorpus):
            raise CorpusError(f"{agent.coder} reads symbol tables; the corpus is a text corpus (use a byte coder)")
    trainings = [_read_training(a.training, corpus) for a in (agent_a, agent_b)]
    run = next(_run_ids)
    agents = [register_agent(f"{side}{run}", base, training)
              for side, base, training in zip("AB", bases, trainings)]
    labels = [a.label or a.coder + (f" + {', '.join(Path(t).name for t in a.training)}" if a.training else "")
              for a in (agent_a, agent_b)]

    # Per item: each agent's code length of each item on its own, primed with its training corpus.
    if isinstance(corpus, TableCorpus):
        names = [f"row {i + 1}" for i in range(corpus.n_items)]
        items = corpus.row_bytes(corpus.names)
    else:
        names, items = corpus.names, list(corpus.objects.values())
    per_item = np.array([agent.row_bits(corpus.symbols(), corpus.names) if agent.reads == "symbols"
                         else [agent.base.conditional_bits(item, prior) for item in items]
                         for agent, prior in ((a, a.prior_for(corpus.names)) for a in agents)], dtype=float)
    gaps = per_item[0] - per_item[1]

    same_base = bases[0].spec == bases[1].spec
    compiler: dict[str, Any] = {
        "a_describes_b": {"bits": _describe(agents[0], agents[1], corpus),
                          "what": "C_A(D_B | D_A): agent A's cost of agent B's training corpus"},
        "b_describes_a": {"bits": _describe(agents[1], agents[0], corpus),
                          "what": "C_B(D_A | D_B): agent B's cost of agent A's training corpus"},
        "same_base_coder": same_base,
    }
    compiler["bound"] = max(compiler["a_describes_b"]["bits"], compiler["b_describes_a"]["bits"])
    compiler["holds_on_items"] = bool(gaps.max() <= compiler["a_describes_b"]["bits"]
                                      and -gaps.min() <= compiler["b_describes_a"]["bits"]) if same_base else None

    report = {
        "unit": "bits",
        "corpus": {"kind": corpus.kind, "source": corpus.source, "n_items": corpus.n_items},
        "agents": {"a": {"label": labels[0], **agents[0].describe()}, "b": {"label": labels[1], **agents[1].describe()}},
        "items": [{"item": n, "a": float(a), "b": float(b), "gap": float(g)}
                  for n, a, b, g in zip(names, per_item[0], per_item[1], gaps)],
        "gap": gap_summary(gaps, names),
        "compiler_bound": compiler,
    }
    if latent is not None:
        report["widened"] = _widened(corpus, latent, features, [a.spec for a in agents], jobs, progress)
    return report


def _describe(agent, other, corpus) -> float:
    """What ``agent``, primed with its own training corpus, pays for ``other``'s training corpus, in bits."""
    if other.training is None:
        return 0.0
    if agent.reads == "bytes":
        return float(agent.base.conditional_bits(other.prior_for(corpus.names), agent.prior_for(corpus.names)))
    own, other = agent.training, other.training
    columns = corpus.names
    if own is None:
        (other_u,) = unify([other.symbols()], columns)
        return agent.base.symbol_bits(other_u, columns)
    own_u, other_u = unify([own.symbols(), other.symbols()], columns)
    return agent.base.symbol_bits(stack(own_u, other_u), columns) - agent.base.symbol_bits(own_u, columns)


def _widened(corpus, latent, features, specs: list[str], jobs, progress) -> dict:
    """Every error of ``score`` under both agents, and the widening that makes A's bound cover B's estimate."""
    corpus, main = _resolve_latent(corpus, latent, LATENT_ATOM)
    names = choose_features(corpus, features, main.atoms if corpus.kind == "table" else frozenset(), main.atoms)
    X = cond.Features([f] for f in names)
    # The estimators only add and subtract code lengths: run on a table of Linear forms, each returns its form.
    linear = cast(cond.CodeLengths, _linear_table)
    forms: dict[str | tuple[str, str], Linear] = {
        "mediation_error": cast(Linear, cond.mediation_error(linear, X, main.atoms)),
        "latent_given_features": cast(Linear, cond.latent_given_features(linear, X, main.atoms)),
        "kolmogorov_mediation": cast(Linear, cond.kolmogorov_mediation(linear, X, main.atoms)),
    }
    for variant, per_feature in cond.redundancy_errors(linear, X, main.atoms).items():
        for feature, form in zip(names, per_feature):
            forms[(variant, feature)] = cast(Linear, form)
    terms = sorted({t for form in forms.values() for t in form}, key=repr)
    the_plan = plan([(None, t) for t in terms], corpus, specs, lead=sorted(main.atoms))
    values = evaluate(the_plan, corpus, jobs=jobs, progress=progress)
    bits = [{t: values[(spec, None, t)] for t in terms} for spec in specs]

    def entry(form: Linear) -> dict:
        a, b = (sum(c * table[t] for t, c in form.items()) for table in bits)
        w = widening(form, *bits)
        return {"a": a, "b": b, "widening": w, "a_low": a - w, "a_high": a + w, "covers_b": abs(a - b) <= w + 1e-9,
                "terms": len(form)}

    out: dict[str, Any] = {"latent": main.describe(), "features": names,
           **{k: entry(forms[k]) for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation")},
           "redundancy_errors": {v: {f: entry(forms[(v, f)]) for f in names} for v in cond.REDUNDANCY_VARIANTS}}
    out["all_covered"] = all(e["covers_b"] for e in _entries(out))
    return out


def _entries(widened: dict):
    yield from (widened[k] for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation"))
    for per_feature in widened["redundancy_errors"].values():
        yield from per_feature.values()


def tiny_mixtures(m_bits: float, eps_log2: float = 50) -> dict:
    """The tiny-mixtures problem (THEORY.md §1, "Natural Latents Are Not Robust To Tiny Mixtures"), in closed form.

    X_1, X_2 are m-bit strings. P0: X_2 = X_1 (uniform); Q0: independent uniform. With ε = 2^(−eps_log2), agent P holds
    ``(1−ε)P0 + εQ0`` and agent Q the reverse. Returns, in bits: both KL divergences; under P, the natural latent
    Λ_P = X_1 (mediation 0, redundancy ``H_P(X_1|X_2) = εm + h(ε)``); under Q, the empty latent (redundancy 0, mediation
    ``I_Q(X_1;X_2)``); and the distance between the two latents, ``H(Λ_P | Λ_Q) = H(X_1) = m``.
    """
    eps = 2.0 ** -eps_log2
    tiny = 2.0 ** -m_bits  # underflows to 0 for large m: the terms it multiplies vanish

    def h(p: float) -> float:
        return -(p * np.log2(p) + (1 - p) * np.log2(1 - p)) if 0 < p < 1 else 0.0

    def kl(weight: float) -> float:
        # D(P‖Q) with P = weight·P0 + (1−weight)·Q0 and Q = the reverse: diagonal mass, then off-diagonal.
        diag_p, diag_q = weight + (1 - weight) * tiny, (1 - weight) + weight * tiny
        return float(diag_p * np.log2(diag_p / diag_q) + (1 - diag_p) * np.log2((1 - weight) / weight))

    # Under the mixture w·P0 + (1−w)·Q0, X_1 and X_2 share I = H(X_1) + H(X_2) − H(X_1, X_2), with
    # H(X_1, X_2) = m + (1 − w)·m + h(w) when 2^(−m) is negligible.
    def mutual_information(weight: float) -> float:
        return float(m_bits - (1 - weight) * m_bits - h(weight))

    return {
        "m_bits": m_bits, "eps_log2": eps_log2,
        "kl_p_q": kl(1 - eps), "kl_q_p": kl(eps),
        "p_latent": {"latent": "X_1", "mediation": 0.0, "redundancy": eps * m_bits + h(eps)},
        "q_latent": {"latent": "empty", "mediation": max(mutual_information(eps), 0.0), "redundancy": 0.0},
        "latent_distance": m_bits,
    }
