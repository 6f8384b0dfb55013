"""The one interface every coder implements.

A coder turns data into a code length in bits. Byte coders (compressors) read ``bytes``; model coders read symbol
tables (``reads == "symbols"``) and implement the same two methods over integer arrays. Code lengths never include a
container: each byte coder either uses a raw (headerless) mode or has the container's fixed cost measured on empty input
and subtracted, so ``bits(b"") == 0`` by construction (THEORY.md §3, "headers cost bytes").

Conditioning, best first (THEORY.md §3): *primed* (the given string loaded as dictionary or prefix), *concatenation*
``C(t·s) − C(t)`` (Cilibrasi & Vitányi), or *model* (an explicit sequential model's log-loss).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property
from typing import TYPE_CHECKING, Callable, ClassVar, Sequence

import numpy as np

from ..errors import ReachWarning, warn_user

if TYPE_CHECKING:
    from .models import SymbolColumns

__all__ = ["Coder", "PRIMED", "CONCATENATION", "MODEL"]

PRIMED = "primed"
CONCATENATION = "concatenation"
MODEL = "model"


class Coder(ABC):
    """A compressor seen as a prior: bytes in, code length in bits out.

    Subclasses set ``family``, ``method`` and ``reads``, give ``spec`` (the canonical spec string) and ``reach``
    (how many bytes one window or block can see; ``None`` for unbounded) and implement ``compress``; primed coders also
    implement ``compress_given``. Those that can decompress implement ``decompress`` so tests can prove the code lengths
    are real codes. Get one by its spec with :func:`~natlat_compress.coders.get_coder`.

    >>> import natlat_compress as nc
    >>> coder = nc.get_coder("lzma:9e")
    >>> coder.family, coder.method, coder.reads, coder.reach        # reach: its dictionary, 64 MiB
    ('lzma', 'concatenation', 'bytes', 67108864)
    """

    # Class attributes that some coders set per instance (a mixture's or an agent's are its members'), so not ClassVar.
    family: str
    method: str
    reads: str = "bytes"

    def __init__(self, spec: str, reach: int | None) -> None:
        self.spec = spec
        self.reach = reach
        self._warned_reach = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec!r}>"

    # The registry sets this to its ``get_coder``, for unpickling (this module, below the registry, does not import it
    # back).
    by_spec: ClassVar[Callable[[str], Coder]]

    def __reduce__(self):
        # Coders cross process boundaries by spec: live compressor objects do not pickle.
        return (Coder.by_spec, (self.spec,))

    # -- what subclasses provide -------------------------------------------------------------------------------------
    @abstractmethod
    def library_version(self) -> str:
        """The version of the library (or program) doing the compression (most coders: a staticmethod; a program's
        or a mixture's depends on the instance)."""

    @abstractmethod
    def compress(self, data: bytes) -> bytes:
        """The compressed form of ``data``, in the coder's rawest available container."""

    def compress_given(self, data: bytes, given: bytes) -> bytes:
        """The compressed form of ``data`` with the coder primed by ``given`` (primed coders only)."""
        raise NotImplementedError(f"{self.spec} does not prime; it conditions by {self.method}")

    can_decompress: bool = False
    # True when code lengths are −log2 P(data) of a probability model (not a black box): mixtures of such coders are
    # Bayesian mixtures (coders/mix.py).
    gives_probabilities: bool = False

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        """Invert :meth:`compress` (or :meth:`compress_given` when ``given`` is not empty)."""
        raise NotImplementedError(f"{self.spec} cannot decompress")

    # -- what symbol coders (``reads == "symbols"``: models.ModelCoder, an agent over one) provide instead ------------
    def symbol_bits(self, table: SymbolColumns, target: Sequence[str], given: Sequence[str] = ()) -> float:
        """``C(target | given)`` in bits over the columns of a symbol table (symbol coders only)."""
        return self.symbol_bits_many(table, target, [given])[0]

    def symbol_bits_many(self, table: SymbolColumns, target: Sequence[str],
                         givens: Sequence[Sequence[str]]) -> list[float]:
        """``C(target | G)`` in bits for each G of ``givens`` (symbol coders only)."""
        raise NotImplementedError(f"{self.spec} codes bytes, not symbol tables")

    def row_bits_after(self, train: SymbolColumns, rows: SymbolColumns, columns: Sequence[str]) -> np.ndarray:
        """Per row of ``rows``, its code length alone after the rows of ``train``, in bits (symbol coders only)."""
        raise NotImplementedError(f"{self.spec} codes bytes, not symbol tables")

    def prior_for(self, atoms) -> bytes:
        """The bytes every code length of these atoms is conditioned on: none, except for agents (natlat priors)."""
        return b""

    # -- code lengths --------------------------------------------------------------------------------------------------
    @cached_property
    def overhead_bytes(self) -> int:
        """The container's fixed cost: the size of the compressed empty string, subtracted from every code length."""
        return len(self.compress(b""))

    def bits(self, data: bytes) -> float:
        """The code length of ``data`` in bits, with no container; ``bits(b"") == 0``. Whole bits for compressors
        (whole bytes of output), real numbers for mixtures and models.

        >>> import natlat_compress as nc
        >>> zstd = nc.get_coder("zstd:19")
        >>> zstd.bits(b""), zstd.bits(b"abc" * 50) < 8 * 150
        (0, True)
        """
        if not data:
            return 0
        self._check_reach(len(data), 0)
        return self._bits(data)

    def conditional_bits(self, data: bytes, given: bytes) -> float:
        """The code length of ``data`` given ``given``, in bits: primed where the coder allows, else by concatenation.

        Concatenation ``C(given·data) − C(given)`` can be negative for real compressors; it is returned as measured.

        >>> import natlat_compress as nc
        >>> zstd = nc.get_coder("zstd:19")
        >>> text = b"It was the best of times, it was the worst of times. " * 20
        >>> zstd.conditional_bits(text, given=text) < zstd.bits(text)      # primed with itself: nearly free
        True
        """
        if not given:
            return self.bits(data)
        if not data:
            return 0
        self._check_reach(len(data), len(given))
        if self.method == PRIMED:
            return 8 * (len(self.compress_given(data, given)) - self.overhead_bytes)
        return self._bits(given + data) - self._bits(given)

    def _bits(self, data: bytes) -> float:
        return 8 * (len(self.compress(data)) - self.overhead_bytes)

    def reach_for(self, conditional: bool) -> int | None:
        """How many bytes one call can see: unconditional, or data and given together."""
        return self.reach

    def reach_message(self, n_data: int, n_given: int = 0) -> str | None:
        """Why a call on these sizes goes beyond the coder's reach, or None if it does not."""
        reach = self.reach_for(n_given > 0)
        if reach is None or n_data + n_given <= reach:
            return None
        what = f"{n_data:,} bytes" if not n_given else f"{n_data:,} bytes given {n_given:,} bytes"
        return (f"{self.spec} sees {reach:,} bytes at a time but was asked to code {what}: "
                f"repeats farther apart than its reach are not found, so code lengths overestimate")

    def _check_reach(self, n_data: int, n_given: int) -> None:
        if self._warned_reach:
            return
        message = self.reach_message(n_data, n_given)
        if message:
            self.warn_reach(message)

    def warn_reach(self, message: str) -> None:
        """Warn once per coder: later calls beyond reach stay quiet."""
        self._warned_reach = True
        warn_user(message, ReachWarning)

    # -- description -----------------------------------------------------------------------------------------------
    def describe(self) -> dict:
        """What ``natlat coders`` and every JSON report say about this coder.

        >>> import natlat_compress as nc
        >>> described = nc.get_coder("zstd:19").describe()
        >>> described["conditioning"], described["reach_bytes"], sorted(described)
        ('primed', 8388608, ['conditioning', 'family', 'reach_bytes', 'reads', 'spec', 'version'])
        """
        return {
            "spec": self.spec,
            "family": self.family,
            "reads": self.reads,
            "conditioning": self.method,
            "reach_bytes": self.reach,
            "version": self.library_version(),
        }
