"""The ``natlat`` command line: parses options, calls the library, renders. Nothing else happens here.

Every expected failure — a :class:`NatlatError`, a usage error — becomes one line ``Error: ...`` on stderr and a
non-zero exit, with no traceback.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from pathlib import Path

import click

from . import __version__, api
from .bench import MIN_RUN_SECONDS
from .coders import FAMILIES, get_coder, is_available
from .engine import default_jobs
from .discover import DEFAULT_K_MAX
from .errors import NatlatError
from .memory import check_fits
from .output import STDOUT, check_output, write_atomic
from .params import SEED, ByteSize, CoderSpec, OutputPath, parse_size
from .plots import check_plot_path
from .progress import Progress
from .report import FORMATS, plan_line, render, render_rows, score_text
from .signals import Interrupted, handle_signals, restore

__all__ = ["cli", "main"]


class NatlatGroup(click.Group):
    """A group whose errors are one line: ``Error: ...``, exit 1 (bad input), 2 (bad usage), 128 + N (signal N:
    130 for Ctrl-C, 143 for SIGTERM) or 70 (a bug: an exception nobody expected; ``NATLAT_DEBUG=1`` shows its
    traceback)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        previous = handle_signals()
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _show_warning
                result = self._run(args, prog_name, complete_var, **extra)
        finally:
            restore(previous)
        sys.exit(result if isinstance(result, int) else 0)

    def _run(self, args, prog_name, complete_var, **extra):
        try:
            return super().main(args, prog_name or "natlat", complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            _fail(_usage_message(exc), 2)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except NatlatError as exc:
            _fail(str(exc), 1)
        except Interrupted as exc:
            _fail(f"interrupted by {signal_name(exc.signum)}", 128 + exc.signum)
        except (click.Abort, KeyboardInterrupt):
            _fail("interrupted", 130)
        except BrokenPipeError:  # the reader of our output went away (`natlat ... | head`): nothing left to say
            _silence_stdout()
            sys.exit(141)
        except MemoryError:
            _fail("out of memory: use fewer --jobs, fewer coders or columns, or --stream for a large table", 1)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            _fail(f"{exc.strerror or exc}{where}", 1)
        except Exception as exc:  # a bug; still one line, and a status that says so
            if os.environ.get("NATLAT_DEBUG"):
                raise
            _fail(f"internal error (please report it; NATLAT_DEBUG=1 shows where): {type(exc).__name__}: {exc}",
                  70)


def signal_name(signum: int) -> str:
    import signal

    return signal.Signals(signum).name


def _silence_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _echo(text: str, err: bool = False) -> None:
    """Print as :func:`~natlat_compress.output.write_atomic` writes files: a name read from bytes that are not UTF-8
    (kept with surrogateescape) comes out as those bytes, whatever the terminal's encoding and error handler."""
    click.echo(text.encode("utf-8", "surrogateescape"), err=err)


def _fail(message: str, code: int):
    _echo("Error: " + " ".join(message.split()), err=True)
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
    _echo(f"Warning: {message}", err=True)


def output_options(command):
    """``--format table|json|csv`` and ``-o/--output FILE`` (written atomically; ``-`` is standard output), shared by
    every command. Every :class:`OutputPath` of the command is checked before the work starts (see
    :func:`check_outputs`)."""

    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                  help="Output format.")
    @click.option("-o", "--output", type=OutputPath(allow_dash=True),
                  help="Write the output to FILE (atomically; never onto an input) instead of standard output.")
    @functools.wraps(command)
    def wrapper(*args, fmt, output, **kwargs):
        check_outputs(click.get_current_context())
        text = command(*args, fmt=fmt, **kwargs)
        if output and output != STDOUT:
            write_atomic(output, text + "\n")
        else:
            _echo(text)

    return wrapper


def check_outputs(ctx: click.Context) -> None:
    """Refuse, before any work, an output (a parameter of type :class:`OutputPath`) that cannot be written, that is
    one of the command's inputs (its other path parameters: same path, symlink, hard link, or inside an input folder),
    or that another output of the same run also names."""
    inputs, outputs = [], []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or not isinstance(param.type, click.Path):
            continue
        values = [value] if isinstance(value, (str, os.PathLike)) else list(value)
        if isinstance(param.type, OutputPath):
            outputs += [(param.opts[-1], v) for v in values if str(v) != STDOUT]
        else:
            inputs += [v for v in values if os.path.exists(v)]
    written: dict[Path, tuple[str, str | os.PathLike]] = {}  # each output file: the option and the path naming it
    for option, path in outputs:
        target = check_output(path, inputs, option)
        if target is None:  # standard output
            continue
        if target in written:
            raise NatlatError(f"{option} {path} and {written[target][0]} {written[target][1]} name the same file")
        written[target] = (option, path)


# Domains of options whose upper end protects the machine: beyond them a run forks, allocates or loops without use.
MAX_JOBS = 4 * default_jobs()
MAX_REPLICATES = 10_000
MAX_SYNTH_ROWS = 10**8
MIN_STREAM_BYTES = 100_000  # smaller chunks are not meant (a bare `--stream 64` is 64 bytes)


def _coders_option(multiple=True):
    if multiple:
        return click.option("--coder", "coders", multiple=True, type=CoderSpec(),
                            help="Coder spec (see `natlat coders`); repeat for several. Default: model for tables, "
                            "mix:zstd:19,ppmd:6 for texts.")
    return click.option("--coder", "coder", default="zstd:19", show_default=True, type=CoderSpec(reads="bytes"),
                        help="Byte coder spec (see `natlat coders`).")


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
    result = api.bits(file, given=given, coder=coder)
    return render(result, fmt, rows=result.rows())


@cli.command("axioms")
@click.argument("file", type=click.Path(dir_okay=False))
@_coders_option(multiple=False)
@click.option("--sizes", help="Comma-separated sizes, bytes or with units (1KiB,64kB; default: 1 KiB x 4^k up to "
              "the file size).")
@output_options
def axioms_command(file, coder, sizes, fmt):
    """How far a coder is from a normal compressor on FILE at several sizes (bits; see `natlat_compress.axioms`)."""
    try:
        chosen = [parse_size(s) for s in sizes.split(",")] if sizes is not None else None
    except ValueError as exc:
        raise NatlatError(f"--sizes takes sizes separated by commas: {exc}") from None
    result = api.axioms(file, coder=coder, sizes=chosen)
    return render(result, fmt, rows=result.rows())


@cli.command("ncd")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_coders_option(multiple=False)
@output_options
def ncd_command(files, coder, fmt):
    """The normalized compression distance of every pair of FILES (row file first, then column file)."""
    result = api.ncd(files, coder=coder)
    return render(result, fmt, rows=result.rows())


def _split_list(values) -> list[str]:
    return [v for value in values for v in value.split(",") if v] if values else []


def _precision_map(values) -> dict[str, str]:
    """``--precision COL=δ`` (repeated or comma-separated) as ``{COL: δ}``; δ is checked where the column is known."""
    out = {}
    for item in _split_list(values):
        name, equals, delta = item.rpartition("=")
        if not equals or not name:
            raise click.ClickException(f"--precision takes COL=δ (e.g. --precision price=0.01); got {item!r}")
        out[name] = delta
    return out


def latent_options(command):
    """The latent options shared by `score` and `priors`."""
    for option in reversed([
        click.option("--latent", "latent", multiple=True, help="Table: a latent column (repeat for a joint latent). "
                     "Texts: 'discover' trains a zstd dictionary."),
        click.option("--latent-file", type=click.Path(dir_okay=False), help="Texts: the latent string is this file. "
                     "Tables: a one-column CSV, header = the latent's name, one value per row (discover --out)."),
        click.option("--latent-text", help="Texts: the latent string is this text."),
        click.option("--features", multiple=True, help="Tables: the feature columns (comma-separated or repeated)."),
        click.option("--split", help="Cut one text file into objects: lines, paragraphs, bytes:N or regex:PATTERN."),
        click.option("--field", help="JSONL: the field holding each object's text (default 'text')."),
        click.option("--jobs", type=click.IntRange(1, MAX_JOBS), help="Worker processes (default: all cores)."),
        click.option("-s", "--silent", is_flag=True, help="No plan line and no progress bar on stderr."),
    ]):
        command = option(command)
    return command


@cli.command("score")
@click.argument("corpus", required=False, type=click.Path())
@latent_options
@click.option("--against", help="A second latent for the Theorem 1 check: column(s) a,b or a one-column CSV for "
              "tables, a file for texts.")
@_coders_option()
@click.option("--null", "null", default=10, show_default=True, type=click.IntRange(0, MAX_REPLICATES),
              help="Tables: replicates of the permutation null for mediation.")
@click.option("--intervals", "--bootstrap", "intervals", default=0, show_default=True,
              type=click.IntRange(0, MAX_REPLICATES), help="Tables: replicates for 95% intervals (each splits the rows "
              "into halves and quarters; --bootstrap is its old name).")
@click.option("--regret", is_flag=True, help="Model coders: beside each estimate, the part that is sample-size "
              "regret (the estimate minus the coder's :tail estimate).")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the null and the intervals.")
@click.option("--scheduler", help="Run the work on a Dask cluster: tcp://HOST:PORT of its scheduler (the dask extra).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="Keep code lengths in this folder; a rerun computes only what is new.")
@click.option("--stream", type=ByteSize(minimum=MIN_STREAM_BYTES), help="Read a CSV/TSV larger than memory in chunks of this size (e.g. "
              "64MB); code lengths are summed over chunks.")
@click.option("--dry-run", is_flag=True, help="Print the plan and its estimated time and memory; compute nothing.")
@click.option("--max-time", type=click.FloatRange(0, min_open=True), metavar="SECONDS",
              help="Refuse a plan estimated to take longer than this.")
@click.option("--max-memory", type=ByteSize(minimum=10**8), help="Refuse a plan estimated to need more memory per "
              "process than this (e.g. 4GB); a plan over what the machine has available is always refused.")
@click.option("--sample-features", type=click.IntRange(2), metavar="N",
              help="Per-feature redundancies of N features drawn at random (with --seed), with the mean's standard "
              "error: for corpora of many features.")
@click.option("--numeric", multiple=True, help="Tables: read these columns as numeric (comma-separated or repeated).")
@click.option("--categorical", multiple=True, help="Tables: read these columns as categorical (comma-separated or "
              "repeated).")
@click.option("--precision", "precisions", multiple=True, metavar="COL=δ", help="Tables: code the numeric column COL "
              "on a grid of width δ instead of its data's decimals, its values rounded to it (comma-separated or "
              "repeated).")
@click.option("--plot", "plot_path", type=OutputPath(), help="Draw mediation and every redundancy "
              "variant per feature, with the null band and intervals, to FILE (.png or .svg; the plot extra).")
@output_options
def score_command(corpus, latent, latent_file, latent_text, features, split, field, jobs, silent, against, coders,
                  null, intervals, regret, seed, scheduler, cache_dir, stream, dry_run, max_time, max_memory,
                  sample_features, numeric, categorical, precisions, plot_path, fmt):
    """The natural-latent errors of CORPUS for a candidate latent: mediation, four redundancies, baselines.

    With no CORPUS, scores the embedded example (the 1984 House votes, latent Class).
    """
    if stream is not None and corpus is not None and Path(corpus).is_file():
        # A chunk is held as bytes, parsed cells and codes at once: about four times its size (at most the file).
        check_fits(4 * min(stream, Path(corpus).stat().st_size), f"--stream {stream:,} bytes",
                   "choose a smaller --stream", max_memory)
    second = None
    if against:
        second = against if Path(against).is_file() else against.split(",")
    progress = Progress(silent)

    def announce(cost) -> None:
        if not silent and not dry_run:
            click.echo(plan_line(cost.to_dict()), err=True)

    try:
        report = api.score(corpus, list(latent), latent_file=latent_file, latent_text=latent_text, coder=coders or None,
                       features=_split_list(features), against=second, split=split, field=field, null=null,
                       intervals=intervals, regret=regret, seed=seed, jobs=jobs, progress=progress, on_plan=announce,
                       scheduler=scheduler, cache=cache_dir, stream=stream, dry_run=dry_run, max_time=max_time,
                       max_memory=max_memory, sample_features=sample_features,
                       numeric=_split_list(numeric) or (), categorical=_split_list(categorical) or (),
                       precision=_precision_map(precisions), plot=plot_path)
    finally:
        progress.close()
    if dry_run:
        return render(report, fmt, rows=report.rows(), text=report.text())
    return render(report, fmt, rows=report.rows(), text=report.text(), markdown=score_text(report, markdown=True))


@cli.command("priors")
@click.argument("corpus", type=click.Path())
@click.option("--agent-a", required=True, type=CoderSpec(), help="Agent A's coder spec.")
@click.option("--train-a", multiple=True, type=click.Path(), help="Agent A's training corpus (repeatable).")
@click.option("--agent-b", required=True, type=CoderSpec(), help="Agent B's coder spec.")
@click.option("--train-b", multiple=True, type=click.Path(), help="Agent B's training corpus (repeatable).")
@latent_options
@output_options
def priors_command(corpus, agent_a, train_a, agent_b, train_b, latent, latent_file, latent_text, features, split,
                   field, jobs, silent, fmt):
    """The gap between two agents' priors on CORPUS, the compiler bound, and (with a latent) every error of
    `score` for both agents, widened so that A's bound covers B's estimate."""
    progress = Progress(silent)
    try:
        result = api.priors(corpus, agent_a=agent_a, agent_b=agent_b, train_a=train_a, train_b=train_b,
                            latent=list(latent), latent_file=latent_file, latent_text=latent_text,
                            features=_split_list(features), split=split, field=field, jobs=jobs, progress=progress)
    finally:
        progress.close()
    return render(result, fmt, rows=result.rows(), text=result.text())


@cli.command("bench")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--coder", "coders", multiple=True, type=CoderSpec(reads="bytes"), help="Coder spec, repeatable; a bare family with --levels expands. "
              "Default: zlib, bz2, lzma, zstd, lz4, brotli and PPMd at several levels.")
@click.option("--levels", help="A-B: every level from A to B for each family named without a level.")
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1, 1000), help="Timed runs (best is kept).")
@click.option("--min-time", default=MIN_RUN_SECONDS, show_default=True, type=click.FloatRange(0, 3600, min_open=True),
              help="Seconds each timed run loops its calls for (1 times as zstd -b and lz4 -b do).")
@click.option("--plot", "plot_path", type=OutputPath(), help="Draw speed against bits per byte here.")
@click.option("-s", "--silent", is_flag=True, help="No progress bar on stderr.")
@output_options
def bench_command(paths, coders, levels, repeats, min_time, plot_path, silent, fmt):
    """Benchmark compressors on PATHS as priors: size, ratio, speed and memory beside the stand-in columns
    (idempotency, primed gain, excess over the entropy); the Pareto front of speed and bits per byte is marked."""
    if plot_path:
        check_plot_path(plot_path)
    progress = Progress(silent, label="benchmarking")
    try:
        result = api.bench(paths, coder=coders, levels=levels, repeats=repeats, min_time=min_time, plot=plot_path,
                           progress=progress)
    finally:
        progress.close()
    return render(result, fmt, rows=result.rows(), text=result.text())


@cli.command("synth")
@click.argument("name")
@click.option("--rows", default=20000, show_default=True, type=click.IntRange(1, MAX_SYNTH_ROWS), help="Rows to draw.")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Seed of the draw.")
@click.option("--out", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for NAME.csv and NAME.truth.json.")
@output_options
def synth_command(name, rows, seed, out_dir, fmt):
    """Draw a latent-class source NAME and write its table and the exact truth of every quantity `score` reports.

    Sources: noisy_copies, direct_dependence, one_feature_latent, unequal_noise, dirichlet_emissions,
    deterministic_latent; numeric: gaussian_readings, gaussian_skewed, gaussian_mixture, mixed_table.
    """
    result = api.synth(name, rows=rows, seed=seed, out=out_dir)
    return render(result, fmt, rows=result.rows())


def main(argv=None):
    """The console script ``natlat``."""
    cli.main(args=argv, prog_name="natlat")


@cli.command("discover")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option("--features", multiple=True, help="The columns to use (comma-separated or repeated; default all).")
@click.option("--exclude", multiple=True, help="Columns to leave out, e.g. a label to --compare with afterwards.")
@click.option("--k-max", default=DEFAULT_K_MAX, show_default=True, type=click.IntRange(2),
              help="The most classes a learned latent may have (K = 2..K_MAX are all scored).")
@click.option("--coder", default="model", show_default=True, help="The coder that measures the errors.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the split into halves and of EM.")
@click.option("--out", "out_path", type=OutputPath(),
              help="Write the latent of --rank as a one-column CSV (for score/priors --latent-file, --against).")
@click.option("--rank", default=1, show_default=True, type=click.IntRange(1), help="Which candidate --out writes.")
@click.option("--compare", "compare_column", help="A column to compare the --rank latent with (Theorem 1 both ways).")
@click.option("--plot", "plot_path", type=OutputPath(), help="Draw errors against K and the ranking.")
@click.option("--jobs", type=click.IntRange(1), help="Worker processes (default: all cores).")
@output_options
def discover_command(table, features, exclude, k_max, coder, seed, out_path, rank, compare_column, plot_path, jobs,
                     fmt):
    """Which latent is natural in TABLE? Scores every column, learned latent classes (K = 2..K_MAX), Gaussian
    clusters of numeric columns and merged pairs, cross-fitted on two halves of the rows, best first."""
    result = api.discover(table, features=_split_list(features), exclude=_split_list(exclude), k_max=k_max,
                          coder=coder, seed=seed, out=out_path, rank=rank, compare=compare_column, plot=plot_path,
                          jobs=jobs)
    return render(result, fmt, rows=result.rows(), text=result.text())
