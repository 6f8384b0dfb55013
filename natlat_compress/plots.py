"""Pictures of a score report and of a bench report (the ``plot`` extra: matplotlib), written atomically.

The format follows the file's suffix: ``.png`` or ``.svg``. Labels that could collide (feature and coder names) sit
on a vertical axis, one per line, so they never overlap however many there are.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Sequence

from .errors import NatlatError

__all__ = ["score_plot", "score_figure", "bench_plot", "check_plot_path", "PLOT_FORMATS"]

PLOT_FORMATS = ("png", "svg")
VARIANT_TITLES = {"weak": "weak redundancy\nC(Λ|X₋ᵢ) − C(Λ|X)", "strong": "strong redundancy\nC(Λ|Xᵢ) − C(Λ|X)",
                  "deterministic_all_but_one": "deterministic, all but one\nC(Λ|X₋ᵢ)",
                  "deterministic_each": "deterministic, each alone\nC(Λ|Xᵢ)"}
BENCH_MEASURES = (("bits_per_byte", "bits per byte (lower is better)", False),
                  ("compress_mb_s", "compress MB/s (wall, best of N)", True),
                  ("decompress_mb_s", "decompress MB/s (wall, best of N)", True),
                  ("peak_memory_mb", "peak memory MB (one call)", False),
                  ("idempotency", "idempotency (C(ss) − C(s)) / C(s)", False),
                  ("excess_bits_per_symbol", "excess over the entropy, bits/symbol", False))


def _pyplot(path: str | os.PathLike):
    """matplotlib's pyplot on a file-only backend, and the format of ``path``; errors name what is valid."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise NatlatError(f"cannot draw {Path(path).name!r}: the plot's file must end in "
                          f"{' or '.join('.' + f for f in PLOT_FORMATS)}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise NatlatError("--plot needs matplotlib: pip install 'natlat_compress[plot]'") from None
    return plt, fmt


def check_plot_path(path: str | os.PathLike) -> None:
    """Fail before any work if ``path`` cannot be drawn: a suffix other than .png/.svg, or no matplotlib."""
    _pyplot(path)


def _save(fig, plt, path, fmt: str) -> None:
    from .report import write_atomic

    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight")
    plt.close(fig)
    write_atomic(path, buffer.getvalue())


def _error_bars(values: Sequence[float], intervals: Sequence[dict] | None):
    """matplotlib's asymmetric ``xerr`` for intervals that need not contain the value (bias-corrected ones)."""
    if not intervals:
        return None
    return [[max(v - i["low"], 0) for v, i in zip(values, intervals)],
            [max(i["high"] - v, 0) for v, i in zip(values, intervals)]]


def score_plot(report: dict, path: str | os.PathLike) -> None:
    """:func:`score_figure` written to ``path`` (.png or .svg), atomically."""
    plt, fmt = _pyplot(path)
    _save(score_figure(report, plt), plt, path, fmt)


def score_figure(report: dict, plt=None):
    """Per coder, one row of panels: the mediation error of the candidate and its baselines (with the permutation
    null's band, mean ± 2 sd, and the candidate's interval), then each redundancy variant per feature with
    its interval. Bits over the whole corpus, as the report gives them. Returns the matplotlib figure (drawn with
    ``plt``, default pyplot as the session has it: inline in a notebook)."""
    if plt is None:
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise NatlatError("plot() needs matplotlib: pip install 'natlat_compress[plot]'") from None
    # the features whose redundancies were computed (all of them, or those --sample-features drew)
    features = list(report["results"][0]["redundancy_errors"]["weak"]) if report["results"] else []
    results = report["results"]
    name = report["latent"]["name"]
    height = max(3.0, 0.28 * len(features) + 1.6)
    fig, axes = plt.subplots(len(results), 5, figsize=(19, height * len(results)), squeeze=False, layout="constrained",
                             gridspec_kw={"width_ratios": [1.2, 1, 1, 1, 1]})
    for row, result in zip(axes, results):
        boot = result.get("intervals", {})
        # Mediation: the candidate and its baselines.
        ax = row[0]
        latents = [name] + [b["latent"] for b in result["baselines"].values()]
        values = [result["mediation_error"]] + [b["mediation_error"] for b in result["baselines"].values()]
        positions = list(range(len(latents)))[::-1]
        ax.barh(positions, values, color=["C0"] + ["0.7"] * (len(values) - 1), height=0.6)
        if "mediation_error" in boot:
            interval = boot["mediation_error"]
            ax.errorbar([interval["centre"]], [positions[0]], xerr=_error_bars([interval["centre"]], [interval]),
                        fmt="D", color="k", ms=4, capsize=3, label=f"{boot['level']:.0%} interval (bias-corrected)")
        if "null" in result:
            null = result["null"]
            ax.axvspan(null["mean"] - 2 * null["std"], null["mean"] + 2 * null["std"], color="C1", alpha=0.25,
                       label="null: mean ± 2 sd (true mediation 0)")
            ax.axvline(null["mean"], color="C1", lw=1)
        ax.set_yticks(positions, latents)
        ax.set_title(f"{result['coder']}: mediation error\nΣ C(Xᵢ|Λ) − C(X|Λ)", fontsize=9)
        ax.set_xlabel("bits")
        ax.axvline(0, color="k", lw=0.5)
        if "null" in result or boot:  # below the panel: never over a bar
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.02 - 0.6 / height), frameon=False)
        # Redundancy variants, per feature.
        positions = list(range(len(features)))[::-1]
        for ax, (variant, title) in zip(row[1:], VARIANT_TITLES.items()):
            values = [result["redundancy_errors"][variant][f] for f in features]
            intervals = [boot["redundancy_errors"][variant][f] for f in features] if boot else None
            ax.barh(positions, values, color="C0", alpha=0.6, height=0.6, label="estimate")
            if intervals:
                centres = [i["centre"] for i in intervals]
                ax.errorbar(centres, positions, xerr=_error_bars(centres, intervals), fmt="D", color="k", ms=3,
                            capsize=2, lw=1, label=f"{boot['level']:.0%} interval: its centre and ends")
                if ax is row[1]:
                    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.02 - 0.6 / height),
                              frameon=False)
            ax.set_yticks(positions, features if ax is row[1] else [""] * len(features))
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("bits")
            ax.axvline(0, color="k", lw=0.5)
    corpus = report["corpus"]
    fig.suptitle(f"natlat score: {Path(corpus['source']).name if corpus['source'] else corpus['kind']}, "
                 f"{corpus['n_items']:,} {'rows' if corpus['kind'] == 'table' else 'objects'}, latent Λ = {name}",
                 fontsize=10)
    return fig


def bench_plot(report: dict, path: str | os.PathLike) -> None:
    """One panel per measure, coders down the side, one marker per file (the legend); filled markers are on the
    Pareto front of compress speed and bits per byte for that file, hollow ones are not."""
    plt, fmt = _pyplot(path)
    from matplotlib.lines import Line2D
    from matplotlib.ticker import NullFormatter

    rows = report["rows"]
    coders = list(dict.fromkeys(r["coder"] for r in rows))
    files = sorted({r["file"] for r in rows})
    measures = [m for m in BENCH_MEASURES if any(r.get(m[0]) is not None for r in rows)]
    position = {coder: len(coders) - 1 - i for i, coder in enumerate(coders)}
    fig, axes = plt.subplots(1, len(measures), figsize=(3.3 * len(measures) + 1.5, 0.26 * len(coders) + 2.2),
                             sharey=True, squeeze=False)
    markers = "osD^vP*X"
    for ax, (key, label, log) in zip(axes[0], measures):
        for j, file in enumerate(files):
            mine = [r for r in rows if r["file"] == file and r.get(key) is not None]
            for on_front in (True, False):
                chosen = [r for r in mine if bool(r["pareto"]) == on_front]
                if not chosen:
                    continue
                offset = (j - (len(files) - 1) / 2) * 0.12  # files side by side, never on top of each other
                ax.scatter([r[key] for r in chosen], [position[r["coder"]] + offset for r in chosen], s=22,
                           marker=markers[j % len(markers)], color=f"C{j % 10}",
                           facecolors=f"C{j % 10}" if on_front else "none",
                           label=Path(file).name if on_front or not any(r["pareto"] for r in mine) else None)
        if log and all(r[key] > 0 for r in rows if r.get(key) is not None):
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels of a short log axis run into each other
        ax.set_xlabel(label, fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(range(len(coders)), coders[::-1], fontsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    handles += [Line2D([], [], marker="o", color="0.3", ls="", label="filled: on the Pareto front"),
                Line2D([], [], marker="o", color="0.3", mfc="none", ls="", label="hollow: off the front")]
    fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 4), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 1.0))
    meta = report["meta"]
    fig.suptitle(f"natlat bench: {meta['cpu']}, Python {meta['python']}, {meta['date'][:10]}", fontsize=9, y=1.06)
    fig.tight_layout()
    _save(fig, plt, path, fmt)
