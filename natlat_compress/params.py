"""Click parameter types that check an option's domain while the command line is parsed, before any work starts.

Every refusal names what would have been valid. Commands added later (``discover``, ``--plot`` options) use the same
types: :class:`ByteSize` for sizes, :class:`CoderSpec` for coder specs, :class:`OutputPath` for files written,
:data:`SEED` for seeds.
"""

from __future__ import annotations

import re

import click

from .errors import NatlatError

__all__ = ["ByteSize", "CoderSpec", "OutputPath", "SEED", "parse_size"]

# A seed is any non-negative integer NumPy's generators take; 2^63 - 1 keeps it an int64 everywhere.
SEED = click.IntRange(0, 2**63 - 1)

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12,
          "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*")


def parse_size(text: str | int) -> int:
    """A size in bytes from ``64MB``, ``1GiB``, ``1.5 GB``, ``4096``: kB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB
    powers of 1024 (case-insensitive). Raises ``ValueError`` with the valid forms."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    match = _SIZE.fullmatch(str(text))
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size; valid: a whole number of bytes, or a number with one of the units "
                         f"kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 64MB")
    return int(float(match.group(1)) * _UNITS[unit])


class ByteSize(click.ParamType):
    """A size in bytes with optional units (see :func:`parse_size`), refused below ``minimum`` — a value too small to
    be meant (``--stream 64`` is 64 bytes) comes back with a hint — or above ``maximum``."""

    name = "size"

    def __init__(self, minimum: int = 1, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value, param, ctx):
        try:
            size = parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if size < self.minimum:
            hint = ""
            if str(value).strip().isdigit():
                hint = f"; a bare number is bytes: did you mean {value}MB?"
            self.fail(f"{value!r} is {size:,} bytes, below the smallest useful size {_human(self.minimum)}{hint}",
                      param, ctx)
        if self.maximum is not None and size > self.maximum:
            self.fail(f"{value!r} is above the largest allowed size {_human(self.maximum)}", param, ctx)
        return size


def _human(size: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


class CoderSpec(click.ParamType):
    """A coder spec, built while parsing so that a bad one fails before the work starts.

    ``reads="bytes"`` refuses coders that read symbol tables (the model coders), naming the commands that take them.
    """

    name = "spec"

    def __init__(self, reads: str | None = None) -> None:
        self.reads = reads

    def convert(self, value, param, ctx):
        from .coders.registry import byte_coder, get_coder

        try:
            if self.reads == "bytes":
                byte_coder(value, ctx.info_name if ctx is not None else "this command")
            else:
                get_coder(value)
        except NatlatError as exc:
            self.fail(str(exc), param, ctx)
        return value


class OutputPath(click.Path):
    """A path the command writes: checked by :func:`natlat_compress.output.check_output` before the work starts."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("dir_okay", False)
        super().__init__(**kwargs)
