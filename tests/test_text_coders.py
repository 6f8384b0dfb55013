"""zpaq:N and mix:SPEC,...: real codes, honest container accounting, and the mixture's bounds against exact values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natlat_compress.coders import get_coder
from natlat_compress.coders.base import CONCATENATION, Coder
from natlat_compress.coders.mix import MixCoder
from natlat_compress.errors import SpecError
from natlat_compress.priors import AgentSpec, compare_priors

from .conftest import CANTERBURY, assert_one_line_error, run

zpaq = pytest.importorskip("zpaq")
from natlat_compress.coders.zpaq import zpaq_stream_bytes  # noqa: E402

ALICE = (CANTERBURY / "alice29.txt").read_bytes()
LCET = (CANTERBURY / "lcet10.txt").read_bytes()


# -- zpaq ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_zpaq_container_is_parsed_out(level):
    """The stream is the whole blob less a header that does not grow with the data."""
    coder = get_coder(f"zpaq:{level}")
    for data in [ALICE[:1000], ALICE[:20000]]:
        blob = coder.compress(data)
        assert coder.decompress(blob, len(data)) == data
        header = len(blob) - zpaq_stream_bytes(blob)
        assert 0 < header < 400
        assert coder.bits(data) == 8 * zpaq_stream_bytes(blob)
    # Two blocks back to back: their streams add up.
    a, b = coder.compress(ALICE[:3000]), coder.compress(LCET[:3000])
    assert zpaq_stream_bytes(a + b) == zpaq_stream_bytes(a) + zpaq_stream_bytes(b)


def test_zpaq_stream_parser_rejects_what_is_not_zpaq():
    with pytest.raises(ValueError, match="no ZPAQ block"):
        zpaq_stream_bytes(b"not a zpaq stream")
    blob = get_coder("zpaq:5").compress(ALICE[:500])
    with pytest.raises(ValueError):
        zpaq_stream_bytes(blob[:-1])  # the end of block is missing


def test_zpaq_conditioning_really_conditions():
    """One thread, one block: given itself, a string costs a few bytes; given unrelated text, about as much as alone.
    With the package's default threads the input would be cut into independent blocks (64 KB a worker)."""
    coder = get_coder("zpaq:5")
    s = LCET[:150_000]
    alone = coder.bits(s)
    assert coder.conditional_bits(s, s) < 0.02 * alone
    unrelated = bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8))
    assert abs(coder.conditional_bits(s[:20000], unrelated) - coder.bits(s[:20000])) < 0.05 * coder.bits(s[:20000])
    threaded = zpaq.compress(s + s, level=5, threads=2, hints=True)
    assert 8 * zpaq_stream_bytes(threaded) - alone > 0.9 * alone  # two blocks: the second copy is coded afresh


def test_zpaq_beats_ppmd_on_text():
    pytest.importorskip("pyppmd")
    for text in (ALICE[:60000], LCET[:60000]):
        assert get_coder("zpaq:5").bits(text) < 0.97 * get_coder("ppmd:6").bits(text)


# -- mix -------------------------------------------------------------------------------------------------------------
class IidCoder(Coder):
    """An i.i.d. byte model with fixed probabilities: code length −log2 P(s) exactly (a probability-giving member)."""

    family = "iid"
    method = "model"
    gives_probabilities = True

    def __init__(self, name: str, probabilities: np.ndarray) -> None:
        super().__init__(f"iid:{name}", None)
        self.log2_p = np.log2(probabilities)

    @staticmethod
    def library_version() -> str:
        return "test"

    def compress(self, data: bytes) -> bytes:
        raise NotImplementedError

    def bits(self, data: bytes) -> float:
        return float(-self.log2_p[np.frombuffer(data, dtype=np.uint8)].sum())

    def conditional_bits(self, data: bytes, given: bytes) -> float:
        return self.bits(data)  # i.i.d.: the past says nothing


def _iid(name, favoured: bytes, weight: float) -> IidCoder:
    p = np.ones(256)
    p[list(favoured)] = weight
    return IidCoder(name, p / p.sum())


@settings(max_examples=30, deadline=None)
@given(data=st.binary(min_size=1, max_size=3000), given_=st.binary(max_size=1500))
def test_two_part_mixture_is_best_member_plus_log2_k(data, given_):
    members = ["zlib:9", "zstd:3", "lzma:6"]
    mix = get_coder("mix:" + ",".join(members))
    alone = [get_coder(m).bits(data) for m in members]
    assert mix.bits(data) == pytest.approx(min(alone) + math.log2(3), abs=1e-9)
    conditional = [get_coder(m).conditional_bits(data, given_) for m in members]
    assert mix.conditional_bits(data, given_) == pytest.approx(min(conditional) + math.log2(3), abs=1e-9)
    assert mix.decompress(mix.compress(data), len(data)) == data


def test_bayesian_mixture_against_exact_probabilities():
    """Members giving probabilities: P(s) = ½ P1(s) + ½ P2(s), and C(s|t) = −log2 [P(t·s) / P(t)] (the posterior)."""
    a, b = _iid("a", b"abc", 20.0), _iid("b", b"xyz", 20.0)
    mix = MixCoder([a, b])
    assert mix.bayesian and mix.method == "model"
    rng = np.random.default_rng(1)
    for _ in range(20):
        s = rng.choice(list(b"abcxyz "), size=rng.integers(1, 25)).astype(np.uint8).tobytes()
        t = rng.choice(list(b"abcxyz "), size=rng.integers(1, 25)).astype(np.uint8).tobytes()
        p = lambda x: 0.5 * 2.0 ** -a.bits(x) + 0.5 * 2.0 ** -b.bits(x)  # noqa: E731
        assert mix.bits(s) == pytest.approx(-math.log2(p(s)), rel=1e-12)
        assert mix.conditional_bits(s, t) == pytest.approx(-math.log2(p(t + s) / p(t)), rel=1e-12)
        assert min(a.bits(s), b.bits(s)) <= mix.bits(s) <= min(a.bits(s), b.bits(s)) + 1 + 1e-9
    # After a long condition from member a's world, the posterior is on a: C(s|t) → C_a(s).
    t, s = b"abcabcabca" * 30, b"abcab"
    assert mix.conditional_bits(s, t) == pytest.approx(a.bits(s), abs=1e-6)


def test_mixture_describes_itself_and_conditions_as_its_weakest_member():
    mix = get_coder("mix:zstd:19,lzma:9e")
    assert mix.method == CONCATENATION and not mix.bayesian
    assert mix.describe()["members"] == ["zstd:19", "lzma:9e"]
    assert get_coder("mix:zstd:19,zlib:9").method == "primed"
    assert get_coder("mix: zstd:19 , lzma:9e").spec == "mix:zstd:19,lzma:9e"


@pytest.mark.parametrize("spec, words", [
    ("mix:zstd:19", "two or more"), ("mix:zstd:19,", "two or more"), ("mix:", "mix:SPEC,SPEC"),
    ("mix:zstd:19,mix:zlib:9,lzma:6", "cannot be mixtures"), ("mix:zstd:19,model", "reads symbol tables"),
    ("mix:zstd:19,nope:3", "unknown coder"), ("zpaq:6", "[1, 5]"), ("zpaq:0", "[1, 5]"),
])
def test_bad_specs(spec, words):
    with pytest.raises(SpecError) as info:
        get_coder(spec)
    assert words in str(info.value)


def test_mix_everywhere_a_coder_is(tmp_path):
    spec = "mix:zstd:19,zpaq:4"
    out = json.loads(run("bits", CANTERBURY / "alice29.txt", "--coder", spec, "--format", "json").stdout)
    assert out["bits"] == pytest.approx(min(get_coder("zstd:19").bits(ALICE), get_coder("zpaq:4").bits(ALICE)) + 1)
    small = tmp_path / "small"
    small.mkdir()
    for name in ("alice29.txt", "lcet10.txt"):
        (small / name).write_bytes((CANTERBURY / name).read_bytes()[:6000])
    report = json.loads(run("score", small, "--latent-text", "Alice", "--coder", spec, "--format", "json",
                            "-s").stdout)
    assert report["results"][0]["coder"] == spec
    priors = compare_priors(small, AgentSpec(spec), AgentSpec("zstd:19"))
    assert len(priors["items"]) == 2
    bench = json.loads(run("bench", small / "alice29.txt", "--coder", spec, "--repeats", "1", "--format", "json",
                           "-s").stdout)
    assert bench["rows"][0]["coder"] == spec and bench["rows"][0]["bits_per_byte"] > 0
    assert "two or more" in assert_one_line_error(run("bits", small / "alice29.txt", "--coder", "mix:zstd:3",
                                                      expect=None))
