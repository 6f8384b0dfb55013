"""natlat_compress: compressors stand in for a universal prior.

Code lengths in bits approximate Kolmogorov complexity; differences of code lengths estimate how far a candidate
latent is from a natural latent (Wentworth & Lorell). Every ``natlat`` command is a function here, with keyword
arguments named as its options, returning an object that is its JSON report:

>>> import natlat_compress as nc
>>> result = nc.score("natlat_compress/data/house-votes-84.csv", "Class", null=3, jobs=1)
>>> result.mediation_error > result.null["mean"]           # votes stay dependent given party, beyond the null
True
>>> frame = result.to_frame()                              # tidy records (pandas)
>>> sorted(set(frame["role"]))
['all', 'candidate', 'copy', 'empty']
"""

__version__ = "0.1.0"

import os as _os

# The work is spread over processes (engine); a BLAS pool in each on top of that only contends for the same cores:
# on the small matrices of the model coders it doubled their CPU time (measured, 20,000 x 20 numeric table).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_variable, "1")
# Where threads are asked for (lm:'s PyTorch), idle ones sleep instead of spinning: on a machine whose cores are busy
# with other work, spinning OpenMP threads made two threads 6x slower than one (measured, benchmarks/text_coders.py).
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .api import axioms, bench, bits, conditional_bits, discover, ncd, priors, score, synth
from .coders import Coder, get_coder
from .corpus import TableCorpus, TextCorpus, load_corpus, load_table, load_texts, table_from_columns
from .errors import CorpusError, MissingExtraError, NatlatError, ReachWarning, SpecError
from .results import (AxiomsResult, BenchResult, BitsResult, DiscoverResult, NcdResult, PriorsResult, Result,
                      ScoreResult, SynthResult)

__all__ = ["__version__", "score", "discover", "priors", "bench", "bits", "conditional_bits", "axioms", "ncd", "synth",
           "Result", "ScoreResult", "DiscoverResult", "PriorsResult", "BenchResult", "BitsResult", "AxiomsResult", "NcdResult",
           "SynthResult", "Coder", "get_coder", "load_corpus", "load_table", "load_texts", "table_from_columns",
           "TableCorpus", "TextCorpus", "NatlatError", "SpecError", "MissingExtraError", "CorpusError",
           "ReachWarning"]
