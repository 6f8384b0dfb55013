"""How far a coder is from a *normal compressor*, and the normalized compression distance.

A normal compressor (Cilibrasi & Vitányi, "Clustering by compression", 2005) is idempotent ``C(ss) = C(s)``,
monotone ``C(st) ≥ C(s)``, symmetric ``C(st) = C(ts)`` and distributive ``C(st) + C(u) ≤ C(su) + C(tu)``, up to
logarithmic terms. Real compressors break these past their window or block (Cebrián et al. 2005, THEORY.md §3); the
measurements here show where, on the user's own data.
"""

from __future__ import annotations

from typing import Sequence

from .coders import Coder

__all__ = ["axiom_sizes", "axioms", "ncd", "ncd_matrix"]


def axiom_sizes(length: int, smallest: int = 1024, factor: int = 4) -> list[int]:
    """Sizes from ``smallest`` growing by ``factor`` up to ``length``, and ``length`` itself."""
    sizes = []
    m = smallest
    while m < length:
        sizes.append(m)
        m *= factor
    return sizes + [length] if length > 0 else sizes


def axioms(coder: Coder, data: bytes, sizes: Sequence[int] | None = None) -> list[dict]:
    """Per size m, with s, t, u the three consecutive m-byte pieces of ``data`` (t and u when the data is long enough):

    - ``idempotency`` = C(ss) − C(s), ideally ≈ 0 (and ``idempotency_relative`` = that / C(s));
    - ``symmetry`` = C(st) − C(ts), ideally ≈ 0;
    - ``monotonicity`` = C(st) − C(s), must be ≥ 0;
    - ``distributivity`` = C(st) + C(u) − C(su) − C(tu), must be ≤ 0.

    All in bits. ``within_reach`` says whether 2m bytes fit the coder's window or block.
    """
    rows = []
    for m in sizes or axiom_sizes(len(data)):
        s = data[:m]
        cs = coder.bits(s)
        idempotency = coder.bits(s + s) - cs
        row: dict[str, float | bool | None] = {"size": len(s), "C(s)": cs, "idempotency": idempotency,
                                               "idempotency_relative": idempotency / cs if cs else None}
        if 3 * m <= len(data):
            t, u = data[m:2 * m], data[2 * m:3 * m]
            cst = coder.bits(s + t)
            row["symmetry"] = cst - coder.bits(t + s)
            row["monotonicity"] = cst - cs
            row["distributivity"] = cst + coder.bits(u) - coder.bits(s + u) - coder.bits(t + u)
        else:
            row.update(symmetry=None, monotonicity=None, distributivity=None)
        row["within_reach"] = coder.reach is None or 2 * len(s) <= coder.reach
        rows.append(row)
    return rows


def ncd(coder: Coder, x: bytes, y: bytes, cx: float | None = None, cy: float | None = None) -> float:
    """``NCD(x, y) = (C(xy) − min(C(x), C(y))) / max(C(x), C(y))`` (Cilibrasi & Vitányi 2005)."""
    cx = coder.bits(x) if cx is None else cx
    cy = coder.bits(y) if cy is None else cy
    if max(cx, cy) == 0:
        return 0.0
    return (coder.bits(x + y) - min(cx, cy)) / max(cx, cy)


def ncd_matrix(coder: Coder, items: Sequence[bytes]) -> list[list[float]]:
    """NCD of every ordered pair: entry [i][j] concatenates item i then item j, so asymmetry shows as measured."""
    sizes = [coder.bits(x) for x in items]
    return [[ncd(coder, x, y, cx, cy) for y, cy in zip(items, sizes)] for x, cx in zip(items, sizes)]
