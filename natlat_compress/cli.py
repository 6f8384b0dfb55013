"""The ``natlat`` command line: parses options, calls the library, renders. Nothing else happens here.

Every expected failure — a :class:`NatlatError`, a usage error — becomes one line ``Error: ...`` on stderr and a
non-zero exit, with no traceback.
"""

from __future__ import annotations

import functools
import re
import sys
import time
import warnings
from pathlib import Path

import click

from . import __version__
from .axioms import axioms, ncd_matrix
from .bench import MIN_RUN_SECONDS, bench, plot
from .coders import FAMILIES, get_coder, is_available
from .corpus import read_input
from .errors import NatlatError
from .priors import AgentSpec, compare_priors
from .report import FORMATS, priors_text, render, render_rows, score_rows, score_text, write_atomic
from .score import score
from .synthetic import write_source

__all__ = ["cli", "main"]


class NatlatGroup(click.Group):
    """A group whose errors are one line: ``Error: ...``, exit 1 (bad input) or 2 (bad usage)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                result = super().main(args, prog_name or "natlat", complete_var, standalone_mode=False, **extra)
            except click.UsageError as exc:
                _fail(_usage_message(exc), 2)
            except click.ClickException as exc:
                _fail(exc.format_message(), exc.exit_code)
            except NatlatError as exc:
                _fail(str(exc), 1)
            except (click.Abort, KeyboardInterrupt):
                _fail("interrupted", 130)
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int):
    click.echo("Error: " + " ".join(message.split()), err=True)
    sys.exit(code)


def _usage_message(exc: click.UsageError) -> str:
    message = exc.format_message()
    ctx = exc.ctx
    if ctx is None:
        return message
    if isinstance(exc, click.NoSuchOption):
        options = sorted(o for p in ctx.command.params if isinstance(p, click.Option) for o in p.opts)
        return f"{message} (valid options: {', '.join(options)})"
    if isinstance(ctx.command, click.Group) and "No such command" in message:
        return f"{message} (valid commands: {', '.join(ctx.command.list_commands(ctx))})"
    return message


def _show_warning(message, category, filename, lineno, file=None, line=None):
    click.echo(f"Warning: {message}", err=True)


def output_options(command):
    """``--format table|json|csv`` and ``-o/--output FILE`` (written atomically), shared by every command."""

    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                  help="Output format.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
                  help="Write the output to FILE (atomically) instead of standard output.")
    @functools.wraps(command)
    def wrapper(*args, fmt, output, **kwargs):
        text = command(*args, fmt=fmt, **kwargs)
        if output:
            write_atomic(output, text + "\n")
        else:
            click.echo(text)

    return wrapper


class ByteSize(click.ParamType):
    """A size in bytes: a whole number, optionally with kB, MB or GB (powers of 1000)."""

    name = "size"
    UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        number, unit = re.fullmatch(r"\s*([0-9.]*)\s*([a-zA-Z]*)\s*", str(value)).groups()
        try:
            size = int(float(number) * self.UNITS[unit.lower()])
        except (ValueError, KeyError):
            self.fail(f"{value!r} is not a size; valid: a whole number of bytes or one with kB, MB, GB (64MB)", param,
                      ctx)
        if size < 1:
            self.fail(f"{value!r}: the size must be positive", param, ctx)
        return size


class Progress:
    """A progress bar on stderr that appears only once a run has lasted two seconds; silent with ``-s``."""

    def __init__(self, silent: bool, label: str = "compressing", delay: float = 2.0) -> None:
        self.silent, self.label, self.delay = silent, label, delay
        self.start = time.monotonic()
        self.bar = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.silent or (self.bar is None and time.monotonic() - self.start < self.delay):
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr,
                                         show_pos=False, show_percent=True, show_eta=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _coders_option(multiple=True):
    if multiple:
        return click.option("--coder", "coders", multiple=True, help="Coder spec (see `natlat coders`); repeat for "
                            "several. Default: model for tables, mix:zstd:19,ppmd:6 for texts.")
    return click.option("--coder", "coder", default="zstd:19", show_default=True,
                        help="Coder spec (see `natlat coders`).")


@click.group(cls=NatlatGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="natlat")
def cli():
    """Compressors as a universal prior: code lengths in bits that estimate how natural a latent is."""


@cli.command("coders")
@output_options
def coders_command(fmt):
    """Every coder family: availability, conditioning method, reach and library version."""
    rows = []
    for family in FAMILIES.values():
        row = {"name": family.name, "spec": family.syntax, "available": is_available(family)}
        if row["available"] and family.name not in ("cmd", "lm"):
            coder = get_coder(family.default_spec)
            row.update(default=coder.spec, conditioning=coder.method, reach_bytes=coder.reach,
                       version=coder.library_version())
        elif family.name == "cmd":
            row.update(default=None, conditioning="concatenation", reach_bytes=None, version="the program's")
        elif family.name == "lm" and row["available"]:  # no default: the user names a model folder
            row.update(default=None, conditioning="model", reach_bytes=None, version="the model folder's")
        else:
            row.update(default=None, conditioning=None, reach_bytes=None,
                       version=f"pip install 'natlat_compress[{family.extra}]'")
        row["description"] = family.description
        rows.append(row)
    return render_rows(rows, fmt)


@cli.command("bits")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--given", type=click.Path(dir_okay=False), help="Condition on this file: C(FILE | GIVEN).")
@_coders_option(multiple=False)
@output_options
def bits_command(file, given, coder, fmt):
    """The code length of FILE, or of FILE given another file, in bits (no container)."""
    the_coder = get_coder(coder)
    data = read_input(Path(file))
    prior = read_input(Path(given)) if given else b""
    bits = the_coder.conditional_bits(data, prior) if given else the_coder.bits(data)
    row = {"file": file, "given": given, "coder": the_coder.spec,
           "conditioning": the_coder.method if given else None, "bytes": len(data), "bits": bits,
           "bits_per_byte": bits / len(data) if data else None}
    return render(row, fmt, rows=[row])


@cli.command("axioms")
@click.argument("file", type=click.Path(dir_okay=False))
@_coders_option(multiple=False)
@click.option("--sizes", help="Comma-separated sizes in bytes (default: 1 KiB x 4^k up to the file size).")
@output_options
def axioms_command(file, coder, sizes, fmt):
    """How far a coder is from a normal compressor on FILE at several sizes (bits; see `natlat_compress.axioms`)."""
    data = read_input(Path(file))
    if not data:
        raise NatlatError(f"{file} is empty")
    try:
        chosen = [int(s) for s in sizes.split(",")] if sizes else None
    except ValueError:
        raise NatlatError(f"--sizes takes whole numbers separated by commas; got {sizes!r}") from None
    if chosen and min(chosen) < 1:
        raise NatlatError("--sizes must be positive")
    the_coder = get_coder(coder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # going past the reach is the point here; `within_reach` says where
        rows = axioms(the_coder, data, chosen)
    return render({"coder": the_coder.spec, "file": file, "reach_bytes": the_coder.reach, "rows": rows}, fmt,
                  rows=rows)


@cli.command("ncd")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_coders_option(multiple=False)
@output_options
def ncd_command(files, coder, fmt):
    """The normalized compression distance of every pair of FILES (row file first, then column file)."""
    the_coder = get_coder(coder)
    matrix = ncd_matrix(the_coder, [read_input(Path(f)) for f in files])
    names = [Path(f).name for f in files]
    rows = [{"file": name, **{other: round(v, 4) for other, v in zip(names, row)}} for name, row in zip(names, matrix)]
    return render({"coder": the_coder.spec, "files": list(files), "matrix": matrix}, fmt, rows=rows)


def _split_list(values) -> list[str]:
    return [v for value in values for v in value.split(",") if v] if values else []


def _latent_choice(latent, latent_file, latent_text):
    """The latent of --latent / --latent-file / --latent-text, as `score` and `compare_priors` take it."""
    if sum([bool(latent), latent_file is not None, latent_text is not None]) > 1:
        raise NatlatError("give one latent: --latent, --latent-file or --latent-text")
    if latent_file is not None:
        return read_input(Path(latent_file))
    if latent_text is not None:
        return latent_text.encode("utf-8", "surrogateescape")
    if latent:
        return latent[0] if list(latent) == ["discover"] else list(latent)
    return None


def latent_options(command):
    """The latent options shared by `score` and `priors`."""
    for option in reversed([
        click.option("--latent", "latent", multiple=True, help="Table: a latent column (repeat for a joint latent). "
                     "Texts: 'discover' trains a zstd dictionary."),
        click.option("--latent-file", type=click.Path(dir_okay=False), help="Texts: the latent string is this file."),
        click.option("--latent-text", help="Texts: the latent string is this text."),
        click.option("--features", multiple=True, help="Tables: the feature columns (comma-separated or repeated)."),
        click.option("--split", help="Cut one text file into objects: lines, paragraphs, bytes:N or regex:PATTERN."),
        click.option("--field", help="JSONL: the field holding each object's text (default 'text')."),
        click.option("--jobs", type=click.IntRange(1), help="Worker processes (default: all cores)."),
        click.option("-s", "--silent", is_flag=True, help="No plan line and no progress bar on stderr."),
    ]):
        command = option(command)
    return command


@cli.command("score")
@click.argument("corpus", required=False, type=click.Path())
@latent_options
@click.option("--against", help="A second latent for the Theorem 1 check: column(s) a,b for tables, a file for texts.")
@_coders_option()
@click.option("--null", "null", default=10, show_default=True, type=click.IntRange(0),
              help="Tables: replicates of the permutation null for mediation.")
@click.option("--bootstrap", default=0, show_default=True, type=click.IntRange(0),
              help="Tables: bootstrap resamples of rows for 95% intervals.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the null and the bootstrap.")
@click.option("--scheduler", help="Run the work on a Dask cluster: tcp://HOST:PORT of its scheduler (the dask extra).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="Keep code lengths in this folder; a rerun computes only what is new.")
@click.option("--stream", type=ByteSize(), help="Read a CSV/TSV larger than memory in chunks of this size (e.g. "
              "64MB); code lengths are summed over chunks.")
@output_options
def score_command(corpus, latent, latent_file, latent_text, features, split, field, jobs, silent, against, coders,
                  null, bootstrap, seed, scheduler, cache_dir, stream, fmt):
    """The natural-latent errors of CORPUS for a candidate latent: mediation, four redundancies, baselines.

    With no CORPUS, scores the embedded example (the 1984 House votes, latent Class).
    """
    second = None
    if against:
        second = against if Path(against).is_file() else against.split(",")
    progress = Progress(silent)

    def announce(n_jobs: int, n_bytes: int) -> None:
        if not silent:
            click.echo(f"plan: {n_jobs:,} compressions of {n_bytes / 1e6:,.1f} MB in all", err=True)

    try:
        report = score(corpus, _latent_choice(latent, latent_file, latent_text), coders=coders or None,
                       features=_split_list(features), against=second, split=split, field=field, null=null,
                       bootstrap=bootstrap, seed=seed, jobs=jobs, progress=progress, on_plan=announce,
                       scheduler=scheduler, cache=cache_dir, stream=stream)
    finally:
        progress.close()
    return render(report, fmt, rows=score_rows(report), text=score_text(report))


@cli.command("priors")
@click.argument("corpus", type=click.Path())
@click.option("--agent-a", required=True, help="Agent A's coder spec.")
@click.option("--train-a", multiple=True, type=click.Path(), help="Agent A's training corpus (repeatable).")
@click.option("--agent-b", required=True, help="Agent B's coder spec.")
@click.option("--train-b", multiple=True, type=click.Path(), help="Agent B's training corpus (repeatable).")
@latent_options
@output_options
def priors_command(corpus, agent_a, train_a, agent_b, train_b, latent, latent_file, latent_text, features, split,
                   field, jobs, silent, fmt):
    """The gap between two agents' priors on CORPUS, the compiler bound, and (with a latent) every error of
    `score` for both agents, widened so that A's bound covers B's estimate."""
    progress = Progress(silent)
    try:
        report = compare_priors(corpus, AgentSpec(agent_a, tuple(train_a)), AgentSpec(agent_b, tuple(train_b)),
                                latent=_latent_choice(latent, latent_file, latent_text),
                                features=_split_list(features), split=split, field=field, jobs=jobs,
                                progress=progress)
    finally:
        progress.close()
    return render(report, fmt, rows=report["items"], text=priors_text(report))


BENCH_COLUMNS = ["file", "coder", "pareto", "bytes", "ratio", "compressed_fraction", "bits_per_byte", "compress_mb_s",
                 "compress_cpu_mb_s", "decompress_mb_s", "decompress_cpu_mb_s", "peak_memory_mb", "idempotency",
                 "primed_gain_bpb", "excess_bits_per_symbol"]


@cli.command("bench")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--coder", "coders", multiple=True, help="Coder spec, repeatable; a bare family with --levels expands. "
              "Default: zlib, bz2, lzma, zstd, lz4, brotli and PPMd at several levels.")
@click.option("--levels", help="A-B: every level from A to B for each family named without a level.")
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1), help="Timed runs (best is kept).")
@click.option("--min-time", default=MIN_RUN_SECONDS, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds each timed run loops its calls for (1 times as zstd -b and lz4 -b do).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Draw speed against bits per byte here.")
@click.option("-s", "--silent", is_flag=True, help="No progress bar on stderr.")
@output_options
def bench_command(paths, coders, levels, repeats, min_time, plot_path, silent, fmt):
    """Benchmark compressors on PATHS as priors: size, ratio, speed and memory beside the stand-in columns
    (idempotency, primed gain, excess over the entropy); the Pareto front of speed and bits per byte is marked."""
    progress = Progress(silent, label="benchmarking")
    try:
        report = bench(paths, coders, levels, repeats, progress, min_time)
    finally:
        progress.close()
    if plot_path:
        plot(report, plot_path)
    rows = [{c: row.get(c) for c in BENCH_COLUMNS} for row in report["rows"]]
    if fmt == "table":
        meta = report["meta"]
        head = (f"{meta['cpu']}, {meta['cores']} cores, Python {meta['python']}, {meta['date']}; best of {repeats} runs "
                f"of {min_time:g} s; pareto = on the front of compress speed and bits per byte")
        return head + "\n" + render_rows(rows, "table", BENCH_COLUMNS)
    return render(report, fmt, rows=rows)


@cli.command("synth")
@click.argument("name")
@click.option("--rows", default=20000, show_default=True, type=click.IntRange(1), help="Rows to draw.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the draw.")
@click.option("--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for NAME.csv and NAME.truth.json.")
@output_options
def synth_command(name, rows, seed, out_dir, fmt):
    """Draw a latent-class source NAME and write its table and the exact truth of every quantity `score` reports.

    Sources: noisy_copies, direct_dependence, one_feature_latent, unequal_noise, dirichlet_emissions,
    deterministic_latent.
    """
    csv_path, truth_path = write_source(name, rows, seed, out_dir)
    row = {"source": name, "rows": rows, "seed": seed, "table": str(csv_path), "truth": str(truth_path)}
    return render(row, fmt, rows=[row])


def main(argv=None):
    """The console script ``natlat``."""
    cli.main(args=argv, prog_name="natlat")
