"""Seeing the cost before paying it: the plan line, --dry-run, budgets, sampled features, progress, no hidden
quadratic in the number of features."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from natlat_compress import conditions as cond
from natlat_compress import score, table_from_columns
from natlat_compress.cli import Progress
from natlat_compress.conditions import REDUNDANCY_VARIANTS
from natlat_compress.cost import Estimate, code_fingerprint, measured_rate, throughput_file
from natlat_compress.errors import NatlatError

from .conftest import CANTERBURY, assert_one_line_error, run

PLAN_KEYS = ("compressions", "bytes", "estimated_seconds", "estimated_peak_memory_bytes")


def small_table(rows: int = 600, seed: int = 3):
    rng = np.random.default_rng(seed)
    latent = rng.integers(0, 3, rows)
    columns = {"L": latent}
    for j in range(5):
        columns[f"x{j}"] = np.where(rng.random(rows) < 0.2, rng.integers(0, 3, rows), latent)
    return table_from_columns(columns)


def test_dry_run_prints_the_plan_and_computes_nothing():
    report = json.loads(run("score", "--dry-run", "--format", "json", "--coder", "zstd:3").stdout)
    assert report["dry_run"] is True and report["results"] == []
    plan = report["plan"]
    for key in PLAN_KEYS:
        assert plan[key] > 0, key
    assert plan["cached"] == 0 and plan["compressions"] == plan["jobs"]
    assert throughput_file().is_file()  # the rates were measured once and kept
    text = run("score", "--dry-run", "--coder", "zstd:3").stdout
    assert text.splitlines()[1].startswith("plan: ") and "dry run: nothing was computed" in text


def test_rates_are_kept_per_version_of_the_code(tmp_path, monkeypatch):
    # The fixed cost of a job is mostly the engine's own work: a rate timed by another version of the code is stale.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []
    assert measured_rate("k", lambda: calls.append(1) or 5.0) == 5.0
    assert measured_rate("k", lambda: calls.append(1) or 7.0) == 5.0 and len(calls) == 1  # kept, not measured again
    kept = json.loads(throughput_file().read_text())
    assert kept == {"code": code_fingerprint(), "rates": {"k": 5.0}}
    throughput_file().write_text(json.dumps({"code": "another version", "rates": {"k": 5.0}}))
    assert measured_rate("k", lambda: 7.0) == 7.0  # measured again, and the file now holds this code's rates only
    assert json.loads(throughput_file().read_text()) == {"code": code_fingerprint(), "rates": {"k": 7.0}}
    throughput_file().write_text(json.dumps({"k": 5.0}))  # the layout before fingerprints
    assert measured_rate("k", lambda: 9.0) == 9.0


def test_every_run_announces_the_plan_first_with_what_the_cache_answers(tmp_path):
    args = ["score", "--coder", "zstd:3", "--null", "2", "--cache", tmp_path / "cache"]
    first = run(*args).stderr.splitlines()[0]
    assert first.startswith("plan: ") and ", 0 from the cache" in first
    again = run(*args).stderr.splitlines()[0]
    assert again.startswith("plan: 0 jobs left")


def test_a_plan_over_budget_is_refused_with_what_to_change():
    line = assert_one_line_error(run("score", "--coder", "zstd:3", "--max-time", "1e-9", expect=None))
    assert "--max-time" in line and "try" in line and "--sample-features" in line
    with pytest.raises(NatlatError, match="--max-memory .* try .*--sample-features"):
        score(coders=["zstd:3"], max_memory=1000)


def test_sampled_features_give_the_same_numbers_for_the_features_they_sample():
    table = small_table()
    full = score(table, "L", coders=["model"], null=0, jobs=1)["results"][0]
    report = score(table, "L", coders=["model"], null=0, jobs=1, sample_features=3, seed=5)
    sampled = report["results"][0]
    names = report["plan"]["sampled_features"]
    assert len(names) == 3 and set(names) < set(full["redundancy_errors"]["weak"])
    for variant in REDUNDANCY_VARIANTS:
        assert sampled["redundancy_errors"][variant] == {f: full["redundancy_errors"][variant][f] for f in names}
        summary = sampled["sampled_features"]["redundancy"][variant]
        values = [full["redundancy_errors"][variant][f] for f in names]
        assert summary["mean"] == pytest.approx(np.mean(values))
        assert summary["worst_sampled"] == max(values)
        assert summary["standard_error"] > 0
    assert sampled["mediation_error"] == full["mediation_error"]  # mediation is never sampled
    assert sampled["worst_redundancy"]["weak"]["bits"] == max(
        full["redundancy_errors"]["weak"][f] for f in names)
    # Every format renders the sampled report (the table's per-feature block lists the sampled features only).
    from natlat_compress.report import score_text

    text = score_text(report)
    assert "(the sampled features)" in text
    listed = {line.split()[0] for line in text.split("every variant:")[1].splitlines()[2:2 + len(names)]}
    assert listed == set(names)
    assert "(the sampled features)" in score_text(report, markdown=True)
    assert len(report.rows()) > 0  # the tidy CSV's rows


def test_sampling_as_many_features_as_there_are_is_no_sampling():
    table = small_table(200)
    report = score(table, "L", coders=["model"], null=0, jobs=1, sample_features=50)
    assert "sampled_features" not in report["plan"] and "sampled_features" not in report["results"][0]


def test_too_small_a_sample_is_refused():
    assert "--sample-features" in assert_one_line_error(run("score", "--sample-features", "1", expect=None))


def test_a_book_cut_into_paragraphs_plans_in_linear_memory():
    """2,604 paragraphs: recording the terms built 35 x 2,604 all-but-one sets of 2,603 objects (11.8 GB); shared,
    the plan of the whole book is made in seconds. Here a tenth of the book, on sampled features."""
    text = (Path(CANTERBURY).parent / "gutenberg" / "doyle_sherlock_holmes_pg1661.txt").read_bytes()[:60_000]
    report = score([p for p in text.split(b"\r\n\r\n") if p.strip()], b"Sherlock Holmes", coders=["zstd:3"],
                   dry_run=True, sample_features=10)
    assert report["plan"]["compressions"] > 0 and len(report["plan"]["sampled_features"]) == 10


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sets(st.sampled_from("abcdefgh"), max_size=3), min_size=2, max_size=6))
def test_shared_feature_sets_are_the_sets_they_stand_for(sets):
    X = cond.Features(sets)
    plain = [frozenset(s) for s in sets]
    assert X.everything == frozenset().union(*plain)
    for i in range(len(plain)):
        assert X.all_but(i) == frozenset().union(*(x for j, x in enumerate(plain) if j != i))
        assert X.all_but(i) is X.all_but(i)  # built once


def test_estimators_agree_on_shared_and_plain_feature_lists():
    rng = np.random.default_rng(0)
    bits: dict = {}

    def C(target, given=()):
        key = (frozenset(target), frozenset(given))
        if key not in bits:
            bits[key] = float(rng.integers(0, 1000))
        return bits[key]

    plain = [frozenset([f]) for f in "abcd"]
    shared = cond.Features([f] for f in "abcd")
    L = frozenset(["L"])
    assert cond.redundancy_errors(C, plain, L) == cond.redundancy_errors(C, shared, L)
    assert cond.mediation_error(C, plain, L) == cond.mediation_error(C, shared, L)


def test_progress_without_a_terminal_is_a_line_with_eta(capsys):
    progress = Progress(silent=False, delay=0.0, interval=0.0, terminal=False)
    progress(50, 200)
    progress(200, 200)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("compressing: 25% (50 bytes of 200 bytes)") and "elapsed, ETA" in lines[0]
    assert lines[1].startswith("compressing: 100%")


def test_silent_progress_prints_nothing(capsys):
    progress = Progress(silent=True, delay=0.0, interval=0.0, terminal=False)
    progress(1, 2)
    assert capsys.readouterr().err == ""


def test_estimates_scale_for_streamed_chunks():
    cost = Estimate(10, 2, 1000, 0, 2, 1.5, 100, 150)
    assert cost.scaled(3).to_dict() == {**cost.to_dict(), "compressions": 30, "bytes": 3000, "estimated_seconds": 4.5}
    # Model coders hold every row of a streamed table: the memory beyond the process's grows with the file too.
    held = cost.scaled(3, memory_above=50)
    assert (held.estimated_peak_memory_bytes, held.estimated_total_memory_bytes) == (50 + 3 * 50, 50 + 3 * 100)


def test_nothing_below_the_registry_imports_it():
    """coders/: the registry knows every coder; no module it imports imports it back (DESIGN.md)."""
    folder = Path(__file__).resolve().parents[1] / "natlat_compress" / "coders"
    for path in folder.glob("*.py"):
        if path.name in ("registry.py", "__init__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("registry", "coders.registry", "coders") or node.level == 0, path.name
                assert not (node.level >= 1 and node.module and "registry" in node.module), path.name
                assert not (node.level == 2 and node.module == "coders"), path.name
