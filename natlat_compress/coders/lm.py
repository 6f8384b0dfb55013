"""``lm:PATH``: a causal language model from a local folder as a coder (``pip install natlat_compress[lm]``).

A language model is a prior over strings; arithmetic coding turns its predictions into a code whose length is
``Σ −log2 p`` to within a few bytes (Delétang et al. 2023, "Language Modeling Is Compression"; LLMZip 2023;
THEORY.md §3, the model-based conditioning). The folder is what ``save_pretrained`` writes (config, weights,
tokenizer); nothing is downloaded: transformers runs offline.

The code, in bits, of a byte string s (given t):

* one bit says which of two codes follows;
* **tokens**, when s is UTF-8 that the tokenizer gives back unchanged: the token ids of s, each arithmetic-coded
  (constriction's range coder) with the model's next-token probabilities, after a start token and the tokens of t
  (conditioning puts t in the context; ``C(s|t)`` is the bits of s's tokens only);
* **bytes**, for every other string (not UTF-8, or changed by the tokenizer's normalisation): 8 bits a byte.

So every byte string has a code. Long inputs go through a sliding window of ``window`` tokens moved ``stride`` tokens
at a time: every token after the first window is predicted from at least ``window − stride + 1`` tokens of context.
The length of s is not coded (as for every coder here: code lengths never include a container).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MissingExtraError, NatlatError, SpecError
from .base import MODEL, Coder

__all__ = ["LanguageModelCoder", "LmCode"]

DEFAULT_WINDOW = 1024  # tokens; capped by the model's own context length
WORD_BITS = 32  # constriction's range coder writes 32-bit words
STOP_CHECK = 8  # how many of the last token prefixes could render as long as the whole text (see tokens_of)


@dataclass(frozen=True)
class LmCode:
    """One string coded: the range coder's words, how it was coded, and the ideal ``Σ −log2 p`` in bits."""

    words: np.ndarray
    tokens: bool  # True: token ids; False: raw bytes
    n_symbols: int
    ideal_bits: float

    @property
    def bits(self) -> int:
        return WORD_BITS * len(self.words)


def _uniform(n: int):
    import constriction

    return constriction.stream.model.Categorical(np.full(n, 1.0 / n), perfect=False)


def _parse_spec(args: str) -> tuple[str, dict[str, int]]:
    """``PATH[:window=N][:stride=N][:threads=N]`` → (path, options); options are peeled off the right so a path may hold ':'."""
    options: dict[str, int] = {}
    path = args
    while True:
        head, sep, tail = path.rpartition(":")
        key, eq, value = tail.partition("=")
        if not sep or not eq or key not in ("window", "stride", "threads"):
            break
        if not value.isdigit() or int(value) < 1:
            raise SpecError(f"the {key} of lm must be a positive int; got {value!r}")
        options[key] = int(value)
        path = head
    return path, options


class LanguageModelCoder(Coder):
    """A causal language model (any ``AutoModelForCausalLM`` checkpoint in a local folder) as a coder.

    ``window`` tokens of context at most (default: the model's context length, at most 1024); the window moves by
    ``stride`` tokens (default: half the window). Both are in ``describe()``. ``threads`` PyTorch threads (default 1:
    the engine runs terms in parallel processes, and a process forked after OpenMP has started its threads can hang;
    ``threads=2`` is for one long text coded alone, as with ``natlat bits``).
    """

    family = "lm"
    method = MODEL
    gives_probabilities = True
    # decompress() works (the tests decode), but one model call per token is a check, not a speed to benchmark.
    can_decompress = False

    def __init__(self, path: str, window: int | None = None, stride: int | None = None,
                 threads: int | None = None) -> None:
        folder = Path(path).expanduser()
        if not (folder / "config.json").is_file():
            raise SpecError(f"lm:PATH needs a folder holding a causal language model (config.json, weights and "
                            f"tokenizer, as save_pretrained writes them); {str(folder)!r} has no config.json")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import importlib.util

        if importlib.util.find_spec("constriction") is None or importlib.util.find_spec("torch") is None:
            raise MissingExtraError("the coder 'lm:' needs torch and constriction: "
                                    "pip install torch==2.13.0 'natlat_compress[lm]'")
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer

        transformers.utils.logging.disable_progress_bar()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            self.model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=torch.float32)
        except (OSError, ValueError, KeyError) as exc:
            raise NatlatError(f"cannot load a causal language model from {str(folder)!r}: "
                              f"{str(exc).splitlines()[0]}") from None
        self.model.eval()
        self.vocab_size = int(self.model.get_output_embeddings().weight.shape[0])
        context = getattr(self.model.config, "max_position_embeddings", None) or getattr(
            self.model.config, "n_positions", None) or DEFAULT_WINDOW
        self.window = min(window or min(context, DEFAULT_WINDOW), context)
        self.stride = stride or max(1, self.window // 2)
        if self.stride > self.window:
            raise SpecError(f"the stride of lm ({self.stride}) must not exceed its window ({self.window})")
        start = self.tokenizer.bos_token_id
        self.start_token = start if start is not None else self.tokenizer.eos_token_id
        self.threads = threads or 1
        options = "".join(f":{k}={v}" for k, v in (("window", window), ("stride", stride), ("threads", threads))
                          if v and not (k == "threads" and v == 1))
        self.path = str(folder.resolve())
        super().__init__(f"lm:{self.path}{options}", None)
        self.n_parameters = sum(p.numel() for p in self.model.parameters())

    @classmethod
    def from_spec(cls, args: str) -> "LanguageModelCoder":
        path, options = _parse_spec(args)
        if not path:
            raise SpecError("lm takes 'lm:PATH[:window=N][:stride=N][:threads=N]', PATH a folder with a causal "
                            "language model")
        return cls(path, **options)

    @staticmethod
    def library_version() -> str:
        import constriction  # noqa: F401
        import importlib.metadata as md
        import torch
        import transformers

        return f"transformers {transformers.__version__}, torch {torch.__version__}, " \
               f"constriction {md.version('constriction')}"

    # -- tokens ----------------------------------------------------------------------------------------------------
    def tokens_of(self, data: bytes) -> list[int] | None:
        """The token ids of ``data``, or None when they would not give ``data`` back (then it is coded as bytes)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if self._detokenize(ids) != data:
            return None
        # The decoder stops at the first prefix of tokens whose text is len(data) bytes long. A proper prefix ending
        # inside a character shows replacement characters (up to 3 bytes for each of its last <= 3 bytes), so only
        # the last few prefixes could be that long; if one is, the bytes code is used instead.
        if any(len(self._detokenize(ids[:k])) >= len(data) for k in range(max(0, len(ids) - STOP_CHECK), len(ids))):
            return None
        return ids

    def _detokenize(self, ids: list[int]) -> bytes:
        text = self.tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        assert isinstance(text, str)  # one sequence of ids decodes to one string (a batch would give a list)
        return text.encode("utf-8")

    def _context_of(self, given: bytes) -> list[int]:
        # The decoder knows the condition too, so it need not round-trip: any tokens of it will do.
        prefix = [self.start_token] if self.start_token is not None else []
        if not given:
            return prefix
        return prefix + self.tokenizer(given.decode("utf-8", errors="replace"), add_special_tokens=False)["input_ids"]

    # -- probabilities ------------------------------------------------------------------------------------------------
    def _calls(self, n_context: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each position to code: where the model's input begins and how long it is (padded at the end).

        Windows: the first codes every position it can see; each later one codes the next ``stride`` positions, so
        each is predicted from at least ``window − stride + 1`` tokens. Within a window, inputs are padded to the next
        power of two that covers the position (up to the window), so short strings cost short calls. None of this
        depends on where the text ends: the decoder, which does not know, makes the same calls with the same shapes,
        and gets bit-identical probabilities from a causal model."""
        first = max(n_context, 1)
        end = np.full(positions.shape, max(first + self.stride, self.window + 1))
        later = positions >= end
        end[later] += ((positions[later] - end[later]) // self.stride + 1) * self.stride
        begin = np.maximum(0, end - 1 - self.window)
        full = end - 1 - begin
        needed = positions - begin
        length = np.minimum(full, 1 << np.ceil(np.log2(np.maximum(needed, 1))).astype(np.int64))
        return begin, length

    def _scored_rows(self, begin: int) -> int:
        """The first row of a call's output that any position it codes can need: a later window codes only its last
        ``stride`` positions, so the output layer (a vocabulary-wide matrix product) runs on those rows alone. It
        depends on the call alone, so the decoder's one-position calls take the same rows in the same shape."""
        return 0 if begin == 0 else self.window - self.stride

    def _probabilities(self, tokens: list[int], begin: int, length: int, positions: np.ndarray) -> np.ndarray:
        """Next-token probabilities (float32 softmax, as float64 rows) for the tokens at ``positions`` from one call
        of the model on tokens[begin:begin+length] (padded with token 0 past the end of ``tokens``). The softmax runs
        in float32: the encoder and the decoder compute it alike, so any rounding is the same on both sides."""
        import torch

        torch.set_num_threads(self.threads)
        inputs = tokens[begin:begin + length]
        inputs = inputs + [0] * (length - len(inputs))
        first = self._scored_rows(begin)
        with torch.inference_mode():
            hidden = self.model.base_model(input_ids=torch.tensor([inputs])).last_hidden_state[0, first:]
            logits = self.model.get_output_embeddings()(hidden)[positions - 1 - begin - first, :self.vocab_size]
            return torch.softmax(logits, dim=-1).numpy().astype(np.float64)

    # -- the code -----------------------------------------------------------------------------------------------------
    def encode(self, data: bytes, given: bytes = b"") -> LmCode:
        """Arithmetic-code ``data`` (given ``given``); the result carries the words and the ideal length."""
        import constriction

        data, given = bytes(data), bytes(given)  # the engine hands over memoryviews
        encoder = constriction.stream.queue.RangeEncoder()
        ids = self.tokens_of(data)
        encoder.encode(np.array([int(ids is not None)], dtype=np.int32), _uniform(2))
        if ids is None:
            encoder.encode(np.frombuffer(data, dtype=np.uint8).astype(np.int32), _uniform(256))
            return LmCode(encoder.get_compressed(), False, len(data), 1.0 + 8.0 * len(data))
        context = self._context_of(given)
        tokens = context + ids
        ideal = 1.0
        if not context:  # no start token: the first one is coded uniformly
            encoder.encode(np.array(tokens[:1], dtype=np.int32), _uniform(self.vocab_size))
            ideal += math.log2(self.vocab_size)
        positions = np.arange(max(len(context), 1), len(tokens))
        begins, lengths = self._calls(len(context), positions)
        cuts = np.flatnonzero((np.diff(begins) != 0) | (np.diff(lengths) != 0)) + 1
        family = constriction.stream.model.Categorical(perfect=False)
        for group in np.split(np.arange(len(positions)), cuts):
            if not len(group):
                continue
            at = positions[group]
            p = self._probabilities(tokens, int(begins[group[0]]), int(lengths[group[0]]), at)
            symbols = np.array(tokens, dtype=np.int32)[at]
            ideal -= float(np.log2(p[np.arange(len(at)), symbols] / p.sum(axis=1)).sum())
            encoder.encode(symbols, family, p)
        return LmCode(encoder.get_compressed(), True, len(ids), ideal)

    def compress(self, data: bytes) -> bytes:
        return self.encode(data).words.astype("<u4").tobytes()

    @property
    def overhead_bytes(self) -> int:  # no container: the range coder's words are the code
        return 0

    def _bits(self, data: bytes) -> int:
        return self.encode(data).bits

    def conditional_bits(self, data: bytes, given: bytes) -> int:
        if not data:
            return 0
        return self.encode(data, given).bits

    def ideal_bits(self, data: bytes, given: bytes = b"") -> float:
        """``Σ −log2 p`` of the code (and its one flag bit), in bits: what the arithmetic coder approaches."""
        return self.encode(data, given).ideal_bits if data else 0.0

    def decompress(self, blob: bytes, size: int, given: bytes = b"") -> bytes:
        """Decode token by token (one model call per token: for tests and checks, not for speed); stops at the first
        prefix whose text is ``size`` bytes long. Each call has the shape of the encoder's call for that position
        (``_calls``), so a causal model gives the same probabilities, to the bit, as the tests check."""
        import constriction

        decoder = constriction.stream.queue.RangeDecoder(np.frombuffer(blob, dtype="<u4").astype(np.uint32))
        if decoder.decode(_uniform(2), 1)[0] == 0:
            return decoder.decode(_uniform(256), size).astype(np.uint8).tobytes()
        tokens = self._context_of(given)
        n_context = len(tokens)
        if not tokens:
            tokens = [int(decoder.decode(_uniform(self.vocab_size), 1)[0])]
        family = constriction.stream.model.Categorical(perfect=False)
        while len(self._detokenize(tokens[n_context:])) < size:
            at = np.array([len(tokens)])
            begin, length = (int(x[0]) for x in self._calls(n_context, at))
            tokens.append(int(decoder.decode(family, self._probabilities(tokens, begin, length, at))[0]))
        return self._detokenize(tokens[n_context:])

    def describe(self) -> dict:
        return {**super().describe(), "path": self.path, "parameters": self.n_parameters,
                "vocabulary": self.vocab_size, "window_tokens": self.window, "stride_tokens": self.stride,
                "threads": self.threads}


def build_random_model(folder: str | os.PathLike, training_text: str, vocab_size: int = 512, width: int = 64,
                       layers: int = 2, heads: int = 2, context: int = 128, seed: int = 0,
                       init_std: float = 0.02) -> int:
    """Write a randomly initialised GPT-2-shaped model and a byte-level BPE tokenizer (trained on ``training_text``)
    into ``folder``, for tests and benchmarks: nothing is downloaded. Returns the number of parameters.

    ``init_std`` is the weights' standard deviation: GPT-2's 0.02 predicts almost uniformly; larger values give
    random models that disagree with each other (two distinct priors)."""
    import torch
    import transformers
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    transformers.utils.logging.disable_progress_bar()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([training_text], vocab_size=vocab_size, min_frequency=1,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<|endoftext|>",
                                        eos_token="<|endoftext|>")
    tokenizer.save_pretrained(folder)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_embd=width, n_layer=layers, n_head=heads, n_positions=context,
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                        initializer_range=init_std)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(folder)
    return sum(p.numel() for p in model.parameters())
