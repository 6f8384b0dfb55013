"""Score, step 3 of 3 — the report: the measured bits turned into every estimate, beside its baselines, calibration
and verdict (DESIGN.md, "Output contract").

The estimators (:mod:`.conditions`) run again, now on a ``TermTable`` of the bits the run measured: the mediation
error, the four redundancies, the Theorem 1 check, for the candidate and every baseline latent, under every coder;
the permutation null and the bootstrap replicates give its calibration and intervals. Rendering (table, JSON, CSV,
Markdown) is :mod:`.report`'s. Before: :mod:`.score_plan`, :mod:`.score_run`.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Sequence

import numpy as np

from . import conditions as cond
from .coders import get_coder
from .latents import Latent
from .report import fmt_rate
from .score_plan import ScorePlan, _estimates
from .score_run import Measured

__all__ = ["assemble", "dry_run_report", "bootstrap_interval", "regret_factor", "BOOTSTRAP_LEVEL"]


def assemble(sp: ScorePlan, measured: Measured) -> dict:
    """The report of a score (DESIGN.md's JSON contract) from its plan and the bits its run measured."""
    corpus, coders, runs, main, second, names, X = sp.corpus, sp.coders, sp.runs, sp.main, sp.second, sp.names, sp.X
    candidates, sampled, red_names, main_terms = sp.candidates, sp.sampled, sp.red_names, sp.main_terms
    null_variants, boot_variants, seed, example = sp.null_variants, sp.boot_variants, sp.seed, sp.example
    values, totals, n, streamed = measured.values, measured.totals, measured.n, measured.streamed
    columns, scored, cost = measured.columns, measured.scored, measured.cost
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
        base = {}
        for candidate in candidates[1:]:
            theirs = _summary(_estimates(C, X, candidate.atoms, sampled), red_names)
            base.setdefault(candidate.kind, []).append({"latent": candidate.name, **theirs})
        best_copy = min(base["copy"], key=lambda s: s["weak_error"])
        result["baselines"] = {"empty": base["empty"][0], "copy": {**best_copy, "tried": len(base["copy"])},
                               "all": base["all"][0]}
        if null_variants:
            draws = [cond.mediation_error(table(runs[spec], v), X, main.atoms) for v in null_variants]
            result["null"] = {"replicates": len(draws), "mean": float(np.mean(draws)),
                              "std": float(np.std(draws, ddof=1)) if len(draws) > 1 else 0.0,
                              "corrected_mediation_error": result["mediation_error"] - float(np.mean(draws))}
        if boot_variants:
            draws = []
            for v in boot_variants:
                drawn = _estimates(table(runs[spec], v), X, main.atoms, sampled)
                draws.append({"summary": _summary(drawn, red_names), "redundancy": drawn["redundancy"]})
            result["bootstrap"] = _bootstrap(result, draws, red_names, n, get_coder(runs[spec]).reads == "symbols")
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
        "plan": {**totals, "null_replicates": len(null_variants), "bootstrap_replicates": len(boot_variants),
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
                     "bootstrap_replicates": len(boot_variants), "seed": seed}
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


BOOTSTRAP_LEVEL = 0.95
BOOTSTRAP_COVERS = (
    "n_items x the population value of each quantity for the distribution the rows were drawn from (rows IID): "
    "each estimate minus its estimated bias, ± z·sd of the resamples (widened for the noise of the bias estimate); "
    "the bias is the permutation null's mean for the mediation error (when a null was drawn), else read from the "
    "resamples (model coders: the learning regret, (ln n − 1)·(estimate − resample mean); byte coders: the "
    "classical bootstrap bias). Measured coverage of the truth: benchmarks/RESULTS.md, 'Bootstrap coverage'")


def regret_factor(n_items: int) -> float:
    """How many times the bias of a sequential model code exceeds, with the other sign, the shift the bootstrap shows.

    A sequential (Krichevsky–Trofimov / Bayes-mixture) code with k free parameters has, on n IID rows,
    ``C = n·Ĥ + (k/2)·log2 n + O(1)`` (Rissanen's regret; THEORY.md §3), and the empirical entropy is biased by
    ``E[n·Ĥ] = n·H − k/(2 ln 2)`` (Miller 1955). So the bias of a code length is ``(k/2)·log2 n − k/(2 ln 2)``.
    A bootstrap resample has the same n and the same regret, and its empirical entropy is biased against the sample's
    by the same ``−k/(2 ln 2)``: the resamples' mean sits ``k/(2 ln 2)`` *below* the estimate while the estimate sits
    ``(k/(2 ln 2))·(ln n − 1)`` *above* the truth. Hence ``bias = −(ln n − 1)·(mean of resamples − estimate)`` for
    every code length, and, being linear, for every signed sum of them (each quantity of the report).
    """
    return max(float(np.log(n_items)) - 1.0, 1.0)

def bootstrap_interval(estimate: float, draws: Sequence[float], level: float = BOOTSTRAP_LEVEL, *,
                       bias_factor: float = -1.0, bias: float | None = None, bias_sd: float = 0.0) -> dict:
    """A bootstrap interval for one quantity, corrected for the bias that the resamples reveal or that is given.

    Why not the percentile interval ``[q_lo, q_hi]`` of the draws: a resample repeats rows (only 1 − 1/e of them
    appear, some several times), and every code learns a repeated row cheaply, so on resamples conditional code
    lengths are shorter and dependences look stronger than on the sample: percentile intervals lie beside the
    estimate, on the side away from the truth for a model coder (measured: they cover the truth 46–85 % of the time
    at nominal 95 %). Nor the *basic* interval ``[2θ̂ − q_hi, 2θ̂ − q_lo]`` (Davison & Hinkley 1997, §5.2), which
    assumes the estimate is biased like the resamples, in the same direction: for a sequential model code the
    regret makes it the other way round (:func:`regret_factor`). BCa would need a jackknife (n more scores of the
    whole table) and still assume the basic bootstrap's direction.

    So the interval is ``centre ± z·s``, the normal-theory interval around the bias-corrected estimate:
    ``centre = estimate − bias``, with ``bias`` given (the permutation null's mean for the mediation error, with its
    standard error ``bias_sd``) or ``bias_factor·(mean of draws − estimate)`` (−(ln n − 1) for model coders, +1 for
    byte coders: the classical bootstrap bias estimate, Efron & Tibshirani 1993, §10.2). ``s`` is the standard
    deviation of the draws widened for the noise of the bias estimate, ``sqrt(sd² + bias_sd²)``, where ``bias_sd`` is
    given or ``|bias_factor|·sd/√B``.

    Returns ``{"low", "high", "centre", "bias", "bias_sd", "sd", "bootstrap_mean", "estimate"}`` in the estimate's
    unit (bits); ``sd`` is the interval's ``s``, ``bias_sd`` the standard error of the bias.
    """
    draws = np.asarray(draws, dtype=float)
    mean = float(np.mean(draws))
    sd = float(np.std(draws, ddof=1)) if len(draws) > 1 else 0.0
    if bias is None:
        bias, bias_sd = bias_factor * (mean - estimate), abs(bias_factor) * sd / np.sqrt(len(draws))
    spread = float(np.hypot(sd, bias_sd))
    z = NormalDist().inv_cdf((1 + level) / 2)
    centre = estimate - bias
    return {"low": centre - z * spread, "high": centre + z * spread, "centre": float(centre), "bias": float(bias),
            "bias_sd": float(bias_sd), "sd": spread, "bootstrap_mean": mean, "estimate": float(estimate)}

def _bootstrap(result: dict, draws: list[dict], names: Sequence[str], n_items: int, model_coder: bool,
               level: float = BOOTSTRAP_LEVEL) -> dict:
    """Intervals for every quantity of ``result`` (totals, worst redundancy per variant, every feature's
    redundancy per variant) from the estimates of the bootstrap resamples ``draws``."""
    factor = -regret_factor(n_items) if model_coder else 1.0

    def interval(estimate, values, **given):
        return bootstrap_interval(estimate, values, level, bias_factor=factor, **given)

    out: dict = {"replicates": len(draws), "level": level,
                 "method": "normal, bias-corrected: " + ("regret of a sequential code, (ln n − 1) x the resampling "
                                                         "shift, reversed" if model_coder else
                                                         "the classical bootstrap bias"),
                 "covers": BOOTSTRAP_COVERS}
    out["worst_redundancy"] = {v: interval(result["worst_redundancy"][v]["bits"],
                                           [d["summary"]["worst_redundancy"][v]["bits"] for d in draws])
                               for v in cond.REDUNDANCY_VARIANTS}
    out["latent_given_features"] = interval(result["latent_given_features"],
                                            [d["summary"]["latent_given_features"] for d in draws])
    # The null estimates the whole bias of the mediation error at zero mediation: the coder's regret and the
    # finite-sample bias together, where the resamples' shift, scaled, overshoots (benchmarks/RESULTS.md).
    null = result.get("null")
    out["mediation_error"] = interval(result["mediation_error"], [d["summary"]["mediation_error"] for d in draws],
                                      **({"bias": null["mean"], "bias_sd": null["std"] / np.sqrt(null["replicates"])}
                                         if null else {}))
    # The sums keep their parts' corrections: K-mediation = mediation + C(Λ|X) (chain rule), weak error = mediation
    # + the worst weak redundancy; their spread is their own resamples'.
    for key, parts in (("kolmogorov_mediation", [out["mediation_error"], out["latent_given_features"]]),
                       ("weak_error", [out["mediation_error"], out["worst_redundancy"]["weak"]])):
        out[key] = interval(result[key], [d["summary"][key] for d in draws], bias=sum(p["bias"] for p in parts),
                            bias_sd=float(np.hypot(*[p["bias_sd"] for p in parts])))
    out["redundancy_errors"] = {
        v: {f: interval(result["redundancy_errors"][v][f], [d["redundancy"][v][i] for d in draws])
            for i, f in enumerate(names)}
        for v in cond.REDUNDANCY_VARIANTS}
    return out

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
