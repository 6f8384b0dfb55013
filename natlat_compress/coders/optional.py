"""Coders whose packages are optional extras: brotli (``pip install natlat_compress[brotli]``) and PPMd (``[ppmd]``)."""

from __future__ import annotations

from .base import CONCATENATION, Coder

__all__ = ["BrotliCoder", "PpmdCoder"]

BROTLI_LGWIN = 24  # the brotli CLI's default window: 16 MiB


class BrotliCoder(Coder):
    """brotli at quality LEVEL with a 16 MiB window (lgwin 24); a raw brotli stream has no container."""

    family = "brotli"
    method = CONCATENATION
    can_decompress = True

    def __init__(self, quality: int) -> None:
        import brotli  # noqa: F401  (the registry checked it is importable)

        super().__init__(f"brotli:{quality}", (1 << BROTLI_LGWIN) - 16)
        self.quality = quality

    @staticmethod
    def library_version() -> str:
        import brotli

        return f"brotli {getattr(brotli, '__version__', '?')}"

    def compress(self, data: bytes) -> bytes:
        import brotli

        return brotli.compress(data, quality=self.quality, lgwin=BROTLI_LGWIN)

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        import brotli

        return brotli.decompress(blob)


class PpmdCoder(Coder):
    """PPMd variant H (7-Zip's PPMd7) of ORDER with MEM MiB of model memory (default 16).

    When the model memory fills up, PPMd restarts its model: that memory is its reach.
    """

    family = "ppmd"
    method = CONCATENATION
    can_decompress = True

    def __init__(self, order: int, mem_mib: int = 16) -> None:
        super().__init__(f"ppmd:{order}" + (f":{mem_mib}" if mem_mib != 16 else ""), mem_mib << 20)
        self.order = order
        self.mem_size = mem_mib << 20

    @staticmethod
    def library_version() -> str:
        import pyppmd

        return f"pyppmd {pyppmd.__version__}"

    def compress(self, data: bytes) -> bytes:
        import pyppmd

        encoder = pyppmd.Ppmd7Encoder(self.order, self.mem_size)
        return encoder.encode(data) + encoder.flush(endmark=False)

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        import pyppmd

        return pyppmd.Ppmd7Decoder(self.order, self.mem_size).decode(blob, size)
