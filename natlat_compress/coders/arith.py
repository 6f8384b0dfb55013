"""An exact arithmetic coder on Python integers: the proof that a model coder's reported bits are achievable.

Each symbol is coded with a distribution quantised to integer frequencies summing to ``2^PRECISION`` (every symbol at
least 1, so nothing is uncodable). The interval after i symbols is ``[low, low + width)`` in units of ``2^(−PRECISION·i)``;
coding a symbol with cumulative frequency ``c`` and frequency ``f`` maps it to ``[low·2^P + c·width, … + f·width)``.
All of it is integer arithmetic, so encoder and decoder agree to the bit; the message is the shortest bit string whose
value, padded with zeros, lies in the final interval, rounded up to whole bytes. Its length is at most
``Σ −log2 P(x_t) + 1`` bits plus the quantisation loss (under ``2^(−PRECISION+1)·K`` bits a symbol) and the byte padding.

Integers grow with the message (cost quadratic in its length): meant for checking codes on small tables, not for
storing large ones.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRECISION", "quantise", "Encoder", "Decoder"]

PRECISION = 32


def quantise(probabilities: np.ndarray) -> list[int]:
    """Integer frequencies, each ≥ 1, summing to ``2^PRECISION``, proportional to ``probabilities`` (the rounding
    remainder goes to the most probable symbol)."""
    total = 1 << PRECISION
    probabilities = np.asarray(probabilities, dtype=float)
    if not np.isfinite(probabilities).all() or (probabilities < 0).any() or not probabilities.sum() > 0:
        raise ValueError(f"probabilities must be finite, non-negative and not all zero. Got {probabilities!r}.")
    scaled = probabilities / probabilities.sum() * (total - len(probabilities))
    frequencies = [int(f) + 1 for f in np.floor(scaled)]
    frequencies[int(np.argmax(scaled))] += total - sum(frequencies)
    return frequencies


class Encoder:
    """Code symbols one at a time, each with its own distribution; :meth:`finish` returns the bytes."""

    def __init__(self) -> None:
        self.low, self.width, self.count = 0, 1, 0

    def encode(self, probabilities: np.ndarray, symbol: int) -> None:
        frequencies = quantise(probabilities)
        self.low = (self.low << PRECISION) + sum(frequencies[:symbol]) * self.width
        self.width *= frequencies[symbol]
        self.count += 1

    def finish(self) -> bytes:
        scale = PRECISION * self.count  # the interval is in units of 2^−scale
        bits = max(0, scale - self.width.bit_length())
        while True:  # the first prefix length whose multiples of 2^(scale − bits) reach into the interval
            step = 1 << (scale - bits)
            value = -(-self.low // step)  # the smallest multiple not below low, in units of step
            if value * step < self.low + self.width:
                break
            bits += 1
        n_bytes = -(-bits // 8)
        return (value << (8 * n_bytes - bits)).to_bytes(n_bytes, "big")


class Decoder:
    """Decode ``n_symbols`` symbols of :meth:`Encoder.finish`'s bytes, given the same distributions in the same order."""

    def __init__(self, data: bytes, n_symbols: int) -> None:
        scale, padded = PRECISION * n_symbols, 8 * len(data)
        value = int.from_bytes(data, "big")
        # the message's value in units of 2^−scale (exact: the padding bits are zeros)
        self.value = value << (scale - padded) if scale >= padded else value >> (padded - scale)
        self.remaining = n_symbols
        self.low, self.width = 0, 1

    def decode(self, probabilities: np.ndarray) -> int:
        if self.remaining <= 0:
            raise ValueError("every symbol of the message has been decoded")
        frequencies = quantise(probabilities)
        self.remaining -= 1
        # The value's leading digits at this depth, relative to the interval: which symbol's sub-interval holds it.
        offset = ((self.value >> (PRECISION * self.remaining)) - (self.low << PRECISION)) // self.width
        cumulative = np.cumsum([0] + frequencies, dtype=object)
        symbol = int(np.searchsorted(cumulative, offset, side="right")) - 1
        if not 0 <= symbol < len(frequencies):
            raise ValueError("the message does not decode under these distributions")
        self.low = (self.low << PRECISION) + int(cumulative[symbol]) * self.width
        self.width *= frequencies[symbol]
        return symbol
