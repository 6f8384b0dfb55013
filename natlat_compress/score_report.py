"""Score, step 3 of 3 — the report: the measured bits turned into every estimate, beside its baselines, calibration
and verdict (DESIGN.md, "Output contract").

The estimators (:mod:`.conditions`) run again, now on a ``TermTable`` of the bits the run measured: the mediation
error, the four redundancies, the Theorem 1 check, for the candidate and every baseline latent, under every coder;
the permutation null and the interval replicates give its calibration and intervals. Rendering (table, JSON, CSV,
Markdown) is :mod:`.report`'s. Before: :mod:`.score_plan`, :mod:`.score_run`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from . import conditions as cond
from . import intervals
from .coders import get_coder
from .latents import Latent
from .report import fmt_rate
from .score_plan import ScorePlan, _estimates
from .score_run import Measured

__all__ = ["assemble", "dry_run_report"]


REGRET_METHOD = ("estimate − the same coder's :tail estimate, n·(C(all rows) − C(first ⌊n/2⌋ rows))/⌈n/2⌉ per term: "
                 "the learning code's regret, about (k/2)·log2 n bits for k parameters, less its (k/2)·log2 2 on the "
                 "second half (THEORY.md §3)")


def _regret(est: dict, tail: dict, names: Sequence[str]) -> dict:
    """The sample-size regret in each estimate, ``estimate − tail estimate`` (bits), and the tail estimates beside."""
    keys = ("mediation_error", "latent_given_features", "kolmogorov_mediation")
    tail_redundancy = {v: dict(zip(names, map(float, values))) for v, values in tail["redundancy"].items()}
    return {"method": REGRET_METHOD, **{k: est[k] - tail[k] for k in keys},
            "redundancy_errors": {v: {f: float(bits) - tail_redundancy[v][f] for f, bits in zip(names, values)}
                                  for v, values in est["redundancy"].items()},
            "tail": {**{k: tail[k] for k in keys}, "redundancy_errors": tail_redundancy}}


def assemble(sp: ScorePlan, measured: Measured) -> dict:
    """The report of a score (DESIGN.md's JSON contract) from its plan and the bits its run measured."""
    corpus, coders, runs, main, second, names, X = sp.corpus, sp.coders, sp.runs, sp.main, sp.second, sp.names, sp.X
    candidates, sampled, red_names, main_terms = sp.candidates, sp.sampled, sp.red_names, sp.main_terms
    null_variants, boot_variants, seed, example = sp.null_variants, sp.boot_variants, sp.seed, sp.example
    tails = sp.tails
    values, totals, n, streamed = measured.values, measured.totals, measured.n, measured.streamed
    columns, scored, cost = measured.columns, measured.scored, measured.cost
    assert values is not None  # a dry run is reported by dry_run_report
    grouped: dict = {}
    for (spec, variant, term), bits in values.items():
        grouped.setdefault((spec, variant), {})[term] = bits

    def table(spec, variant=None):
        return cond.TermTable(grouped[(spec, variant)])

    latents_by_label = {"Λ": main.atoms} | ({"Λ'": second.atoms} if second else {})
    results = []
    for spec in coders:
        C = table(runs[spec])
        est = _estimates(C, X, main.atoms, sampled)
        summary = _summary(est, red_names)
        result = {
            "coder": spec,
            "coder_info": get_coder(runs[spec]).describe() | ({"fallback_for": spec} if runs[spec] != spec else {}),
            **{k: summary[k] for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation")},
            "redundancy_errors": {variant: dict(zip(red_names, vals)) for variant, vals in est["redundancy"].items()},
            "worst_redundancy": summary["worst_redundancy"],
            "weak_error": summary["weak_error"],
            "features_bits": C(frozenset(names)),
            "terms": {_term_name(t, names, latents_by_label): C(t.target, t.given) for t in main_terms.terms},
        }
        result["per_item"] = {
            **{k: result[k] / n for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation",
                                           "weak_error", "features_bits")},
            "worst_redundancy": {v: w["bits"] / n for v, w in summary["worst_redundancy"].items()},
        }
        base: dict[str, list[dict]] = {}  # per kind of baseline, its candidates' summaries
        for candidate in candidates[1:]:
            theirs = _summary(_estimates(C, X, candidate.atoms, sampled), red_names)
            base.setdefault(candidate.kind, []).append({"latent": candidate.name, **theirs})
        best_copy = min(base["copy"], key=lambda s: s["weak_error"])
        result["baselines"] = {"empty": base["empty"][0], "copy": {**best_copy, "tried": len(base["copy"])},
                               "all": base["all"][0]}
        if spec in tails:
            result["regret"] = _regret(est, _estimates(table(tails[spec]), X, main.atoms, sampled), red_names)
        if null_variants:
            draws = [cond.mediation_error(table(runs[spec], v), X, main.atoms) for v in null_variants]
            result["null"] = {"replicates": len(draws), "mean": float(np.mean(draws)),
                              "std": float(np.std(draws, ddof=1)) if len(draws) > 1 else 0.0,
                              "corrected_mediation_error": result["mediation_error"] - float(np.mean(draws))}
        if boot_variants:
            boot_draws = []
            for v in boot_variants:
                drawn = _estimates(table(runs[spec], v), X, main.atoms, sampled)
                boot_draws.append({"summary": _summary(drawn, red_names), "redundancy": drawn["redundancy"]})
            result["intervals"] = intervals.intervals(result, boot_draws, red_names, n)
        if second:
            estimate, bounds = cond.theorem1_check(C, X, main.atoms, second.atoms, names)
            tightest = min(bounds, key=lambda b: b.bound)
            result["theorem1"] = {
                "against": second.describe(), "estimate": estimate, "bound": tightest.bound,
                "partition": tightest.partition, "holds": estimate <= tightest.bound,
                "partitions": [{"partition": b.partition, "bound": b.bound, "mediation": b.mediation,
                                "redundancy_a": b.redundancy_a, "redundancy_b": b.redundancy_b} for b in bounds]}
        if sampled is not None:
            result["sampled_features"] = _sample_summary(est["redundancy"], len(names))
        result["verdict"] = _verdict(main, result, n, corpus.kind)
        results.append(result)

    return {
        "unit": "bits",
        "corpus": {"kind": corpus.kind, "source": corpus.source, "n_items": n, "features": names,
                   "example": example} | ({"stream": streamed} if streamed else {})
                  | ({"columns": columns} if columns is not None else {}),
        **_precision_notes(scored, main.atoms),
        "latent": main.describe(),
        "plan": {**totals, "null_replicates": len(null_variants),
                 "interval_replicates": len(boot_variants) // sum(intervals.PARTS),
                 "seed": seed, "estimate": cost.to_dict()}
        | ({"sampled_features": red_names} if sampled is not None else {}),
        "warnings": measured.warnings + [note for key, note in (streamed or {}).items() if key == "approximation"],
        "results": results,
    }


def dry_run_report(sp: ScorePlan, cost) -> dict:
    """The report of ``--dry-run``: the plan and its estimated cost, no results."""
    return _dry_run_report(sp.corpus, sp.main, sp.names, sp.red_names, cost, sp.the_plan, sp.null_variants,
                           sp.boot_variants, sp.seed, sp.example)


def _dry_run_report(corpus, main, names, red_names, cost, the_plan, null_variants, boot_variants, seed,
                    example) -> dict:
    return {"unit": "bits", "dry_run": True,
            "corpus": {"kind": corpus.kind, "source": corpus.source, "n_items": corpus.n_items, "features": names,
                       "example": example},
            "latent": main.describe(),
            "plan": {"jobs": len(the_plan.jobs), **cost.to_dict(), "null_replicates": len(null_variants),
                     "interval_replicates": len(boot_variants) // sum(intervals.PARTS), "seed": seed}
            | ({"sampled_features": red_names} if red_names != names else {}),
            "results": []}

def _term_name(term, features: Sequence[str], latents: dict[str, frozenset]) -> str:
    everything = frozenset(features)

    def name(atoms: frozenset) -> str:
        parts = []
        for label, latent_atoms in latents.items():
            if latent_atoms and latent_atoms <= atoms and not latent_atoms <= everything:
                parts.append(label)
                atoms = atoms - latent_atoms
        rest = atoms & everything
        if rest == everything and rest:
            parts.append("X")
        elif len(rest) == len(everything) - 1 and len(everything) > 2:
            parts.append(f"X-{{{next(iter(everything - rest))}}}")
        elif rest:
            parts.append(",".join(f for f in features if f in rest))
        return ",".join(parts) or "∅"

    return f"C({name(term.target)}" + (f" | {name(term.given)})" if term.given else ")")

def _summary(est: dict, names: Sequence[str]) -> dict:
    """The totals of one latent under one coder: worst redundancy per variant and the weak natural-latent error."""
    worst = {}
    for variant, values in est["redundancy"].items():
        i = int(np.argmax(values))
        worst[variant] = {"feature": names[i], "bits": values[i]}
    return {
        "mediation_error": est["mediation_error"],
        "latent_given_features": est["latent_given_features"],
        "kolmogorov_mediation": est["kolmogorov_mediation"],
        "worst_redundancy": worst,
        # The seed's (weak) natural-latent conditions together: mediation plus the worst weak redundancy.
        "weak_error": est["mediation_error"] + worst["weak"]["bits"],
    }


def _sample_summary(redundancy: dict[str, list[float]], n_features: int) -> dict:
    """The mean redundancy error per feature over all features, estimated from the sampled ones: the sample mean and
    its standard error with the finite-population correction (sampling without replacement from n features)."""
    out = {}
    for variant, values in redundancy.items():
        m = len(values)
        spread = float(np.std(values, ddof=1)) if m > 1 else 0.0
        out[variant] = {"mean": float(np.mean(values)),
                        "standard_error": spread / np.sqrt(m) * np.sqrt((n_features - m) / max(n_features - 1, 1)),
                        "worst_sampled": float(np.max(values))}
    return {"sampled": len(next(iter(redundancy.values()))), "of": n_features,
            "note": "per-feature redundancies of a random sample of the features: the worst is the worst sampled, "
                    "a lower bound on the worst of all", "redundancy": out}


PRECISION_FREE = ["mediation_error", "redundancy_errors.weak", "redundancy_errors.strong", "weak_error"]


def _precision_notes(columns: list[dict] | None, latent_atoms: frozenset) -> dict:
    """For a table with numeric columns: which estimates have a limit as δ → 0 (the −log2 δ terms cancel, THEORY.md
    §3) and which depend on the precision δ of the numeric columns (the latent's, for the deterministic variants)."""
    numeric = [c for c in columns or [] if c["kind"] == "numeric"]
    if not numeric:
        return {}
    latent_numeric = [c["name"] for c in numeric if c["name"] in latent_atoms]
    depends = ["features_bits"] + (["latent_given_features", "kolmogorov_mediation",
                                    "redundancy_errors.deterministic_all_but_one",
                                    "redundancy_errors.deterministic_each"] if latent_numeric else [])
    return {"precision": {"columns": {c["name"]: c["precision"] for c in numeric},
                          # the columns whose δ the user set: how many rows' values were rounded to its grid
                          "user_set": {c["name"]: c["rounded"] for c in numeric if c.get("precision_from") == "user"},
                          "precision_free": PRECISION_FREE, "depends_on_precision": depends,
                          "numeric_latent_columns": latent_numeric}}

def _verdict(latent: Latent, result: dict, n: int, kind: str) -> str:
    unit = "row" if kind == "table" else "object"
    mine = result["weak_error"]
    rivals = [(b["latent"], b["weak_error"]) for b in result["baselines"].values()]
    rival, theirs = min(rivals, key=lambda r: r[1])
    numbers = (f"{mine:,.0f} bits ({fmt_rate(mine / n)}/{unit}) against {theirs:,.0f} ({fmt_rate(theirs / n)}/{unit}) "
               f"for {rival}")
    if mine < theirs:
        return f"{latent.name} is more natural than every baseline under {result['coder']}: weak error {numbers}."
    return f"{latent.name} is not more natural than the baseline '{rival}' under {result['coder']}: weak error {numbers}."
