"""Coders: compressors and models that turn data into code lengths in bits, chosen by spec strings."""

from .base import CONCATENATION, MODEL, PRIMED, Coder
from .registry import FAMILIES, Family, family_names, get_coder, is_available

__all__ = ["Coder", "Family", "FAMILIES", "get_coder", "family_names", "is_available", "PRIMED", "CONCATENATION",
           "MODEL"]
