"""Rendering: one function for every listing (table, JSON, CSV), plus the readable form of a score report.

JSON carries everything; tables are for people; CSV is one flat row per record. Files we write are written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, Sequence

from .output import write_atomic  # re-exported: where writers found it first

__all__ = ["FORMATS", "render", "render_rows", "score_rows", "score_text", "priors_text", "write_atomic", "fmt_bits",
           "fmt_rate"]

FORMATS = ("table", "json", "csv", "markdown")


def fmt_bits(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def fmt_bytes(size: float) -> str:
    """``20 kB``, ``64 MB``, ``1.5 GB`` (powers of 1000)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:,.3g} {unit}"
    return f"{size:,.0f} bytes"


def fmt_rate(value: float) -> str:
    """A per-row or per-object figure: three decimals while small, whole numbers once large."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_rows(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> str:
    """A list of flat records as an aligned text table, a JSON list, CSV with a header, or a Markdown table."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        return json.dumps(list(rows), indent=2, ensure_ascii=False)
    if fmt == "markdown":
        numeric = [all(_is_number(r.get(c)) for r in rows) for c in columns]
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
        lines += ["| " + " | ".join(_cell(r.get(c)).replace("|", "\\|") for c in columns) + " |" for r in rows]
        return "\n".join(lines)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[j]) for row in cells]) for j, c in enumerate(columns)]
    numeric = [all(_is_number(r.get(c)) for r in rows) for c in columns]
    lines = ["  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(columns, widths, numeric))]
    lines += ["  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(row, widths, numeric)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _is_number(value: Any) -> bool:
    if isinstance(value, str):  # pre-formatted figures align like numbers
        return value.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def render(data: Any, fmt: str, rows: Sequence[dict] | None = None, text: str | None = None,
           markdown: str | None = None) -> str:
    """JSON of ``data``; CSV of ``rows``; Markdown: ``markdown`` if given, else ``rows``; the table: ``text`` if
    given, else ``rows`` aligned."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    if fmt == "markdown" and markdown is not None:
        return markdown
    if fmt in ("csv", "markdown"):
        return render_rows(rows or [], fmt)
    return text if text is not None else render_rows(rows or [], "table")


# -- score ------------------------------------------------------------------------------------------------------------
VARIANT_LABELS = {"weak": "weak", "strong": "strong", "deterministic_all_but_one": "det. all-but-one",
                  "deterministic_each": "det. each"}
TOTALS = ("mediation_error", "latent_given_features", "kolmogorov_mediation", "weak_error")

# The columns of the tidy CSV: one row per coder × latent × quantity × feature (empty for whole-corpus totals).
SCORE_COLUMNS = ["coder", "latent", "role", "quantity", "feature", "bits", "per_item", "null_mean", "null_std",
                 "null_corrected", "low", "high", "level", "centre", "note"]


def _row(result: dict, n: int, latent: str, role: str, quantity: str, bits: float | None, feature: str = "",
         interval: dict | None = None, level: float | None = None, note: str = "", **extra) -> dict:
    row = dict.fromkeys(SCORE_COLUMNS) | {"coder": result["coder"], "latent": latent, "role": role, "quantity": quantity, "feature": feature,
           "bits": bits, "per_item": bits / n if bits is not None else None, "note": note, **extra}
    if interval:
        row.update(low=interval["low"], high=interval["high"], level=level, centre=interval["centre"])
    return row


def score_rows(report: dict) -> list[dict]:
    """The tidy form of a score report (``--format csv``): one record per coder × latent × quantity × feature.

    Quantities: the totals (``mediation_error``, ``latent_given_features``, ``kolmogorov_mediation``,
    ``weak_error``, ``features_bits``), ``redundancy_<variant>`` per feature (candidate), ``worst_redundancy_<variant>``
    (every latent; ``feature`` names the worst), ``theorem1_estimate`` and per partition ``theorem1_bound`` and its
    three parts (``feature`` is the partition A | B), and ``verdict`` (its text in ``note``). ``low``/``high`` are the
    95 % interval (``--intervals``) at ``level`` around ``centre``; ``null_*`` the permutation null of the mediation error.
    """
    n = report["corpus"]["n_items"]
    name = report["latent"]["name"]
    rows: list[dict] = []
    for result in report["results"]:
        boot = result.get("intervals", {})
        level = boot.get("level")
        for key in TOTALS:
            extra = {}
            if key == "mediation_error" and "null" in result:
                null = result["null"]
                extra = {"null_mean": null["mean"], "null_std": null["std"],
                         "null_corrected": null["corrected_mediation_error"]}
            rows.append(_row(result, n, name, "candidate", key, result[key], interval=boot.get(key), level=level,
                             **extra))
        rows.append(_row(result, n, name, "candidate", "features_bits", result["features_bits"]))
        for variant, per_feature in result["redundancy_errors"].items():
            intervals = boot.get("redundancy_errors", {}).get(variant, {})
            rows += [_row(result, n, name, "candidate", f"redundancy_{variant}", bits, feature,
                          intervals.get(feature), level) for feature, bits in per_feature.items()]
        for variant, worst in result["worst_redundancy"].items():
            rows.append(_row(result, n, name, "candidate", f"worst_redundancy_{variant}", worst["bits"],
                             worst["feature"], boot.get("worst_redundancy", {}).get(variant), level))
        for role, baseline in result["baselines"].items():
            note = f"best of {baseline['tried']} single-feature copies" if role == "copy" else ""
            rows += [_row(result, n, baseline["latent"], role, key, baseline[key], note=note) for key in TOTALS]
            rows += [_row(result, n, baseline["latent"], role, f"worst_redundancy_{variant}", worst["bits"],
                          worst["feature"], note=note) for variant, worst in baseline["worst_redundancy"].items()]
        if "theorem1" in result:
            t = result["theorem1"]
            against = t["against"]["name"]
            rows.append(_row(result, n, name, "candidate", "theorem1_estimate", t["estimate"],
                             note=f"C(Λ'|Λ) for Λ' = {against}; {'holds' if t['holds'] else 'VIOLATED'} at "
                                  f"{t['partition']} (bound {t['bound']:.6g})"))
            for part in t["partitions"]:
                tightest = "tightest" if part["partition"] == t["partition"] else ""
                rows += [_row(result, n, name, "candidate", f"theorem1_{key}", part[key], part["partition"],
                              note=tightest) for key in ("bound", "mediation", "redundancy_a", "redundancy_b")]
        rows.append(_row(result, n, name, "candidate", "verdict", None, note=result["verdict"]))
    return rows


def plan_line(cost: dict) -> str:
    """The one line every score run prints first: the work left, what the cache answers, and the estimated cost."""
    work = [f"{fmt_bytes(cost['bytes'])} to compress"] if cost["bytes"] or not cost["cells"] else []
    work += [f"{cost['cells']:,} cells to model"] if cost["cells"] else []
    return (f"plan: {cost['compressions']:,} jobs left ({' and '.join(work)}), {cost['cached']:,} from the cache; "
            f"about {_duration(cost['estimated_seconds'])} on "
            f"{cost['workers']} worker{'s' if cost['workers'] != 1 else ''}, "
            f"{fmt_bytes(cost['estimated_peak_memory_bytes'])} per process")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def dry_run_text(report: dict) -> str:
    corpus, plan = report["corpus"], report["plan"]
    lines = [f"{corpus['source']}: {corpus['n_items']:,} {'rows' if corpus['kind'] == 'table' else 'objects'}, "
             f"{len(corpus['features'])} features, latent {report['latent']['name']}",
             plan_line(plan),
             f"jobs: {plan['jobs']:,} in all; null replicates {plan['null_replicates']}, interval replicates "
             f"{plan['interval_replicates']}"]
    if "sampled_features" in plan:
        lines.append(f"per-feature redundancies of {len(plan['sampled_features'])} sampled features")
    lines.append("dry run: nothing was computed")
    return "\n".join(lines)


def _with_interval(value: float, interval: dict | None) -> str:
    return fmt_bits(value) + (f" [{fmt_bits(interval['low'])}, {fmt_bits(interval['high'])}]" if interval else "")


def score_text(report: dict, markdown: bool = False) -> str:
    """The readable form (or Markdown): per coder, the candidate beside its baselines, every feature's redundancies,
    the calibration, the intervals and what they cover, the Theorem 1 check, and a one-line verdict."""
    fmt = "markdown" if markdown else "table"
    corpus, latent = report["corpus"], report["latent"]
    n = corpus["n_items"]
    unit = "row" if corpus["kind"] == "table" else "object"
    source = Path(corpus["source"]).name if corpus["source"] else corpus["kind"]
    title = (f"natlat score: {source}{' (the embedded example)' if corpus['example'] else ''}: "
             f"{n:,} {unit}s, {len(corpus['features'])} features; latent Λ = {latent['name']}")
    head = [f"# {title}" if markdown else title]
    if corpus["example"]:
        head.append("  (no corpus given: the 1984 House votes, with the party column Class as the candidate latent)")
    head.append("All errors are code lengths in bits over the whole corpus; lower is more natural. "
                f"weak error = mediation + worst weak redundancy; /{unit} divides by {n:,}.")
    if "approximation" in corpus.get("stream", {}):
        head.append(f"Approximation: {corpus['stream']['approximation']}.")
    if "exact" in corpus.get("stream", {}):
        head.append(f"Streamed: {corpus['stream']['exact']}.")
    if "precision" in report:
        precision = report["precision"]
        head.append("Numeric columns (coded by model coders at precision δ): "
                    + ", ".join(f"{name} δ={delta:g}" + (f" (set by the user; {precision['user_set'][name]:,} values "
                                                         "rounded to its grid)" if name in precision.get("user_set", {})
                                                         else "") for name, delta in precision["columns"].items())
                    + ". Mediation, weak and strong redundancy are precision-free; "
                    + ("C(Λ|X) and the deterministic variants depend on the latent's δ."
                       if precision["numeric_latent_columns"] else "the feature code lengths depend on δ."))
    for warning in report.get("warnings", []) if markdown else []:
        head.append(f"Warning: {warning}")
    # Markdown paragraphs need a blank line between them; the terminal reads one line each.
    sep = "\n\n" if markdown else "\n"
    out = [sep.join(head)]
    for result in report["results"]:
        info = result["coder_info"]
        reach = f"reach {info['reach_bytes']:,} bytes" if info["reach_bytes"] else "unbounded reach"
        coder_line = f"{result['coder']}  ({info['conditioning']} conditioning, {reach})"
        block = [f"## {coder_line}" if markdown else coder_line]
        entries = [(latent["name"], result)] + [(b["latent"], b) for b in result["baselines"].values()]
        table = [{"latent": name, "mediation": fmt_bits(s["mediation_error"]),
                  **{VARIANT_LABELS[v]: fmt_bits(w["bits"]) for v, w in s["worst_redundancy"].items()},
                  "weak error": fmt_bits(s["weak_error"]), f"/{unit}": fmt_rate(s["weak_error"] / n)}
                 for name, s in entries]
        block.append("worst redundancy per variant; the copy baseline is the best of "
                     f"{result['baselines']['copy']['tried']} single-feature copies")
        block.append(render_rows(table, fmt))
        block.append(f"C(X) = {fmt_bits(result['features_bits'])} bits ({fmt_rate(result['per_item']['features_bits'])}/"
                     f"{unit});  C(Λ|X) = {fmt_bits(result['latent_given_features'])};  "
                     f"K-mediation C(Λ)+Σ C(X_i|Λ)-C(X) = {fmt_bits(result['kolmogorov_mediation'])}")
        boot = result.get("intervals")
        per_feature = [{"feature": f, **{VARIANT_LABELS[v]: _with_interval(result["redundancy_errors"][v][f],
                                                                           boot["redundancy_errors"][v][f] if boot
                                                                           else None)
                                         for v in VARIANT_LABELS}}
                       for f in result["redundancy_errors"]["weak"]]  # with --sample-features, the sampled ones
        sampled = " (the sampled features)" if "sampled_features" in result else ""
        block.append(f"redundancy of Λ per feature{sampled}, every variant{' with its interval' if boot else ''}:")
        block.append(render_rows(per_feature, fmt))
        if "null" in result:
            null = result["null"]
            block.append(f"mediation null ({null['replicates']} shuffles within Λ, true mediation 0): "
                         f"mean {fmt_bits(null['mean'])} ± {fmt_bits(null['std'])} → corrected mediation "
                         f"{fmt_bits(null['corrected_mediation_error'])} bits "
                         f"({fmt_rate(null['corrected_mediation_error'] / n)}/{unit})")
        if "regret" in result:  # the learning code's sample-size regret in each estimate (score --regret)
            regret, totals = result["regret"], (("mediation", "mediation_error"), ("C(Λ|X)", "latent_given_features"),
                                                ("K-mediation", "kolmogorov_mediation"))
            block.append("sample-size regret (estimate − tail estimate), bits: "
                         + ", ".join(f"{label} {fmt_bits(regret[key], 1)}" for label, key in totals)
                         + "; largest per redundancy variant: "
                         + ", ".join(f"{VARIANT_LABELS[v]} {fmt_bits(max(regret['redundancy_errors'][v].values()), 1)}"
                                     for v in VARIANT_LABELS)
                         + ". Tail estimates: "
                         + ", ".join(f"{label} {fmt_bits(regret['tail'][key], 1)}" for label, key in totals))
        if boot:
            parts = ", ".join(f"{label} {_with_interval(boot[key]['centre'], boot[key])}" for label, key in
                              (("mediation", "mediation_error"), ("C(Λ|X)", "latent_given_features"),
                               ("K-mediation", "kolmogorov_mediation"), ("weak error", "weak_error")))
            block.append(f"{boot['level']:.0%} intervals ({boot['replicates']} random splits of the rows into halves "
                         f"and quarters; centre "
                         f"[low, high]): {parts}. They cover {boot['covers']}.")
        if "theorem1" in result:
            t = result["theorem1"]
            block.append(f"Theorem 1 against Λ' = {t['against']['name']}: C(Λ'|Λ) = {fmt_bits(t['estimate'])} "
                         f"{'≤' if t['holds'] else '>'} {fmt_bits(t['bound'])} = I(X_A;X_B|Λ) + C(Λ'|X_A) + "
                         f"C(Λ'|X_B) at A|B = {t['partition']}: {'holds' if t['holds'] else 'VIOLATED'} "
                         f"(tightest of {len(t['partitions'])} partitions)")
        block.append(("**verdict**: " if markdown else "verdict: ") + result["verdict"])
        out.append(sep.join(block))
    return "\n\n".join(out)


# -- priors -----------------------------------------------------------------------------------------------------------
def priors_text(report: dict) -> str:
    """The readable form of a priors report: the agents, the gap, the compiler bound, the widened errors."""
    a, b = report["agents"]["a"], report["agents"]["b"]
    gap, compiler = report["gap"], report["compiler_bound"]
    unit = "row" if report["corpus"]["kind"] == "table" else "item"
    out = [f"natlat priors: {Path(report['corpus']['source']).name}: {report['corpus']['n_items']:,} {unit}s",
           f"agent A: {a['label']}    agent B: {b['label']}",
           "",
           f"gap C_A − C_B per {unit}, bits: mean {gap['mean']:,.1f}, median {gap['median']:,.1f}, "
           f"5%–95% [{gap['q05']:,.1f}, {gap['q95']:,.1f}], largest |gap| {gap['max_abs']:,.1f}, "
           f"total {gap['total']:,.0f}"]
    for key, who in (("a_costs_more", "A"), ("b_costs_more", "B")):
        if gap[key]:
            out.append(f"  {who} pays most on: " + ", ".join(f"{e['item']} ({e['gap']:+,.0f})" for e in gap[key]))
    out += ["",
            f"compiler bound: C_A(D_B|D_A) = {fmt_bits(compiler['a_describes_b']['bits'])} bits, "
            f"C_B(D_A|D_B) = {fmt_bits(compiler['b_describes_a']['bits'])} bits "
            f"against the largest measured |gap| {gap['max_abs']:,.0f}"
            + ("" if compiler["same_base_coder"] else " (different base coders: add the cost of translating one "
               "coder into the other)")]
    if "widened" in report:
        w = report["widened"]
        rows = [{"error": name, "A": fmt_bits(e["a"]), "B": fmt_bits(e["b"]), "widening": fmt_bits(e["widening"]),
                 "A's bound": f"[{fmt_bits(e['a_low'])}, {fmt_bits(e['a_high'])}]", "covers B": e["covers_b"]}
                for name, e in [("mediation", w["mediation_error"]), ("C(Λ|X)", w["latent_given_features"]),
                                ("K-mediation", w["kolmogorov_mediation"])]
                + [(f"{VARIANT_LABELS[v]} (worst: {f})", e) for v, per in w["redundancy_errors"].items()
                   for f, e in [max(per.items(), key=lambda kv: kv[1]["a"])]]]
        out += ["", f"errors for latent {w['latent']['name']} under each agent, widened by Σ|c_k|·|C_A − C_B| "
                    "over their terms:", render_rows(rows, "table"),
                f"every error of every feature covered: {'yes' if w['all_covered'] else 'NO'}"]
    return "\n".join(out)
