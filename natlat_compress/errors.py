"""The exceptions and warnings natlat_compress raises on purpose.

Every expected failure is a :class:`NatlatError`; the CLI turns it into one line ``Error: ...`` on stderr
and a non-zero exit. Anything else that escapes is a bug.
"""

from __future__ import annotations

import inspect
import os
import warnings

__all__ = ["NatlatError", "SpecError", "MissingExtraError", "CorpusError", "ReachWarning", "warn_user"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


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


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn at the first caller outside natlat_compress, wherever inside it the warning is raised: the line a user
    sees is theirs (pandas' ``find_stack_level``; Python 3.12's ``skip_file_prefixes`` does the same)."""
    level, frame = 1, inspect.currentframe()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    del frame  # a frame kept in a local is a reference cycle
    warnings.warn(message, category, stacklevel=level)
