"""The exceptions and warnings natlat_compress raises on purpose.

Every expected failure is a :class:`NatlatError`; the CLI turns it into one line ``Error: ...`` on stderr
and a non-zero exit. Anything else that escapes is a bug.
"""

from __future__ import annotations

__all__ = ["NatlatError", "SpecError", "MissingExtraError", "CorpusError", "ReachWarning"]


class NatlatError(Exception):
    """An expected failure caused by the user's input or environment."""


class SpecError(NatlatError, ValueError):
    """A coder spec string that names no coder, or a bad level."""


class MissingExtraError(NatlatError, ImportError):
    """An optional coder whose package is not installed."""


class CorpusError(NatlatError, ValueError):
    """A corpus or latent that cannot be read or makes no sense."""


class ReachWarning(UserWarning):
    """A code length asked of a coder beyond its window or block: the estimate degrades."""
