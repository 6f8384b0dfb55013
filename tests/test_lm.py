"""lm:PATH: a tiny randomly initialised causal language model, built in a temporary folder, as a coder.

Its code lengths are checked against Σ −log2 p computed directly from the model, its codes are decoded back, and two
checkpoints serve as two agents' priors.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("constriction")

import torch  # noqa: E402

from natlat_compress.coders import get_coder  # noqa: E402
from natlat_compress.coders.lm import LanguageModelCoder, build_random_model  # noqa: E402
from natlat_compress.errors import SpecError  # noqa: E402
from natlat_compress.priors import AgentSpec, compare_priors  # noqa: E402

from .conftest import CANTERBURY, assert_one_line_error, run  # noqa: E402

ALICE = (CANTERBURY / "alice29.txt").read_bytes()
LCET = (CANTERBURY / "lcet10.txt").read_bytes()


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Two checkpoints of one shape (seeds 0 and 1, weights wide enough that they disagree), tokenizer trained on a
    piece of alice29."""
    folders = []
    for seed in (0, 1):
        folder = tmp_path_factory.mktemp(f"lm{seed}")
        build_random_model(folder, ALICE[:30000].decode(), vocab_size=300, width=32, layers=2, heads=2, context=128,
                           seed=seed, init_std=0.3)
        folders.append(str(folder))
    return folders


def direct_bits(coder: LanguageModelCoder, data: bytes, given: bytes = b"") -> float:
    """Σ −log2 p of data's tokens after [start] + given's tokens, from one call of the model (all within its window):
    an independent computation of what the coder's ideal length must be."""
    context = [coder.tokenizer.bos_token_id] + (coder.tokenizer(given.decode())["input_ids"] if given else [])
    ids = coder.tokenizer(data.decode())["input_ids"]
    tokens = torch.tensor([context + ids])
    assert tokens.shape[1] <= coder.model.config.n_positions
    with torch.inference_mode():
        log_p = torch.log_softmax(coder.model(input_ids=tokens).logits[0].double(), dim=-1)
    targets = torch.arange(len(context), len(context) + len(ids))
    return 1.0 - float(log_p[targets - 1, tokens[0, targets]].sum()) / math.log(2)


def test_ideal_length_is_the_models_log_loss(models):
    coder = get_coder(f"lm:{models[0]}")
    data, condition = ALICE[1000:1040], ALICE[500:540]
    # The model computes in float32, and calls of other lengths sum in another order: agreement to ~1e-7.
    assert coder.ideal_bits(data) == pytest.approx(direct_bits(coder, data), rel=1e-6)
    assert coder.ideal_bits(data, condition) == pytest.approx(direct_bits(coder, data, condition), rel=1e-6)
    assert coder.ideal_bits(data, condition) != coder.ideal_bits(data)  # the condition is in the context


@pytest.mark.parametrize("window, stride", [(None, None), (64, 16), (16, 16), (32, 3)])
@pytest.mark.parametrize("text", [ALICE[:40], ALICE[2000:3500], LCET[:1200]])
def test_code_length_within_a_few_bytes_of_the_ideal(models, window, stride, text):
    options = "".join(f":{k}={v}" for k, v in (("window", window), ("stride", stride)) if v)
    coder = get_coder(f"lm:{models[0]}{options}")
    code = coder.encode(text)
    assert code.tokens and code.bits == coder.bits(text)
    assert code.ideal_bits <= code.bits <= 1.001 * code.ideal_bits + 8 * 16, (code.bits, code.ideal_bits)


def test_sliding_window_matches_direct_computation_within_the_window(models):
    """A text shorter than the window is coded in one window however small the stride."""
    short = ALICE[3000:3060]
    assert get_coder(f"lm:{models[0]}:window=64:stride=3").ideal_bits(short) == pytest.approx(
        direct_bits(get_coder(f"lm:{models[0]}"), short), rel=1e-6)


@pytest.mark.parametrize("window, stride", [(None, None), (16, 5)])
def test_codes_decode(models, window, stride):
    options = "".join(f":{k}={v}" for k, v in (("window", window), ("stride", stride)) if v)
    coder = get_coder(f"lm:{models[0]}{options}")
    for data, condition in [(ALICE[:300], b""), (ALICE[300:500], ALICE[:300]), ("naïve — café".encode(), b""),
                            (b"\xff\xfe\x00 not UTF-8", b"anything")]:
        code = coder.encode(data, condition)
        blob = code.words.astype("<u4").tobytes()
        assert coder.decompress(blob, len(data), condition) == data


@settings(max_examples=15, deadline=None)
@given(data=st.binary(min_size=1, max_size=40))
def test_every_byte_string_has_a_code(models, data):
    coder = get_coder(f"lm:{models[0]}")
    code = coder.encode(data)
    if not code.tokens:  # the fallback: one flag bit and 8 bits a byte, in 32-bit words
        assert code.ideal_bits == 1 + 8 * len(data) and code.bits == 32 * math.ceil((1 + 8 * len(data)) / 32)
    assert coder.decompress(coder.compress(data), len(data)) == data


def test_two_checkpoints_are_two_priors(models, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("a.txt", ALICE[:400]), ("b.txt", LCET[:400]), ("c.txt", ALICE[5000:5300])):
        (corpus / name).write_bytes(text)
    a, b = (get_coder(f"lm:{m}") for m in models)
    report = compare_priors(corpus, AgentSpec(f"lm:{models[0]}"), AgentSpec(f"lm:{models[1]}"))
    gaps = {item["item"]: item["gap"] for item in report["items"]}
    assert gaps["a.txt"] == a.bits(ALICE[:400]) - b.bits(ALICE[:400]) != 0
    mix = get_coder(f"mix:lm:{models[0]},lm:{models[1]}")
    assert mix.bayesian  # both give probabilities: a Bayesian mixture, below the two-part code
    x = ALICE[:400]
    best = min(a.bits(x), b.bits(x))
    assert best <= mix.bits(x) <= best + 1


def test_cli_bits_and_describe(models, tmp_path):
    small = tmp_path / "small.txt"
    small.write_bytes(LCET[:800])
    out = json.loads(run("bits", small, "--coder", f"lm:{models[0]}:window=32:stride=8", "--format", "json").stdout)
    assert out["bits"] == get_coder(f"lm:{models[0]}:window=32:stride=8").bits(LCET[:800]) > 0
    described = get_coder(f"lm:{models[0]}:window=32:stride=8").describe()
    assert described["window_tokens"] == 32 and described["stride_tokens"] == 8 and described["parameters"] > 0


def test_scores_a_text_corpus(models, tmp_path):
    """Through the engine (which hands coders memoryviews), on two processes."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("a.txt", ALICE[:300]), ("b.txt", ALICE[300:600])):
        (corpus / name).write_bytes(text)
    spec = f"lm:{models[0]}"
    report = json.loads(run("score", corpus, "--latent-text", "Alice", "--coder", spec, "--jobs", "2",
                            "--format", "json", "-s").stdout)
    (result,) = report["results"]
    assert result["coder"] == spec
    assert result["terms"]  # every term a real lm code length
    assert all(isinstance(v, (int, float)) for v in result["terms"].values())


@pytest.mark.parametrize("spec, words", [
    ("lm:/no/such/folder", "no config.json"), ("lm:", "lm:PATH"), ("lm:{m}:window=0", "positive int"),
    ("lm:{m}:window=8:stride=9", "must not exceed"),
])
def test_bad_specs(models, spec, words):
    with pytest.raises(SpecError) as info:
        get_coder(spec.format(m=models[0]))
    assert words in str(info.value)
    assert words in assert_one_line_error(run("bits", CANTERBURY / "alice29.txt", "--coder", spec.format(m=models[0]),
                                              expect=None))


def test_what_follows_a_position_does_not_change_its_prediction(models):
    """The decoder pads where the encoder has the text's later tokens: in a call of the same shape, a causal model's
    probabilities for earlier positions are the same to the bit."""
    coder = get_coder(f"lm:{models[0]}")
    tokens = coder._context_of(b"") + coder.tokens_of(ALICE[:200])
    at = np.arange(1, 10)
    padded = coder._probabilities(tokens[:9], 0, 16, at)  # tokens 9.. are padding
    followed = coder._probabilities(tokens, 0, 16, at)  # tokens 9..15 are the text's
    assert np.array_equal(padded, followed)
