"""Every coder of the registry: real codes, deterministic and pinned code lengths, honest conditioning."""

from __future__ import annotations

import shutil
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natlat_compress.coders import FAMILIES, PRIMED, get_coder, is_available
from natlat_compress.errors import MissingExtraError, ReachWarning, SpecError

from .conftest import CANTERBURY, DATA

# Specs covering every family (a test below checks the coverage), several levels each.
SPECS = ["zlib:1", "zlib:9", "bz2:1", "bz2:9", "lzma:0", "lzma:9e", "zstd:-5", "zstd:1", "zstd:19", "zstd:3:long",
         "lz4", "lz4:hc", "lz4:hc:12", "brotli:0", "brotli:11", "ppmd:2", "ppmd:6", "cmd:gzip -9 -c",
         "zpaq:1", "zpaq:5", "mix:zstd:19,ppmd:6"]


def _installed(spec: str) -> bool:
    members = spec.partition(":")[2].split(",") if spec.startswith("mix:") else [spec]
    return all(is_available(FAMILIES[member.partition(":")[0]]) for member in members)


# Every spec as a test parameter, skipped when its optional backend is not installed (CI installs them all).
INSTALLED = [pytest.param(spec, marks=pytest.mark.skipif(not _installed(spec), reason=f"{spec}: backend not installed"))
             for spec in SPECS]
# LZ-style coders copy what they have seen: C(s|s) is a few bytes. bz2 (block sorting) and PPMd (context statistics)
# cannot copy, so for them conditioning on s only helps (THEORY.md §3: bz2 "is poor even inside" its block).
NOT_IDEMPOTENT = {"bz2", "ppmd"}

ALICE_4K = (CANTERBURY / "alice29.txt").read_bytes()[:4096]
PIN_INPUTS = [b"abc" * 100, ALICE_4K, bytes(range(256))]
# Code lengths in bits measured with zlib 1.3, libbz2, liblzma, libzstd 1.5.7, liblz4 1.10, brotli 1.2, pyppmd 1.3:
# a library upgrade that changes them shows here.
PINNED = {
    "zlib:1": [64, 16688, 2072], "zlib:9": [56, 15760, 2072], "bz2:1": [232, 15360, 3288], "bz2:9": [232, 15360, 3288],
    "lzma:0": [144, 16608, 1928], "lzma:9e": [144, 16096, 1928], "zstd:-5": [104, 28720, 2048],
    "zstd:1": [80, 17288, 2048], "zstd:19": [80, 15768, 2048], "zstd:3:long": [80, 16424, 2048],
    "lz4": [104, 24712, 2056], "lz4:hc": [104, 22688, 2056], "lz4:hc:12": [104, 22640, 2056],
    "brotli:0": [552, 17936, 2072], "brotli:11": [104, 12792, 1688], "ppmd:2": [32, 14272, 2416],
    "ppmd:6": [32, 13712, 2416], "cmd:gzip -9 -c": [56, 15760, 2072],
    # zpaq 0.3.7 (libzpaq 7.15, with the CLI's hints); the mixture is its best member + log2 2 = 1 bit.
    "zpaq:1": [2536, 23784, 2056], "zpaq:5": [96, 13216, 1544], "mix:zstd:19,ppmd:6": [33, 13713, 2049],
}


def test_specs_cover_every_family():
    # Byte coders here; the model family (symbol tables) in test_models.py, lm (needs a model folder) in test_lm.py.
    assert {spec.partition(":")[0] for spec in SPECS} == {n for n, f in FAMILIES.items() if n not in ("model", "lm")}
    assert get_coder("model").reads == "symbols"
    assert set(PINNED) == set(SPECS)


@pytest.mark.parametrize("spec", INSTALLED)
def test_empty_string_costs_nothing(spec):
    assert get_coder(spec).bits(b"") == 0
    assert get_coder(spec).conditional_bits(b"", b"something") == 0


@pytest.mark.parametrize("spec", INSTALLED)
def test_pinned_code_lengths(spec):
    assert [get_coder(spec).bits(x) for x in PIN_INPUTS] == PINNED[spec]


@pytest.mark.parametrize("spec", INSTALLED)
def test_round_trip(spec):
    coder = get_coder(spec)
    if not coder.can_decompress:
        pytest.skip(f"{spec} cannot decompress")
    for data in PIN_INPUTS:
        assert coder.decompress(coder.compress(data), len(data)) == data
    if coder.method == PRIMED:  # the primed code is a real code too: it decodes with the same dictionary
        given = (CANTERBURY / "asyoulik.txt").read_bytes()[:5000]
        assert coder.decompress(coder.compress_given(ALICE_4K, given), len(ALICE_4K), given) == ALICE_4K


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=2000), spec=st.sampled_from(["zlib:6", "zstd:3", "lz4", "lzma:1", "bz2:9"]))
def test_round_trip_and_determinism_on_any_bytes(data, spec):
    coder = get_coder(spec)
    assert coder.decompress(coder.compress(data), len(data)) == data
    assert coder.bits(data) == coder.bits(data)
    fresh = get_coder.__wrapped__(spec)  # a new instance, not the cached one
    assert fresh.bits(data) == coder.bits(data)


@pytest.mark.parametrize("spec", INSTALLED)
@pytest.mark.parametrize("name", sorted(p.name for p in CANTERBURY.iterdir()))
def test_self_conditioning_is_nearly_free_within_reach(spec, name):
    coder = get_coder(spec)
    s = (CANTERBURY / name).read_bytes()[:4096]
    alone, given_itself = coder.bits(s), coder.conditional_bits(s, s)
    if coder.family in NOT_IDEMPOTENT:
        assert 0 < given_itself < 0.75 * alone
    else:
        assert 0 <= given_itself <= 8 * 80, (spec, given_itself)  # 80 bytes of 4096: a few bytes per match


def test_primed_zstd_beats_concatenation_past_the_window():
    coder = get_coder("zstd:3")  # a 2 MiB window
    given = b"".join((DATA / "text" / "parallel" / f"debian-reference.{lang}.txt").read_bytes()
                     for lang in ("en", "de", "fr"))
    assert len(given) > coder.reach + 65536
    data = given[:65536]  # the far end of `given`, out of the window of a concatenation
    primed = coder.conditional_bits(data, given)
    with pytest.warns(ReachWarning):  # the concatenation is beyond zstd:3's window, and says so
        concatenated = get_coder.__wrapped__("zstd:3").bits(given + data) - coder.bits(given)
    assert primed < concatenated / 10, (primed, concatenated)
    assert primed < 8 * 100


def test_conditioning_on_unrelated_data_costs_about_as_much_as_none():
    coder = get_coder("zstd:19")
    s = ALICE_4K
    noise = bytes(range(256)) * 16
    assert abs(coder.conditional_bits(s, noise) - coder.bits(s)) < 0.05 * coder.bits(s)


def test_reach_warning_names_coder_and_sizes_once():
    coder = get_coder.__wrapped__("zlib:9")
    big = (CANTERBURY / "lcet10.txt").read_bytes()[:100_000]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coder.bits(big)
        coder.conditional_bits(big, big)
    reach = [w for w in caught if issubclass(w.category, ReachWarning)]
    assert len(reach) == 1
    assert "zlib:9" in str(reach[0].message) and "100,000" in str(reach[0].message)
    assert reach[0].filename == __file__  # the caller's line, however deep in the coder it was raised


@pytest.mark.parametrize("spec, words", [
    ("gzip", "unknown coder"), ("zlib:10", "[1, 9]"), ("zstd:23", "[-131072, 22]"), ("lzma:9x", "lzma"),
    ("lz4:fast", "lz4:hc"), ("zstd:3:short", "long"), ("ppmd:1", "[2, 64]"), ("cmd:", "needs a program"),
    ("cmd:no-such-program-xyz -c", "not found"),
])
def test_bad_specs_say_what_is_valid(spec, words):
    with pytest.raises(SpecError, match=None) as info:
        get_coder(spec)
    assert words in str(info.value)


def test_missing_extra_names_the_extra(monkeypatch):
    family = FAMILIES["brotli"]
    monkeypatch.setitem(FAMILIES, "brotli", type(family)(**{**family.__dict__, "requires": "no_such_module_xyz"}))
    get_coder.cache_clear()
    with pytest.raises(MissingExtraError, match=r"natlat_compress\[brotli\]"):
        get_coder("brotli:5")
    get_coder.cache_clear()


def test_external_program_matches_the_library():
    if shutil.which("gzip") is None:
        pytest.skip("gzip is not installed")
    # gzip -9 writes raw deflate inside a container whose fixed cost is subtracted: the same bits as zlib:9.
    assert get_coder("cmd:gzip -9 -c").bits(ALICE_4K) == get_coder("zlib:9").bits(ALICE_4K)
