"""natlat score end to end: real tables and texts, a generated latent-class table, calibration, Theorem 1."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from natlat_compress import score, table_from_columns
from natlat_compress.conditions import REDUNDANCY_VARIANTS
from natlat_compress.errors import CorpusError, ReachWarning

from .conftest import CANTERBURY, DATA, TABULAR, assert_one_line_error, run


def latent_class_table(rows: int = 3000, seed: int = 1):
    """Λ uniform on 4 values, six features that copy Λ with probability 0.9, and W, a latent unrelated to them."""
    rng = np.random.default_rng(seed)
    latent = rng.integers(0, 4, rows)
    columns = {"L": latent, "W": rng.integers(0, 4, rows)}
    for j in range(6):
        columns[f"x{j}"] = np.where(rng.random(rows) < 0.1, rng.integers(0, 4, rows), latent)
    return table_from_columns(columns), [f"x{j}" for j in range(6)]


@pytest.mark.parametrize("coder", ["zstd:19", "lzma:9e", "bz2:9", "ppmd:6"])
def test_true_latent_beats_a_wrong_latent_and_the_baselines(coder):
    table, features = latent_class_table()
    true = score(table, "L", coders=[coder], features=features, null=0, jobs=1)["results"][0]
    wrong = score(table, "W", coders=[coder], features=features, null=0, jobs=1)["results"][0]
    assert true["weak_error"] < wrong["weak_error"]
    for baseline in true["baselines"].values():
        assert true["weak_error"] < baseline["weak_error"], (coder, baseline)
    assert "more natural than every baseline" in true["verdict"]
    assert true["mediation_error"] < wrong["mediation_error"]


def test_json_contract_on_the_embedded_example():
    report = json.loads(run("score", "--format", "json", "-s").stdout)
    assert report["unit"] == "bits"
    assert report["corpus"]["kind"] == "table" and report["corpus"]["n_items"] == 435
    assert report["corpus"]["example"] is True and len(report["corpus"]["features"]) == 16
    assert report["latent"]["spec"] == "Class"
    result = report["results"][0]
    for key in ("coder", "mediation_error", "latent_given_features", "redundancy_errors", "terms", "per_item"):
        assert key in result
    assert set(result["redundancy_errors"]) == set(REDUNDANCY_VARIANTS)
    for variant, per_feature in result["redundancy_errors"].items():
        assert list(per_feature) == report["corpus"]["features"]
    # The numbers come from the terms reported beside them.
    terms = result["terms"]
    assert result["mediation_error"] == pytest.approx(
        sum(terms[f"C({f} | Λ)"] for f in report["corpus"]["features"]) - terms["C(X | Λ)"])
    assert result["per_item"]["mediation_error"] == pytest.approx(result["mediation_error"] / 435)
    null = result["null"]
    assert null["replicates"] == 10 and null["std"] > 0
    assert null["corrected_mediation_error"] == pytest.approx(result["mediation_error"] - null["mean"])


@pytest.mark.parametrize("name, latent", [("soybean.csv", "class"), ("breast-cancer.csv", "Class"),
                                          ("credit-g.csv", "class"), ("contact-lenses.csv", "contact-lenses")])
def test_shared_tables(name, latent):
    report = score(TABULAR / name, latent, coders=["zstd:19", "bz2:9"], null=2, jobs=2)
    assert [r["coder"] for r in report["results"]] == ["zstd:19", "bz2:9"]
    for result in report["results"]:
        assert np.isfinite(result["weak_error"]) and result["verdict"]


def test_identical_results_for_every_number_of_jobs():
    path = TABULAR / "breast-cancer.csv"
    one = score(path, "Class", coders=["zstd:19", "lzma:6"], null=3, intervals=3, jobs=1)
    two = score(path, "Class", coders=["zstd:19", "lzma:6"], null=3, intervals=3, jobs=2)
    assert json.dumps(one["results"], sort_keys=True) == json.dumps(two["results"], sort_keys=True)


def test_intervals_and_theorem1():
    table, features = latent_class_table(1000)
    report = score(table, "L", coders=["zstd:19"], features=features, against="x0,x1".split(","), null=0,
                   intervals=5, jobs=2)
    result = report["results"][0]
    boot = result["intervals"]
    assert boot["replicates"] == 5
    assert boot["mediation_error"]["low"] <= boot["mediation_error"]["high"]
    t1 = result["theorem1"]
    assert t1["bound"] == min(p["bound"] for p in t1["partitions"])
    assert t1["holds"] == (t1["estimate"] <= t1["bound"])
    assert len(t1["partitions"]) == len(features) + 1
    for p in t1["partitions"]:
        assert p["bound"] == pytest.approx(p["mediation"] + p["redundancy_a"] + p["redundancy_b"])


def test_the_old_name_bootstrap_still_gives_the_same_intervals():
    """--bootstrap and score(bootstrap=) were the first names of --intervals: both still work, the keyword with a
    DeprecationWarning, and give exactly the new name's report."""
    table, features = latent_class_table(1000)
    options = dict(coders=["model"], features=features, null=0, jobs=1)
    with pytest.warns(DeprecationWarning, match="intervals="):
        old = score(table, "L", bootstrap=2, **options)
    new = score(table, "L", intervals=2, **options)
    assert old["results"] == new["results"] and new["results"][0]["intervals"]["replicates"] == 2
    args = ["score", "--null", "0", "--format", "json", "-s", "--jobs", "1"]
    old_cli, new_cli = (json.loads(run(*args, option, "2").stdout) for option in ("--bootstrap", "--intervals"))
    assert old_cli["results"] == new_cli["results"] and "intervals" in new_cli["results"][0]


def test_text_corpus_with_a_discovered_and_a_given_latent():
    with pytest.warns(ReachWarning, match="bz2:9 sees 900,000 bytes"):  # the corpus is past bz2's block
        found = score(CANTERBURY, "discover", coders=["zstd:19", "bz2:9"], jobs=2)
    assert found["warnings"] and "bz2:9" in found["warnings"][0]
    assert found["corpus"]["kind"] == "text" and found["corpus"]["n_items"] == 4
    assert found["latent"]["kind"] == "discovered" and 256 <= found["latent"]["bytes"] <= 16384
    assert "null" not in found["results"][0]  # calibration by shuffling is for tables
    text = score(CANTERBURY, b"the and of to a in that", coders=["zstd:19"], jobs=1)
    assert text["latent"]["bytes"] == 23


def test_parallel_texts_split_into_paragraphs(tmp_path):
    source = (DATA / "text" / "parallel" / "debian-reference.en.txt").read_bytes()[:20000]
    path = tmp_path / "ref.txt"
    path.write_bytes(source)
    report = score(path, b"Debian", coders=["zstd:19"], split="paragraphs", jobs=2)
    assert report["corpus"]["n_items"] > 10
    assert report["results"][0]["baselines"]["copy"]["tried"] <= 32


def test_python_api_accepts_arrays_frames_and_byte_lists():
    table, features = latent_class_table(300)
    array = np.stack([table.columns[c].codes for c in ["L", *features]], axis=1)
    by_array = score(array, "c0", coders=["zstd:19"], null=0, jobs=1)
    assert by_array["corpus"]["features"] == [f"c{j}" for j in range(1, 7)]
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(array, columns=["L", *features])
    by_frame = score(frame, "L", coders=["zstd:19"], null=0, jobs=1)
    assert by_frame["results"][0]["mediation_error"] == by_array["results"][0]["mediation_error"]
    texts = score([b"red green blue " * 20, b"red green yellow " * 20, b"blue blue red " * 20], b"red green",
                  coders=["zstd:19"], jobs=1)
    assert texts["corpus"]["n_items"] == 3


def test_inputs_are_never_modified(tmp_path):
    path = tmp_path / "votes.csv"
    path.write_bytes((TABULAR / "house-votes-84.csv").read_bytes())
    before = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
    run("score", path, "--latent", "Class", "-s", "--null", "1", "--format", "json", "-o", tmp_path / "out.json")
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    assert json.loads((tmp_path / "out.json").read_text())["corpus"]["n_items"] == 435
    assert (tmp_path / "out.json").stat().st_mode & 0o044  # written atomically, readable like any other file


def test_one_feature_is_not_enough(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    with pytest.raises(CorpusError, match="at least two features"):
        score(path, "a")


@pytest.mark.parametrize("coder", ["zstd:3"])  # model coders are exact when streamed: tests/test_stream.py
def test_streaming_sums_code_lengths_over_chunks(coder, tmp_path):
    path = TABULAR / "house-votes-84.csv"
    whole = score(path, "Class", coders=[coder], null=2, jobs=1)
    one_chunk = score(path, "Class", coders=[coder], null=2, jobs=1, stream=10**8)
    assert one_chunk["results"][0]["terms"] == whole["results"][0]["terms"]  # one chunk is the whole table
    assert one_chunk["corpus"]["stream"]["chunks"] == 1
    chunked = score(path, "Class", coders=[coder], null=2, jobs=1, stream=8000)
    parts = chunked["corpus"]["stream"]["chunks"]
    assert parts == 3 and chunked["corpus"]["n_items"] == 435
    assert any(w.startswith(f"{coder} streamed in {parts} chunks") for w in chunked["warnings"])
    # Every term is the sum of the terms of the chunks scored one by one.
    from natlat_compress.corpus import read_table_chunks

    pieces = [score(chunk, "Class", coders=[coder], null=0, jobs=1)["results"][0]["terms"]
              for chunk, _ in read_table_chunks(path, 8000)]
    for term, bits in chunked["results"][0]["terms"].items():
        assert bits == pytest.approx(sum(p[term] for p in pieces), rel=1e-9, abs=1e-6)


def test_streaming_needs_a_table_file():
    result = run("score", CANTERBURY, "--latent-text", "the", "--stream", "1MB", expect=None)
    assert "--stream reads a CSV/TSV table file" in assert_one_line_error(result)
    result = run("score", TABULAR / "soybean.csv", "--latent", "class", "--stream", "lots", expect=None)
    assert "valid: a whole number of bytes" in assert_one_line_error(result)
