"""What the Python functions return: one object per command, the same data as its ``--format json``.

Each result *is* the dictionary the command prints as JSON (a ``dict`` subclass: every key of the JSON contract is
there, and ``json.dumps(result)`` works), with attributes for what people read, ``to_dict()``, ``to_frame()`` (a tidy
pandas DataFrame; the ``pandas`` extra), a ``repr`` that reads like the command's table and ``_repr_html_`` for
notebooks. The CLI renders exactly these objects, so a command's JSON equals its function's ``to_dict()``.
"""

from __future__ import annotations

import html
import os
from typing import Any, ClassVar

from .errors import MissingExtraError

__all__ = ["Result", "ScoreResult", "DiscoverResult", "PriorsResult", "BenchResult", "BitsResult", "AxiomsResult", "NcdResult",
           "SynthResult"]


class Result(dict):
    """A command's result: its JSON object, readable in a terminal or a notebook.

    >>> import natlat_compress as nc
    >>> result = nc.bits(b"abc" * 100, coder="zstd:19")       # a BitsResult
    >>> isinstance(result, dict), result["coder"], result.bits == result["bits"]
    (True, 'zstd:19', True)
    """

    command: ClassVar[str] = ""

    def to_dict(self) -> dict:
        """The plain dictionary ``--format json`` prints.

        >>> import json
        >>> import natlat_compress as nc
        >>> report = nc.bits(b"abc" * 100, coder="zstd:19").to_dict()
        >>> type(report).__name__, sorted(report) == sorted(json.loads(json.dumps(report)))
        ('dict', True)
        """
        return dict(self)

    def rows(self) -> list[dict]:
        """Flat records: what ``--format csv`` prints, and what :meth:`to_frame` holds.

        >>> import natlat_compress as nc
        >>> [row["item"] for row in nc.ncd([b"ab" * 50, b"ba" * 50], coder="zstd:19").rows()]
        ['item 1', 'item 2']
        """
        return [dict(self)]

    def text(self) -> str:
        """What the command prints by default (``--format table``); also the ``repr``.

        >>> import natlat_compress as nc
        >>> nc.bits(b"abc" * 100, coder="zstd:19").text().split()[:7]
        ['file', 'given', 'coder', 'conditioning', 'bytes', 'bits', 'bits_per_byte']
        """
        from .report import render_rows

        return render_rows(self.rows(), "table")

    def to_frame(self):
        """The records of :meth:`rows` as a pandas DataFrame (the ``pandas`` extra).

        >>> import natlat_compress as nc
        >>> frame = nc.ncd([b"ab" * 50, b"ba" * 50], coder="zstd:19").to_frame()
        >>> list(frame.columns), len(frame)
        (['item', 'item 1', 'item 2'], 2)
        """
        try:
            import pandas as pd
        except ImportError:
            raise MissingExtraError("to_frame() needs pandas: pip install 'natlat_compress[pandas]'") from None
        return pd.DataFrame.from_records(self.rows())

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's console
        printer.text(self.text())

    def _repr_html_(self) -> str:
        return f"<pre style=\"font-size: 90%\">{html.escape(self.text())}</pre>"


class ScoreResult(Result):
    """``natlat score``: the errors of a latent under each coder, its baselines, calibration and verdict.

    The attributes read the first coder's result; ``result.coders[spec]`` gives any other. All values in bits over
    the whole corpus (``per_item`` in each coder's result divides them by the number of rows or objects).

    >>> import natlat_compress as nc
    >>> table = nc.synth("noisy_copies", rows=300).table         # six noisy copies of L
    >>> result = nc.score(table, "L", coder=["model", "zstd:3"], null=3, jobs=1)
    >>> sorted(result.coders), result.verdict.startswith("L is more natural than every baseline")
    (['model', 'zstd:3'], True)
    >>> result.weak_error < result.coders["model"]["baselines"]["all"]["weak_error"]
    True
    >>> sorted(result.redundancy_errors), len(result.redundancy_errors["weak"])
    (['deterministic_all_but_one', 'deterministic_each', 'strong', 'weak'], 6)
    >>> result.null["replicates"], result.intervals, result.theorem1      # none asked for: intervals=, against=
    (3, None, None)
    >>> nc.score(table, "L", dry_run=True).plan["compressions"] > 0      # the cost, before any work
    True
    """

    command = "score"

    @property
    def coders(self) -> dict[str, dict]:
        """Each coder's result, by its spec."""
        return {r["coder"]: r for r in self["results"]}

    @property
    def _first(self) -> dict:
        if not self["results"]:
            raise AttributeError("a dry run has no estimates (see .plan)")
        return self["results"][0]

    @property
    def mediation_error(self) -> float:
        """``Σ_i C(X_i|Λ) − C(X|Λ)`` in bits (THEORY.md §1)."""
        return self._first["mediation_error"]

    @property
    def weak_error(self) -> float:
        """Mediation plus the worst weak redundancy, in bits: the verdict's measure."""
        return self._first["weak_error"]

    @property
    def redundancy_errors(self) -> dict[str, dict[str, float]]:
        """``{variant: {feature: bits}}`` for the four redundancy variants."""
        return self._first["redundancy_errors"]

    @property
    def null(self) -> dict | None:
        """The permutation null of mediation: ``replicates``, ``mean``, ``std``, ``corrected_mediation_error``
        (None with ``null=0`` or for texts)."""
        return self._first.get("null")

    @property
    def intervals(self) -> dict | None:
        """95 % intervals of every estimate (None unless ``intervals=`` replicates were asked for)."""
        return self._first.get("intervals")

    @property
    def theorem1(self) -> dict | None:
        """The Theorem 1 check of ``C(Λ'|Λ)`` against its bound (None unless ``against=`` gave a second latent)."""
        return self._first.get("theorem1")

    @property
    def verdict(self) -> str:
        """One sentence: is the latent more natural than the baselines, by weak error?"""
        return self._first["verdict"]

    @property
    def plan(self) -> dict:
        """The plan and its cost: jobs, compressions, bytes, estimated seconds and peak memory."""
        return self["plan"]

    def plot(self, path: str | os.PathLike | None = None):
        """Mediation (with the null band and intervals) and every redundancy variant per feature, per coder: the
        matplotlib axes, or written to ``path`` (.png/.svg) as ``natlat score --plot`` does (the ``plot`` extra).

        >>> import natlat_compress as nc
        >>> axes = nc.score(null=3, jobs=1).plot()        # the embedded example: House votes, latent Class
        >>> len(axes), axes[0].get_title().splitlines()[0]
        (5, 'model: mediation error')
        """
        from .plots import score_figure, score_plot

        if self.get("dry_run"):
            raise AttributeError("a dry run has no estimates to plot")
        if path is not None:
            score_plot(self, path)
            return None
        return score_figure(self).axes

    def rows(self) -> list[dict]:
        from .report import score_rows

        return [self["plan"]] if self.get("dry_run") else score_rows(self)

    def text(self) -> str:
        from .report import dry_run_text, score_text

        return dry_run_text(self) if self.get("dry_run") else score_text(self)


class DiscoverResult(Result):
    """``natlat discover``: candidate latents, cross-fitted and ranked by weak error per row.

    >>> import natlat_compress as nc
    >>> found = nc.discover(nc.synth("noisy_copies", rows=300).table, exclude=["L"], jobs=1)
    >>> best = found.candidates[0]
    >>> best["kind"], best["rank"], best["weak_error"] <= found.candidates[1]["weak_error"]
    ('latent_classes', 1, True)
    """

    command = "discover"

    @property
    def candidates(self) -> list[dict]:
        """Every candidate, best (lowest weak error per row) first."""
        return self["candidates"]

    def rows(self) -> list[dict]:
        from .discover import discover_rows

        return discover_rows(self)

    def text(self) -> str:
        from .discover import discover_text

        return discover_text(self)


class PriorsResult(Result):
    """``natlat priors``: per-item gaps between two agents, the compiler bound, the widened errors.

    >>> import natlat_compress as nc
    >>> alice = "../shared/data/text/canterbury/alice29.txt"
    >>> gaps = nc.priors([b"Alice was beginning to get very tired", b"Of Man's first disobedience"],
    ...                  agent_a="zstd:3", train_a=[alice], agent_b="zstd:3")      # B has read nothing
    >>> gaps.gap["n"], gaps.gap["mean"] < 0, gaps.widened is None                 # no latent given
    (2, True, True)
    """

    command = "priors"

    @property
    def gap(self) -> dict:
        """The per-item gaps ``C_A − C_B`` in bits: mean, median, quantiles, total, largest, the items most apart."""
        return self["gap"]

    @property
    def compiler_bound(self) -> dict:
        """``C_A(D_B|D_A)`` and ``C_B(D_A|D_B)``, the larger as ``bound``, and whether it holds on the items."""
        return self["compiler_bound"]

    @property
    def widened(self) -> dict | None:
        """Every error of ``score`` under both agents and its widening (None unless a latent was given)."""
        return self.get("widened")

    def rows(self) -> list[dict]:
        return self["items"]

    def text(self) -> str:
        from .report import priors_text

        return priors_text(self)


BENCH_COLUMNS = ["file", "coder", "pareto", "bytes", "ratio", "compressed_fraction", "bits_per_byte", "compress_mb_s",
                 "compress_cpu_mb_s", "decompress_mb_s", "decompress_cpu_mb_s", "peak_memory_mb", "idempotency",
                 "primed_gain_bpb", "excess_bits_per_symbol"]


class BenchResult(Result):
    """``natlat bench``: one row per file and coder, the Pareto front of speed and bits per byte marked.

    >>> import natlat_compress as nc
    >>> report = nc.bench(["../shared/data/text/canterbury/alice29.txt"], coder="zstd:3", repeats=1, min_time=0.01)
    >>> row = report.rows()[0]
    >>> row["file"], row["coder"], row["pareto"], 2 < row["bits_per_byte"] < 4
    ('alice29.txt', 'zstd:3', True, True)
    """

    command = "bench"

    def rows(self) -> list[dict]:
        return [{c: row.get(c) for c in BENCH_COLUMNS} for row in self["rows"]]

    def text(self) -> str:
        from .report import render_rows

        meta = self["meta"]
        head = (f"{meta['cpu']}, {meta['cores']} cores, Python {meta['python']}, {meta['date']}; best of "
                f"{meta['repeats']} runs of {meta['min_time_s']:g} s; pareto = on the front of compress speed and bits "
                "per byte")
        return head + "\n" + render_rows(self.rows(), "table", BENCH_COLUMNS)


class BitsResult(Result):
    """``natlat bits``: one code length, in bits, with no container.

    >>> import natlat_compress as nc
    >>> nc.bits(b"", coder="zstd:19").bits, nc.bits(b"abc" * 100, coder="zstd:19").bits > 0
    (0, True)
    """

    command = "bits"

    @property
    def bits(self) -> float:
        """The code length in bits."""
        return self["bits"]


class AxiomsResult(Result):
    """``natlat axioms``: where a coder stops behaving as a normal compressor, per size.

    >>> import natlat_compress as nc
    >>> checked = nc.axioms(b"abracadabra " * 2000, coder="zlib:9", sizes=[1000])
    >>> checked["reach_bytes"], [row["size"] for row in checked.rows()]
    (32768, [1000])
    """

    command = "axioms"

    def rows(self) -> list[dict]:
        return self["rows"]


class NcdResult(Result):
    """``natlat ncd``: the normalized compression distance of every pair of items.

    >>> import natlat_compress as nc
    >>> distances = nc.ncd([b"abc" * 100, b"xyz" * 100], coder="zstd:19")
    >>> len(distances.matrix), distances.matrix[0][0] < distances.matrix[0][1]
    (2, True)
    """

    command = "ncd"

    @property
    def matrix(self) -> list[list[float]]:
        """``matrix[i][j]``: the NCD of item i followed by item j (asymmetric as measured)."""
        return self["matrix"]

    def rows(self) -> list[dict]:
        names = self["names"]
        return [{"item": name, **{other: round(v, 4) for other, v in zip(names, row)}}
                for name, row in zip(names, self["matrix"])]


class SynthResult(Result):
    """``natlat synth``: a drawn source — where its table and truth were written, or the table and truth themselves.

    >>> import natlat_compress as nc
    >>> source = nc.synth("noisy_copies", rows=300, seed=1)
    >>> source.table.names[:3], source["truth"]["weak_error"] > 0        # truth in bits per row
    (['L', 'x1', 'x2'], True)
    """

    command = "synth"

    @property
    def table(self):
        """The drawn table (a :class:`~natlat_compress.corpus.TableCorpus`): read back if written, else drawn again —
        the same rows, from the same seed."""
        from .corpus import load_table
        from .synthetic import as_table, get_source

        if isinstance(self.get("table"), str):
            return load_table(self["table"])
        return as_table(get_source(self["source"]), self["rows"], self["seed"])

    def rows(self) -> list[dict]:
        if isinstance(self.get("truth"), dict):
            return [{"source": self["source"], "rows": self["rows"], "seed": self["seed"], **{
                k: v for k, v in self["truth"].items() if isinstance(v, (int, float))}}]
        return [dict(self)]


def wrap(kind: type[Result], data: Any) -> Result:
    """``data`` as a result of ``kind`` (unchanged if it is one already)."""
    return data if isinstance(data, kind) else kind(data)
