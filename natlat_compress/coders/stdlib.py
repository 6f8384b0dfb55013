"""Coders from the standard library: zlib (raw deflate), bz2 and lzma (raw LZMA2)."""

from __future__ import annotations

import bz2
import lzma
import platform
import zlib

from .base import CONCATENATION, PRIMED, Coder

__all__ = ["ZlibCoder", "Bz2Coder", "LzmaCoder"]

# xz's dictionary size for each preset (xz(1), "Presets"): what one LZMA2 stream can reach back.
LZMA_DICT_SIZE = {0: 256 << 10, 1: 1 << 20, 2: 2 << 20, 3: 4 << 20, 4: 4 << 20, 5: 8 << 20, 6: 8 << 20,
                  7: 16 << 20, 8: 32 << 20, 9: 64 << 20}
ZLIB_WINDOW = 32 << 10


class ZlibCoder(Coder):
    """Raw deflate (no zlib header or Adler-32), primed with ``zdict``: only the last 32 KiB of the given string reach."""

    family = "zlib"
    method = PRIMED
    can_decompress = True

    def __init__(self, level: int) -> None:
        super().__init__(f"zlib:{level}", ZLIB_WINDOW)
        self.level = level

    @staticmethod
    def library_version() -> str:
        return zlib.ZLIB_RUNTIME_VERSION

    def _compressobj(self, given: bytes):
        if given:
            return zlib.compressobj(self.level, zlib.DEFLATED, -15, 9, zdict=given[-ZLIB_WINDOW:])
        return zlib.compressobj(self.level, zlib.DEFLATED, -15, 9)

    def compress(self, data: bytes) -> bytes:
        return self.compress_given(data, b"")

    def compress_given(self, data: bytes, given: bytes) -> bytes:
        c = self._compressobj(given)
        return c.compress(data) + c.flush()

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        d = zlib.decompressobj(-15, zdict=given[-ZLIB_WINDOW:]) if given else zlib.decompressobj(-15)
        return d.decompress(blob) + d.flush()


class Bz2Coder(Coder):
    """bzip2 at block size LEVEL×100 kB; the stream header and end-of-stream marker are subtracted."""

    family = "bz2"
    method = CONCATENATION
    can_decompress = True

    def __init__(self, level: int) -> None:
        super().__init__(f"bz2:{level}", level * 100_000)
        self.level = level

    @staticmethod
    def library_version() -> str:
        return "libbz2 (Python " + platform.python_version() + ")"

    def compress(self, data: bytes) -> bytes:
        return bz2.compress(data, self.level)

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        return bz2.decompress(blob)


class LzmaCoder(Coder):
    """LZMA2 in a raw stream (no .xz container), xz preset LEVEL, ``e`` for extreme."""

    family = "lzma"
    method = CONCATENATION
    can_decompress = True

    def __init__(self, level: int, extreme: bool = False) -> None:
        super().__init__(f"lzma:{level}{'e' if extreme else ''}", LZMA_DICT_SIZE[level])
        self.filters = [{"id": lzma.FILTER_LZMA2, "preset": level | (lzma.PRESET_EXTREME if extreme else 0)}]

    @staticmethod
    def library_version() -> str:
        return "liblzma (Python " + platform.python_version() + ")"

    def compress(self, data: bytes) -> bytes:
        return lzma.compress(data, format=lzma.FORMAT_RAW, filters=self.filters)

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        return lzma.decompress(blob, format=lzma.FORMAT_RAW, filters=self.filters)
