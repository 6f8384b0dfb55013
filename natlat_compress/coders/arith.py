"""An exact arithmetic coder on Python integers: the proof that a model coder's reported bits are achievable.

Each symbol is coded with a distribution quantised to integer frequencies summing to ``2^PRECISION`` (every symbol at
least 1, so nothing is uncodable). The interval after i symbols is ``[low, low + width)`` in units of ``2^(−PRECISION·i)``;
coding a symbol with cumulative frequency ``c`` and frequency ``f`` maps it to ``[low·2^P + c·width, … + f·width)``.
All of it is integer arithmetic, so encoder and decoder agree to the bit; the message is the shortest bit string whose
value, padded with zeros, lies in the final interval, rounded up to whole bytes. Its length is at most
``Σ −log2 P(x_t) + 1`` bits plus the quantisation loss (under ``2^(−PRECISION+1)·K`` bits a symbol) and the byte padding.

Integers grow with the message (cost quadratic in its length): meant for checking codes on small tables, not for
storing large ones.

Numbers on a grid (a numeric column at its precision δ: grid positions j, value jδ) have an unbounded alphabet: a row's
distribution is spelt out on a window of positions ``[lo, hi)`` both sides agree on, and one more symbol, the escape,
takes the rest of the mass; an escaped position is then sent as a side and an Elias-γ distance
(:func:`encode_on_grid`). Inside the window that is the distribution's own code length.
"""

from __future__ import annotations

import numpy as np

from typing import Callable

__all__ = ["PRECISION", "quantise", "Encoder", "Decoder", "encode_elias_gamma", "decode_elias_gamma", "encode_on_grid",
           "decode_on_grid"]

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
    """Decode the symbols of :meth:`Encoder.finish`'s bytes, given the same distributions in the same order: at most
    ``n_symbols`` of them, or as many as asked when it is None (the caller knows where the message ends)."""

    def __init__(self, data: bytes, n_symbols: int | None = None) -> None:
        self.value, self.bits = int.from_bytes(data, "big"), 8 * len(data)  # the message is value / 2^bits
        self.remaining = n_symbols
        self.count = 0
        self.low, self.width = 0, 1

    def decode(self, probabilities: np.ndarray) -> int:
        if self.remaining is not None and self.remaining <= 0:
            raise ValueError("every symbol of the message has been decoded")
        frequencies = quantise(probabilities)
        if self.remaining is not None:
            self.remaining -= 1
        self.count += 1
        # The message's leading digits at this depth (in units of 2^−(PRECISION·count); the bits past its end are
        # zeros), relative to the interval: which symbol's sub-interval holds it.
        shift = PRECISION * self.count - self.bits
        leading = self.value << shift if shift >= 0 else self.value >> -shift
        offset = (leading - (self.low << PRECISION)) // self.width
        cumulative = np.cumsum([0] + frequencies, dtype=object)
        symbol = int(np.searchsorted(cumulative, offset, side="right")) - 1
        if not 0 <= symbol < len(frequencies):
            raise ValueError("the message does not decode under these distributions")
        self.low = (self.low << PRECISION) + int(cumulative[symbol]) * self.width
        self.width *= frequencies[symbol]
        return symbol


HALF = np.array([0.5, 0.5])


def encode_elias_gamma(encoder: Encoder, value: int) -> None:
    """A positive integer as its Elias-γ code, ``2⌊log2 value⌋ + 1`` bits of probability ½ each."""
    if value < 1:
        raise ValueError(f"Elias-γ codes positive integers. Got {value} instead.")
    digits = value.bit_length()
    for _ in range(digits - 1):
        encoder.encode(HALF, 0)
    for i in range(digits - 1, -1, -1):
        encoder.encode(HALF, (value >> i) & 1)


def decode_elias_gamma(decoder: Decoder) -> int:
    zeros = 0
    while decoder.decode(HALF) == 0:
        zeros += 1
    value = 1
    for _ in range(zeros):
        value = 2 * value + decoder.decode(HALF)
    return value


def _window_and_escape(log2_cells: Callable[[np.ndarray], np.ndarray], window: tuple[int, int]) -> np.ndarray:
    probabilities = np.exp2(log2_cells(np.arange(*window)))
    return np.r_[probabilities, max(1.0 - float(probabilities.sum()), 0.0)]


def encode_on_grid(encoder: Encoder, log2_cells: Callable[[np.ndarray], np.ndarray], window: tuple[int, int],
                   position: int) -> bool:
    """Code a grid position with the distribution ``2^log2_cells(j)``: inside ``window`` = [lo, hi) as one of its cells,
    outside as the escape (the window's missing mass), a side (½) and the Elias-γ distance past the window's edge.
    Returns whether it escaped."""
    lo, hi = window
    probabilities = _window_and_escape(log2_cells, window)
    if lo <= position < hi:
        encoder.encode(probabilities, position - lo)
        return False
    encoder.encode(probabilities, hi - lo)
    encoder.encode(HALF, int(position >= hi))
    encode_elias_gamma(encoder, position - hi + 1 if position >= hi else lo - position)
    return True


def decode_on_grid(decoder: Decoder, log2_cells: Callable[[np.ndarray], np.ndarray], window: tuple[int, int]) -> int:
    lo, hi = window
    symbol = decoder.decode(_window_and_escape(log2_cells, window))
    if symbol < hi - lo:
        return lo + symbol
    if decoder.decode(HALF):
        return hi - 1 + decode_elias_gamma(decoder)
    return lo - decode_elias_gamma(decoder)
