"""``mix:SPEC,SPEC,…``: a Solomonoff-style mixture over K coders, itself a coder.

THEORY.md §3: "a Bayesian mixture over M models costs at most log2 M bits more than its best member (the finite-class
version of the Solomonoff mixture)". Two codes, by what the members can give:

* **two-part code** (any member, black boxes included): name the best member in ``log2 K`` bits, then use its code,
  ``C(s) = min_k C_k(s) + log2 K``; given t, ``min_k C_k(s|t) + log2 K``. ``compress`` writes exactly that: one byte
  naming the member, then its output (the byte stands for the ``log2 K`` bits an arithmetic coder would spend).
* **Bayesian mixture** (every member gives probabilities, ``gives_probabilities``: language models): with the uniform
  prior ``w_k = 1/K``, ``P(s) = Σ_k w_k 2^{−C_k(s)}``, so ``C(s) = −log2 Σ_k 2^{−C_k(s)} + log2 K``, which lies between
  ``min_k C_k(s)`` and the two-part code. Given t the weights become the posterior ``∝ w_k 2^{−C_k(t)}``, so
  ``C(s|t) = C(t·s) − C(t)`` computed from each member's ``C_k(t) + C_k(s|t)``.

Code lengths are real numbers of bits (log2 K is not whole), never more than ``log2 K`` above the best member.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..errors import SpecError
from .base import CONCATENATION, MODEL, PRIMED, Coder

__all__ = ["MixCoder"]

MAX_MEMBERS = 255  # one byte names the member in ``compress``


def _mixture_bits(code_lengths: np.ndarray) -> float:
    """``−log2 Σ_k 2^{−C_k}`` over the last axis, computed stably (log-sum-exp in base 2)."""
    best = code_lengths.min(axis=-1)
    return best - np.log2(np.exp2(-(code_lengths - best[..., None])).sum(axis=-1))


class MixCoder(Coder):
    """The mixture of ``members`` (byte coders, at least two): a two-part code, or the Bayesian mixture when every
    member gives probabilities. See the module docstring for the code lengths."""

    family = "mix"

    def __init__(self, members: Sequence[Coder]) -> None:
        if len(members) > MAX_MEMBERS:
            raise SpecError(f"mix takes at most {MAX_MEMBERS} members; got {len(members)}")
        symbol_readers = [m.spec for m in members if m.reads != "bytes"]
        if symbol_readers:
            raise SpecError(f"mix mixes byte coders; {symbol_readers[0]} reads symbol tables "
                            "(the 'model' coder is already a Bayesian mixture over table models)")
        self.members = list(members)
        reaches = [m.reach for m in members if m.reach is not None]
        super().__init__("mix:" + ",".join(m.spec for m in members),
                         max(reaches) if len(reaches) == len(members) else None)  # unbounded if one member is
        self.log2_k = math.log2(len(members))
        self.bayesian = all(m.gives_probabilities for m in members)
        self.gives_probabilities = self.bayesian
        methods = {m.method for m in members}
        self.method = MODEL if self.bayesian else PRIMED if methods == {PRIMED} else CONCATENATION
        self.can_decompress = all(m.can_decompress for m in members)

    def library_version(self) -> str:  # per instance: the members'
        return "; ".join(dict.fromkeys(m.library_version() for m in self.members))

    # -- code lengths --------------------------------------------------------------------------------------------
    def member_bits(self, data: bytes, given: bytes = b"") -> np.ndarray:
        """Each member's code length of ``data`` (given ``given``), in bits."""
        return np.array([m.conditional_bits(data, given) if given else m.bits(data) for m in self.members], float)

    def bits(self, data: bytes) -> float:
        if not data:
            return 0
        lengths = self.member_bits(data)
        return float((_mixture_bits(lengths) if self.bayesian else lengths.min()) + self.log2_k)

    def conditional_bits(self, data: bytes, given: bytes) -> float:
        if not given:
            return self.bits(data)
        if not data:
            return 0
        conditional = self.member_bits(data, given)
        if not self.bayesian:
            return float(conditional.min() + self.log2_k)
        condition = self.member_bits(given)
        return float(_mixture_bits(condition + conditional) - _mixture_bits(condition))

    def best_member(self, data: bytes, given: bytes = b"") -> Coder:
        """The member with the shortest code for ``data`` (given ``given``)."""
        return self.members[int(np.argmin(self.member_bits(data, given)))]

    # -- a real code: the member's index, then its output --------------------------------------------------------
    def compress(self, data: bytes) -> bytes:
        best = self.best_member(data) if data else self.members[0]
        return bytes([self.members.index(best)]) + best.compress(data)

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        return self.members[blob[0]].decompress(blob[1:], size)

    def reach_message(self, n_data: int, n_given: int = 0) -> str | None:
        # The members speak for themselves when called; the mixture adds nothing beyond its longest-reaching member.
        return None

    def describe(self) -> dict:
        return {**super().describe(), "members": [m.spec for m in self.members],
                "code": "bayesian mixture" if self.bayesian else "two-part (best member + log2 K bits)"}
