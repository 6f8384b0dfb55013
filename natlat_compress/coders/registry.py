"""The one registry of coders: spec strings in, coder objects out.

A spec is ``FAMILY[:ARGS]``: ``zlib:9``, ``bz2:9``, ``lzma:9e``, ``zstd:19``, ``zstd:-5``, ``zstd:19:long``, ``lz4``,
``lz4:hc:12``, ``brotli:11``, ``ppmd:6``, ``zpaq:5``, ``cmd:xz -9e -c``, the mixture ``mix:zstd:19,ppmd:6``, the
language model ``lm:PATH``, and the model coders ``model``, ``model:kt``, ``model:nb`` (which read symbol tables).
A family without arguments takes its default level; a spec with an empty part (``zstd:``, ``lz4:hc:``) is refused,
never completed silently.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from ..errors import MissingExtraError, SpecError
from .base import Coder

if TYPE_CHECKING:
    from .agent import AgentCoder

__all__ = ["Family", "FAMILIES", "get_coder", "byte_coder", "family_names", "is_available", "register_agent", "AGENTS",
           "SYMBOL_COMMANDS"]

# The commands that can run a coder that reads symbol tables (the model coders); every other command codes bytes.
SYMBOL_COMMANDS = ("score", "priors")


@dataclass(frozen=True)
class Family:
    """One kind of coder: how its specs look and how to build one from the text after ``FAMILY:``."""

    name: str
    syntax: str
    default_spec: str
    build: Callable[[str], Coder]
    description: str
    requires: str | None = None  # the importable module the family needs
    extra: str | None = None  # the pip extra that installs it


def _int_in(text: str, low: int, high: int, what: str, family: str) -> int:
    if re.fullmatch(r"[+-]?\d+", text) is None or not low <= int(text) <= high:
        raise SpecError(f"the {what} of {family} must be an int in [{low}, {high}]; got {text!r}")
    return int(text)


def _zlib(args: str) -> Coder:
    from .stdlib import ZlibCoder

    return ZlibCoder(_int_in(args or "6", 1, 9, "level", "zlib"))


def _bz2(args: str) -> Coder:
    from .stdlib import Bz2Coder

    return Bz2Coder(_int_in(args or "9", 1, 9, "level", "bz2"))


def _lzma(args: str) -> Coder:
    from .stdlib import LzmaCoder

    args = args or "6"
    extreme = args.endswith("e")
    return LzmaCoder(_int_in(args.removesuffix("e"), 0, 9, "level (then 'e' for extreme)", "lzma"), extreme)


def _zstd(args: str) -> Coder:
    from .zstd import ZstdCoder

    level, _, mode = (args or "3").partition(":")
    if mode not in ("", "long"):
        raise SpecError(f"zstd takes 'zstd:LEVEL' or 'zstd:LEVEL:long'; got the mode {mode!r}")
    return ZstdCoder(_int_in(level, -131072, 22, "level", "zstd"), long=mode == "long")


def _lz4(args: str) -> Coder:
    from .lz4 import Lz4Coder

    if not args:
        return Lz4Coder()
    mode, _, level = args.partition(":")
    if mode != "hc":
        raise SpecError(f"lz4 takes 'lz4', 'lz4:hc' or 'lz4:hc:LEVEL'; got 'lz4:{args}'")
    return Lz4Coder(_int_in(level or "9", 1, 12, "hc level", "lz4"))


def _brotli(args: str) -> Coder:
    from .optional import BrotliCoder

    return BrotliCoder(_int_in(args or "11", 0, 11, "quality", "brotli"))


def _ppmd(args: str) -> Coder:
    from .optional import PpmdCoder

    order, _, mem = (args or "6").partition(":")
    return PpmdCoder(_int_in(order, 2, 64, "order", "ppmd"), _int_in(mem or "16", 1, 4096, "memory in MiB", "ppmd"))


def _model(args: str) -> Coder:
    from .models import ModelCoder

    base, _, tail = args.partition(":") if args != "tail" else ("", "", "tail")
    member = {"": "mixture", "kt": "kt", "nb": "nb"}.get(base)
    if member is None or tail not in ("", "tail"):
        raise SpecError(f"model takes 'model', 'model:kt' or 'model:nb', each optionally ending ':tail'; "
                        f"got 'model:{args}'")
    return ModelCoder(member, tail=tail == "tail")


def _zpaq(args: str) -> Coder:
    from .zpaq import ZpaqCoder

    return ZpaqCoder(_int_in(args or "5", 1, 5, "level", "zpaq"))


def _mix(args: str) -> Coder:
    from .mix import MixCoder

    members = [m.strip() for m in args.split(",")]
    if len(members) < 2 or not all(members):
        raise SpecError(f"mix takes two or more coder specs separated by commas, e.g. 'mix:zstd:19,ppmd:6'; "
                        f"got 'mix:{args}'")
    if any(m.partition(":")[0].lower() == "mix" for m in members):
        raise SpecError(f"a mixture's members cannot be mixtures (mix them all in one): 'mix:{args}'")
    return MixCoder([get_coder(m) for m in members])


def _lm(args: str) -> Coder:
    from .lm import LanguageModelCoder

    return LanguageModelCoder.from_spec(args)


def _cmd(args: str) -> Coder:
    from .external import CommandCoder

    return CommandCoder(args)


FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("zlib", "zlib:1-9", "zlib:6", _zlib, "raw deflate, primed with zdict (last 32 KiB)"),
    Family("bz2", "bz2:1-9", "bz2:9", _bz2, "bzip2, block of LEVEL x 100 kB"),
    Family("lzma", "lzma:0-9[e]", "lzma:6", _lzma, "raw LZMA2 at an xz preset"),
    Family("zstd", "zstd:LEVEL[:long]", "zstd:3", _zstd,
           "Zstandard, LEVEL -131072..22, primed with a raw-content dictionary"),
    Family("lz4", "lz4 | lz4:hc[:1-12]", "lz4", _lz4, "LZ4 block, primed with a 64 KB dictionary"),
    Family("brotli", "brotli:0-11", "brotli:11", _brotli, "brotli, 16 MiB window", "brotli", "brotli"),
    Family("ppmd", "ppmd:ORDER[:MEM_MIB]", "ppmd:6", _ppmd, "PPMd variant H, ORDER 2..64", "pyppmd", "ppmd"),
    Family("zpaq", "zpaq:1-5", "zpaq:5", _zpaq, "ZPAQ context mixing (5) / BWT (3) / LZ77 (1, 2), one thread",
           "zpaq", "zpaq"),
    Family("mix", "mix:SPEC,SPEC[,...]", "mix:zstd:19,lzma:9e", _mix,
           "mixture over coders: best member + log2 K bits, a Bayesian mixture when all members give probabilities"),
    Family("lm", "lm:PATH[:window=N][:stride=N][:threads=N]", "lm:PATH", _lm,
           "causal language model from a local folder (transformers), arithmetic-coded", "transformers", "lm"),
    Family("cmd", "cmd:PROGRAM ARGS", "cmd:xz -9 -c", _cmd, "any program compressing stdin to stdout"),
    Family("model", "model[:kt|:nb][:tail]", "model", _model,
           "sequential Bayesian codes over table columns (KT, naive Bayes, their mixture)"),
]}


def family_names() -> list[str]:
    """The names of every registered family, in registry order."""
    return list(FAMILIES)


def is_available(family: Family) -> bool:
    """Whether the family's optional package is installed."""
    return family.requires is None or importlib.util.find_spec(family.requires) is not None


@lru_cache(maxsize=None)
def get_coder(spec: str) -> Coder:
    """The coder a spec string names (``natlat coders`` lists the families and their specs).

    >>> import natlat_compress as nc
    >>> nc.get_coder("zstd:19").spec, nc.get_coder("model").reads
    ('zstd:19', 'symbols')
    >>> nc.get_coder("zstd:99")
    Traceback (most recent call last):
    ...
    natlat_compress.errors.SpecError: the level of zstd must be an int in [-131072, 22]; got '99'

    Raises
    ------
    SpecError
        The spec names no family, or its level is out of range; the message lists what is valid.
    MissingExtraError
        The family's optional package is not installed; the message names the extra to install.
    """
    name, _, args = spec.strip().partition(":")
    if name == "agent":  # agents of `natlat priors`, registered for the run
        if args not in AGENTS:
            raise SpecError(f"no agent named {args!r}: agents exist only inside natlat priors")
        return AGENTS[args]
    family = FAMILIES.get(name.lower())
    if family is None:
        valid = ", ".join(f.syntax for f in FAMILIES.values())
        raise SpecError(f"unknown coder {spec!r}; valid specs: {valid}")
    if name.lower() != "cmd" and ":" in spec and "" in [part.strip() for part in args.split(":")]:
        # A spec is complete or refused: 'zstd:' silently meaning zstd:3 would run a coder nobody asked for.
        raise SpecError(f"the coder spec {spec!r} has an empty part; valid: {family.syntax}, or {family.name} alone "
                        f"for {family.default_spec}")
    if not is_available(family):
        raise MissingExtraError(
            f"the coder {spec!r} needs the Python package '{family.requires}': "
            f"pip install 'natlat_compress[{family.extra}]'")
    return family.build(args if name.lower() in ("cmd", "lm") else args.strip())


def byte_coder(spec: str, command: str) -> Coder:
    """The coder a spec names, refused with a message naming the commands that take it if it reads symbol tables
    (``command``, e.g. ``bits``, takes byte coders only)."""
    coder = get_coder(spec)
    if coder.reads != "bytes":
        raise SpecError(f"{spec!r} codes tables of symbols, and `natlat {command}` takes byte coders only; use it with "
                        f"{' or '.join(f'natlat {c}' for c in SYMBOL_COMMANDS)} on a table, or give a byte coder "
                        f"(see `natlat coders`)")
    return coder


Coder.by_spec = staticmethod(get_coder)

# Agents live for one run and reach worker processes by fork: they are named here, and `agent:NAME` specs find them.
AGENTS: dict[str, Coder] = {}


def register_agent(name: str, base: Coder, training) -> AgentCoder:
    """``base`` primed with ``training`` as the coder ``agent:NAME`` (natlat priors; see :mod:`.agent`)."""
    from .agent import AgentCoder

    agent = AGENTS[name] = AgentCoder(name, base, training)
    get_coder.cache_clear()
    return agent
