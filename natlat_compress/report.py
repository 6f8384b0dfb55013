"""Rendering: one function for every listing (table, JSON, CSV), plus the readable form of a score report.

JSON carries everything; tables are for people; CSV is one flat row per record. Files we write are written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, Iterable, Sequence

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


def render(data: Any, fmt: str, rows: Sequence[dict] | None = None, text: str | None = None) -> str:
    """JSON of ``data``; CSV or Markdown of ``rows``; the table: ``text`` if given, else ``rows`` aligned."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    if fmt in ("csv", "markdown"):
        return render_rows(rows or [], fmt)
    return text if text is not None else render_rows(rows or [], "table")


# -- score ------------------------------------------------------------------------------------------------------------
VARIANT_LABELS = {"weak": "weak", "strong": "strong", "deterministic_all_but_one": "det. all-but-one",
                  "deterministic_each": "det. each"}


def _latent_rows(report: dict) -> Iterable[dict]:
    n = report["corpus"]["n_items"]
    for result in report["results"]:
        entries = [(report["latent"]["name"], "candidate", result)] + [
            (b["latent"], kind, b) for kind, b in result["baselines"].items()]
        for name, role, s in entries:
            yield {
                "coder": result["coder"], "latent": name, "role": role,
                "mediation_error": s["mediation_error"],
                **{f"worst_{v}": s["worst_redundancy"][v]["bits"] for v in VARIANT_LABELS},
                "latent_given_features": s["latent_given_features"],
                "kolmogorov_mediation": s["kolmogorov_mediation"],
                "weak_error": s["weak_error"], "weak_error_per_item": s["weak_error"] / n,
            }


def score_rows(report: dict) -> list[dict]:
    """One flat record per coder and latent (the candidate, then its baselines): the CSV form of a score report."""
    return list(_latent_rows(report))


def score_text(report: dict) -> str:
    """The readable form: per coder, the candidate beside its baselines, calibration, and a one-line verdict."""
    corpus, latent = report["corpus"], report["latent"]
    n = corpus["n_items"]
    unit = "row" if corpus["kind"] == "table" else "object"
    source = Path(corpus["source"]).name if corpus["source"] else corpus["kind"]
    head = [f"natlat score: {source}{' (the embedded example)' if corpus['example'] else ''}: "
            f"{n:,} {unit}s, {len(corpus['features'])} features; latent Λ = {latent['name']}"]
    if corpus["example"]:
        head.append("  (no corpus given: the 1984 House votes, with the party column Class as the candidate latent)")
    head.append("All errors are code lengths in bits over the whole corpus; lower is more natural. "
                f"weak error = mediation + worst weak redundancy; /{unit} divides by {n:,}.")
    if "stream" in corpus:
        head.append(f"Approximation: {corpus['stream']['approximation']}.")
    out = ["\n".join(head)]
    rows = score_rows(report)
    for result in report["results"]:
        info = result["coder_info"]
        reach = f"reach {info['reach_bytes']:,} bytes" if info["reach_bytes"] else "unbounded reach"
        block = [f"{result['coder']}  ({info['conditioning']} conditioning, {reach})"]
        table = [{"latent": r["latent"], "mediation": fmt_bits(r["mediation_error"]),
                  **{VARIANT_LABELS[v]: fmt_bits(r[f"worst_{v}"]) for v in VARIANT_LABELS},
                  "weak error": fmt_bits(r["weak_error"]), f"/{unit}": fmt_rate(r["weak_error_per_item"])}
                 for r in rows if r["coder"] == result["coder"]]
        block.append("worst redundancy per variant; the copy baseline is the best of "
                     f"{result['baselines']['copy']['tried']} single-feature copies")
        block.append(render_rows(table, "table"))
        block.append(f"C(X) = {fmt_bits(result['features_bits'])} bits ({fmt_rate(result['per_item']['features_bits'])}/"
                     f"{unit});  C(Λ|X) = {fmt_bits(result['latent_given_features'])};  "
                     f"K-mediation C(Λ)+Σ C(X_i|Λ)-C(X) = {fmt_bits(result['kolmogorov_mediation'])}")
        worst = {VARIANT_LABELS[v]: w["feature"] for v, w in result["worst_redundancy"].items()}
        block.append("worst features: " + ", ".join(f"{k}: {v}" for k, v in worst.items()))
        if "null" in result:
            null = result["null"]
            block.append(f"mediation null ({null['replicates']} shuffles within Λ, true mediation 0): "
                         f"mean {fmt_bits(null['mean'])} ± {fmt_bits(null['std'])} → corrected mediation "
                         f"{fmt_bits(null['corrected_mediation_error'])} bits "
                         f"({fmt_rate(null['corrected_mediation_error'] / n)}/{unit})")
        if "bootstrap" in result:
            boot = result["bootstrap"]
            block.append(f"95% bootstrap intervals ({boot['replicates']} resamples of rows): mediation "
                         f"[{fmt_bits(boot['mediation_error']['low'])}, {fmt_bits(boot['mediation_error']['high'])}], "
                         f"weak error [{fmt_bits(boot['weak_error']['low'])}, {fmt_bits(boot['weak_error']['high'])}]")
        if "theorem1" in result:
            t = result["theorem1"]
            block.append(f"Theorem 1 against Λ' = {t['against']['name']}: C(Λ'|Λ) = {fmt_bits(t['estimate'])} "
                         f"{'≤' if t['holds'] else '>'} {fmt_bits(t['bound'])} = I(X_A;X_B|Λ) + C(Λ'|X_A) + "
                         f"C(Λ'|X_B) at A|B = {t['partition']}: {'holds' if t['holds'] else 'VIOLATED'}")
        block.append("verdict: " + result["verdict"])
        out.append("\n".join(block))
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
