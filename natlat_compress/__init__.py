"""natlat_compress: compressors stand in for a universal prior.

Code lengths in bits approximate Kolmogorov complexity; differences of code lengths estimate how far a candidate
latent is from a natural latent (Wentworth & Lorell). See ``score`` and the ``natlat`` command line.
"""

__version__ = "0.1.0"

from .coders import Coder, get_coder
from .corpus import TableCorpus, TextCorpus, load_corpus, load_table, load_texts, table_from_columns
from .errors import CorpusError, MissingExtraError, NatlatError, ReachWarning, SpecError
from .score import score

__all__ = ["__version__", "Coder", "get_coder", "score", "load_corpus", "load_table", "load_texts",
           "table_from_columns", "TableCorpus", "TextCorpus", "NatlatError", "SpecError", "MissingExtraError",
           "CorpusError", "ReachWarning"]
