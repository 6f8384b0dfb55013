"""Zstandard through python-zstandard: frames without checksum, content size or dictionary id."""

from __future__ import annotations

import zstandard

from .base import PRIMED, Coder

__all__ = ["ZstdCoder"]

# The window zstd will use when primed: enough to cover |given| + |data|, within what a default decoder accepts
# (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27) or, with long mode, what zstd --long=31 allows.
MAX_WINDOW_LOG = 27
MAX_WINDOW_LOG_LONG = 31
LONG_WINDOW_LOG = 27  # what `zstd --long` uses
MAX_TABLE_LOG = 24


def _params(level: int, **overrides) -> zstandard.ZstdCompressionParameters:
    # No checksum, content size or dictionary id: container bytes that are not code length.
    return zstandard.ZstdCompressionParameters.from_level(
        level, write_checksum=0, write_content_size=0, write_dict_id=0, **overrides)


class ZstdCoder(Coder):
    """zstd at LEVEL (negative levels are the fast ones); ``long`` enables long-distance matching with a 128 MiB window.

    Conditioning is primed: the given string becomes a raw-content dictionary, and the window and match-finder tables
    are widened to cover |given| + |data| (the window up to 2^27 bytes, 2^31 in long mode; tables up to 2^24 entries),
    so that all of the given string can be found.
    """

    family = "zstd"
    method = PRIMED
    can_decompress = True

    def __init__(self, level: int, long: bool = False) -> None:
        self.level = level
        self.long = long
        if long:
            self.params = _params(level, window_log=LONG_WINDOW_LOG, enable_ldm=True)
        else:
            self.params = _params(level)
        super().__init__(f"zstd:{level}{':long' if long else ''}", 1 << self.params.window_log)
        self.primed_reach = 1 << (MAX_WINDOW_LOG_LONG if long else MAX_WINDOW_LOG)
        self._compressor = self._make(self.params, None)

    @staticmethod
    def library_version() -> str:
        return f"python-zstandard {zstandard.__version__}, libzstd {'.'.join(map(str, zstandard.ZSTD_VERSION))}"

    @staticmethod
    def _make(params, dict_data):
        return zstandard.ZstdCompressor(compression_params=params, dict_data=dict_data)

    def compress(self, data: bytes) -> bytes:
        return self._compressor.compress(data)

    def _primed_params(self, n_data: int, n_given: int):
        need = max(self.params.window_log, (n_data + n_given - 1).bit_length())
        window_log = min(need, MAX_WINDOW_LOG_LONG if self.long else MAX_WINDOW_LOG)
        level = _params(self.level, source_size=n_data + n_given, enable_ldm=self.long)
        # The match-finder tables grow with the window: with the level's own (2^13..2^17 entries at levels <= 3) a
        # dictionary of megabytes is overwritten before the data is read, and its far end is never found.
        # Capped at 2^24 entries (64 MiB).
        tables = min(window_log, MAX_TABLE_LOG)
        return _params(self.level, source_size=n_data + n_given, window_log=window_log, enable_ldm=self.long,
                       hash_log=max(level.hash_log, tables), chain_log=max(level.chain_log, tables))

    def compress_given(self, data: bytes, given: bytes) -> bytes:
        dictionary = zstandard.ZstdCompressionDict(given, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        return self._make(self._primed_params(len(data), len(given)), dictionary).compress(data)

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        dictionary = zstandard.ZstdCompressionDict(given, dict_type=zstandard.DICT_TYPE_RAWCONTENT) if given else None
        d = zstandard.ZstdDecompressor(dict_data=dictionary, max_window_size=1 << MAX_WINDOW_LOG_LONG)
        return d.decompressobj().decompress(blob)

    def reach_for(self, conditional: bool) -> int | None:
        # Priming widens the window beyond the level's own.
        return self.primed_reach if conditional else self.reach
