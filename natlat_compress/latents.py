"""What a latent can be, and the baselines every report scores beside it.

In a table a latent is one or more columns (their joint value). In a text corpus it is a string — from a file, a
literal, or *discovered*: a zstd dictionary trained on the objects, i.e. the substrings they share. Baselines
(THEORY.md §1): the empty latent (redundancy 0, mediation = TC(X)), a copy of one feature (mediation of the rest), and
all of X (mediation 0, redundancy = what each feature adds to the others).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import zstandard

from .corpus import TableCorpus, TextCorpus
from .errors import CorpusError

__all__ = ["Latent", "table_latent", "text_latent", "discover_latent", "discovered_name", "baselines",
           "choose_features", "LATENT_ATOM", "AGAINST_ATOM", "MAX_COPY_BASELINES"]

LATENT_ATOM = "Λ"
AGAINST_ATOM = "Λ'"
MAX_COPY_BASELINES = 32
DEFAULT_DICT_SIZE = 16 << 10
TRAINING_PIECE = 4096


@dataclass(frozen=True)
class Latent:
    """A candidate latent: a name for people, a spec for scripts, and the atoms it is made of."""

    name: str
    spec: str
    atoms: frozenset
    kind: str  # columns | string | discovered | empty | copy | all
    nbytes: int | None = None

    def describe(self) -> dict:
        out: dict[str, str | int] = {"spec": self.spec, "name": self.name, "kind": self.kind}
        if self.nbytes is not None:
            out["bytes"] = self.nbytes
        return out


def table_latent(corpus: TableCorpus, columns: Sequence[str]) -> Latent:
    """The joint value of ``columns`` as a latent."""
    unknown = [c for c in columns if c not in corpus.columns]
    if unknown:
        raise CorpusError(f"unknown latent column {unknown[0]!r}; the columns are: {', '.join(corpus.names)}")
    return Latent(",".join(columns), ",".join(columns), frozenset(columns), "columns")


def text_latent(value: bytes, spec: str, atom: str = LATENT_ATOM, kind: str = "string") -> Latent:
    return Latent(spec, spec, frozenset([atom]), kind, len(value))


def discover_latent(corpus: TextCorpus, dict_size: int | None = None) -> bytes:
    """A zstd dictionary trained on the objects: what they share, as one string (capped at ``dict_size`` bytes,
    default the smaller of 16 KiB and a tenth of the corpus)."""
    total = sum(len(v) for v in corpus.objects.values())
    size = dict_size or max(min(DEFAULT_DICT_SIZE, total // 10), 256)
    # The trainer wants many small samples: long objects are cut into pieces (what is shared stays shared).
    pieces: list[bytes | bytearray | memoryview] = [obj[i:i + TRAINING_PIECE] for obj in corpus.objects.values()
                                                    for i in range(0, len(obj), TRAINING_PIECE)]
    try:
        return zstandard.train_dictionary(size, pieces).as_bytes()
    except zstandard.ZstdError as exc:
        raise CorpusError(f"cannot discover a latent from {corpus.n_items} objects ({total:,} bytes): {exc}; "
                          f"give more or larger objects, or a latent with --latent-file/--latent-text") from None


def discovered_name(value: bytes, words: int = 6) -> str:
    """A discovered latent named by what it holds: the first words of the longest stretch of text at its end (a zstd
    dictionary keeps its most useful content last), e.g. ``discovered "the little door, o nothing of…" (16,384
    bytes)``; with no text in it, its size."""
    runs = re.findall(rb"[A-Za-z][A-Za-z0-9 ,.;:'()-]{11,}", value[-4096:])
    if not runs:
        return f"discovered string of {len(value):,} bytes"
    text = " ".join(max(runs, key=len).decode("ascii").split()[:words])
    return f'discovered "{text}…" ({len(value):,} bytes)'


def choose_features(corpus, features: Sequence[str] | None, exclude: frozenset, forbid: frozenset) -> list[str]:
    """The feature atoms: the named ones, or every column/object not in ``exclude`` (the latents' atoms).

    Named features may not overlap ``forbid`` (the candidate latent's atoms). At least two are needed.
    """
    if features:
        unknown = [f for f in features if f not in corpus.names]
        if unknown:
            raise CorpusError(f"unknown feature {unknown[0]!r}; valid: {', '.join(corpus.names)}")
        clash = [f for f in features if f in forbid]
        if clash:
            raise CorpusError(f"{clash[0]!r} is part of the latent and cannot also be a feature")
        chosen = list(dict.fromkeys(features))
    else:
        chosen = [name for name in corpus.names if name not in exclude]
    if len(chosen) < 2:
        what = "no features are" if not chosen else "only one feature is"
        raise CorpusError(f"{what} left beside the latent: natural-latent errors need at least two features")
    return chosen


def baselines(features: Sequence[str]) -> list[Latent]:
    """The empty latent, copies of single features (all of them, or MAX_COPY_BASELINES evenly spaced), all of X."""
    n = len(features)
    # Exactly min(n, MAX_COPY_BASELINES) copies, spread over the features (first and last included).
    chosen = np.unique(np.linspace(0, n - 1, min(n, MAX_COPY_BASELINES)).round().astype(int))
    copies = [Latent(f"copy of {features[i]}", f"copy:{features[i]}", frozenset([features[i]]), "copy")
              for i in chosen]
    return [Latent("empty", "empty", frozenset(), "empty"), *copies,
            Latent("all of X", "all", frozenset(features), "all")]
