"""ZPAQ (Matt Mahoney's context-mixing archiver) through the ``zpaq`` package: ``pip install natlat_compress[zpaq]``.

ZPAQ method 5 mixes order-0..6 and word contexts with neural-network mixing and codes each bit arithmetically; on the
Canterbury texts it codes 5-13 % below PPMd order 6 (benchmarks/RESULTS.md, "Text coders").
"""

from __future__ import annotations

from .base import CONCATENATION, Coder

__all__ = ["ZpaqCoder", "zpaq_stream_bytes"]

# Every block opens with this 13-byte locator tag, then "zPQ", the ZPAQ level, the ZPAQL type, and the model (HCOMP)
# behind its own two-byte length (libzpaq.cpp, Compressor::writeTag and startBlock).
LOCATOR_TAG = bytes.fromhex("376b5374a03183d38cb228b0d3")
# The arithmetic coder never writes four zeros in a row, except as its last bytes: they end a segment.
END_OF_DATA = b"\0\0\0\0"
SEGMENT, NO_CHECKSUM, CHECKSUM, END_OF_BLOCK = 1, 254, 253, 255


def zpaq_stream_bytes(blob: bytes) -> int:
    """The bytes of coded data in a ZPAQ stream: every block's header (locator tag, model description), every
    segment's header (file name, the size comment), end marks (four zeros, checksum flag) and, where a level stores
    its LZ77 output without a model (level 1), the 4-byte chunk lengths left out.

    Raises ``ValueError`` on a stream that does not parse, so a library change in the layout cannot go unnoticed.
    """
    total, pos = 0, 0
    try:
        while pos < len(blob):
            if blob[pos:pos + len(LOCATOR_TAG)] != LOCATOR_TAG or blob[pos + 13:pos + 16] != b"zPQ":
                raise ValueError(f"no ZPAQ block starts at byte {pos}")
            pos += 18  # tag, "zPQ", level, type
            modeled = blob[pos + 6] > 0  # the model's number of components; none: the data is stored, not coded
            pos += 2 + int.from_bytes(blob[pos:pos + 2], "little")  # the model (HCOMP) and its length
            while blob[pos] == SEGMENT:
                pos = blob.index(b"\0", pos + 1)  # end of the file name
                pos = blob.index(b"\0", pos + 1) + 2  # end of the comment, then one reserved byte
                if modeled:
                    end = blob.index(END_OF_DATA, pos)
                    while blob[end + len(END_OF_DATA)] == 0:  # the coder's last bytes may be zeros too
                        end += 1
                    total += end - pos
                    pos = end + len(END_OF_DATA)
                else:  # stored chunks, each behind its 4-byte length; a zero length ends them
                    while (length := int.from_bytes(blob[pos:pos + 4], "big")) > 0:
                        total += length
                        pos += 4 + length
                    pos += 4
                if blob[pos] not in (NO_CHECKSUM, CHECKSUM):
                    raise ValueError(f"no checksum flag at byte {pos} of a ZPAQ stream")
                pos += 1 if blob[pos] == NO_CHECKSUM else 21  # the flag, and a SHA-1 after CHECKSUM
            if blob[pos] != END_OF_BLOCK:
                raise ValueError(f"no end of block at byte {pos} of a ZPAQ stream")
            pos += 1
    except IndexError:
        raise ValueError("the ZPAQ stream ends inside a block") from None
    return total


class ZpaqCoder(Coder):
    """ZPAQ at LEVEL 1..5 (1, 2: LZ77; 3: BWT; 4, 5: context mixing), on one thread.

    One thread, so that a string and its condition sit in one block and the model coding the data has learnt the
    condition: with several threads the package cuts the input into independent blocks and ``C(t·s) − C(t)`` conditions
    on nothing. Blocks are 64 MiB at levels 2..5 (16 MiB at level 1): that is the reach. The model description and
    segment headers are container; the code length is the arithmetic-coded stream. At levels 1..3 that stream opens
    with the decoder's post-processor program (LZ77 or inverse BWT, 100-300 bytes), which is counted, as a benchmark
    charging for the decompressor would. Conditioning is by concatenation, which for one deterministic block is
    priming: the bits spent on ``s`` after ``t`` in one stream.
    """

    family = "zpaq"
    method = CONCATENATION
    can_decompress = True

    def __init__(self, level: int) -> None:
        super().__init__(f"zpaq:{level}", ((1 << 24) if level < 2 else (1 << 26)) - 4096)
        self.level = level

    @staticmethod
    def library_version() -> str:
        import importlib.metadata

        return f"zpaq {importlib.metadata.version('zpaq')} (libzpaq 7.15)"

    def compress(self, data: bytes) -> bytes:
        import zpaq

        # hints: the zpaq CLI's pre-scan of the block (text or binary, order-1 redundancy, periods) picks the model's
        # contexts; a function of the block's bytes alone, so deterministic. On alice29 it saves 1.5 % at level 5.
        return zpaq.compress(data, level=self.level, threads=1, hints=True)

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        import zpaq

        return zpaq.decompress(blob)

    @property
    def overhead_bytes(self) -> int:  # container bytes are parsed out, not subtracted
        return 0

    def _bits(self, data: bytes) -> int:
        return 8 * zpaq_stream_bytes(self.compress(data))
