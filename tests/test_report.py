"""What users see: every format carries the whole score report, --against by name, intervals that say what they
cover, and pictures that render."""

from __future__ import annotations

import io
import json
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from natlat_compress import score, synthetic
from natlat_compress.plots import bench_plot, score_plot
from natlat_compress.report import score_text
from natlat_compress.intervals import max_interval, student_t_quantile, subsample_interval
from natlat_compress.conditions import REDUNDANCY_VARIANTS, partitions

from .conftest import TABULAR, assert_one_line_error, run

VOTES = TABULAR / "house-votes-84.csv"
FEATURES = "handicapped-infants,crime,el-salvador-aid,education-spending,physician-fee-freeze"
ARGS = ["score", VOTES, "--latent", "Class", "--features", FEATURES, "--against", "el-salvador-aid",
        "--null", "4", "--intervals", "6", "--jobs", "1", "-s"]


@pytest.fixture(scope="module")
def report():
    return json.loads(run(*ARGS, "--format", "json").stdout)


def test_tidy_csv_has_one_row_per_latent_quantity_and_feature(report, tmp_path):
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    out = run(*ARGS, "--format", "csv", "--plot", tmp_path / "score.png").stdout
    assert (tmp_path / "score.png").read_bytes().startswith(b"\x89PNG")  # --plot beside any format
    frame = pandas.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    assert not frame.duplicated(["coder", "latent", "quantity", "feature"]).any()
    result = report["results"][0]
    candidate = frame[frame.role == "candidate"].set_index(["quantity", "feature"])
    # Estimates, per feature, as in the JSON.
    for variant, per_feature in result["redundancy_errors"].items():
        for feature, bits in per_feature.items():
            row = candidate.loc[(f"redundancy_{variant}", feature)]
            assert row.bits == pytest.approx(bits)
            interval = result["intervals"]["redundancy_errors"][variant][feature]
            assert (row.low, row.high, row.level) == pytest.approx((interval["low"], interval["high"], 0.95))
    # The null and the interval of the mediation error.
    mediation = frame[(frame.role == "candidate") & (frame.quantity == "mediation_error")].iloc[0]
    assert mediation.null_mean == pytest.approx(result["null"]["mean"])
    assert mediation.null_corrected == pytest.approx(result["null"]["corrected_mediation_error"])
    assert mediation.low == pytest.approx(result["intervals"]["mediation_error"]["low"])
    # Baselines, the Theorem 1 check (every partition, by name) and the verdict.
    assert set(frame.role) == {"candidate", "empty", "copy", "all"}
    bounds = frame[frame.quantity == "theorem1_bound"]
    assert sorted(bounds.feature) == sorted(p["partition"] for p in result["theorem1"]["partitions"])
    assert "crime | rest" in set(bounds.feature)
    estimate = frame[frame.quantity == "theorem1_estimate"].iloc[0]
    assert estimate.bits == pytest.approx(result["theorem1"]["estimate"])
    assert ("holds" if result["theorem1"]["holds"] else "VIOLATED") in estimate.note
    assert frame[frame.quantity == "verdict"].iloc[0].note == result["verdict"]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_readable_formats_carry_null_intervals_theorem1_and_verdict(report, fmt):
    out = score_text(report, markdown=fmt == "markdown")
    result = report["results"][0]
    for needle in ("mediation null (4 shuffles", "95% intervals (6 random splits of the rows into halves and quarters",
                   "They cover n_items x",
                   "Theorem 1 against Λ' = el-salvador-aid", result["theorem1"]["partition"], result["verdict"],
                   "redundancy of Λ per feature"):
        assert needle in out, needle
    for feature in FEATURES.split(","):
        assert feature in out
    if fmt == "markdown":
        assert out.startswith("# natlat score: ") and "| feature | weak | strong |" in out


def test_against_keeps_the_candidates_numbers_and_names_partitions(report):
    alone = score(VOTES, "Class", features=FEATURES.split(","), null=4, jobs=1)["results"][0]
    paired = report["results"][0]
    for key in ("mediation_error", "latent_given_features", "redundancy_errors", "null", "terms"):
        assert json.dumps(paired[key], sort_keys=True) == json.dumps(alone[key], sort_keys=True), key
    # Every interval is about the candidate's own estimate, and spans both of its bias corrections.
    boot = paired["intervals"]
    intervals = [(boot[k], paired[k]) for k in ("mediation_error", "latent_given_features", "kolmogorov_mediation")]
    intervals += [(boot["redundancy_errors"][v][f], bits) for v, per in paired["redundancy_errors"].items()
                  for f, bits in per.items()]
    for interval, estimate in intervals:
        assert interval["estimate"] == estimate and interval["centre"] == pytest.approx(estimate - interval["bias"])
        corrected = [estimate - interval[key] for key in ("bias", "bias_constant", "bias_three_sizes")]
        assert interval["low"] < min(corrected) and interval["high"] > max(corrected)
        assert interval["dof"] == 6 * 4 and interval["sd"] > 0
    # A maximum over features takes the smallest low and the largest high of the features' intervals.
    for variant, per_feature in boot["redundancy_errors"].items():
        worst = boot["worst_redundancy"][variant]
        assert worst["low"] == min(i["low"] for i in per_feature.values())
        assert worst["high"] == max(i["high"] for i in per_feature.values())
        assert worst["estimate"] == paired["worst_redundancy"][variant]["bits"]
    assert boot["weak_error"]["estimate"] == paired["weak_error"]
    assert boot["weak_error"]["low"] <= boot["weak_error"]["centre"] <= boot["weak_error"]["high"]
    labels = [p["partition"] for p in paired["theorem1"]["partitions"]]
    assert labels[:2] == ["handicapped-infants | rest", "crime | rest"]
    assert labels[-1] == "{handicapped-infants, crime} | {el-salvador-aid, education-spending, physician-fee-freeze}"
    # Without --features the second latent's columns stay features as well.
    whole = score(VOTES, "Class", against=["crime"], null=0, jobs=1)
    assert "crime" in whole["corpus"]["features"] and len(whole["corpus"]["features"]) == 16


def test_partition_labels_default_to_indices():
    X = [frozenset([c]) for c in "abcd"]
    assert [label for label, _, _ in partitions(X)][-1] == "{0, 1} | {2, 3}"
    assert [label for label, _, _ in partitions(X, list("abcd"))][0] == "a | rest"


def test_unknown_against_column_is_one_line_naming_the_columns():
    line = assert_one_line_error(run("score", VOTES, "--latent", "Class", "--against", "nope", expect=None))
    assert "'nope'" in line and "crime" in line


def test_subsample_interval_by_hand():
    t4 = 2.7764451051977987  # Student's t, 0.975 quantile, 4 degrees of freedom
    # 16 rows: log2 n = 4, so the regret correction is 4 / (4 − 2) = 2 times the shift and the constant one 1 time.
    # The halves (3, 4) sum to 7: shift 10 − 7 = 3, centre 10 + 2·3 = 16, the constant form 10 + 3 = 13.
    # With the quarters (sum 10), three sizes: 4·10 − 4·7 + 10 = 22. The interval spans 13..22, widened by t·s.
    # Spread: halves 2·((3 − 3.5)² + (4 − 3.5)²) = 1 and quarters 4·(2.25 + 0.25 + 0.25 + 2.25) = 20, over 1 + 3 dof.
    interval = subsample_interval(10.0, [[3.0, 4.0]], [[1.0, 2.0, 3.0, 4.0]], 16)
    assert interval["centre"] == pytest.approx(16.0) and interval["bias"] == pytest.approx(-6.0)
    assert interval["bias_constant"] == pytest.approx(-3.0) and interval["bias_three_sizes"] == pytest.approx(-12.0)
    assert interval["dof"] == 4 and interval["sd"] == pytest.approx(np.sqrt(21 / 4))
    assert interval["low"] == pytest.approx(13 - t4 * np.sqrt(21 / 4), abs=3e-3)  # t to 1e-3, times sd
    assert interval["high"] == pytest.approx(22 + t4 * np.sqrt(21 / 4), abs=3e-3)
    # A shift of the other sign (halves costing less than the whole) moves the centre down; replicates pool.
    two = subsample_interval(10.0, [[6.0, 5.0], [5.0, 6.0]], [[2.0] * 4, [3.0] * 4], 256)
    assert two["centre"] == pytest.approx(10 - 8 / 6) and two["bias_constant"] == pytest.approx(1.0)
    assert two["dof"] == 8 and two["sd"] == pytest.approx(np.sqrt((1 + 1) / 8))
    # An estimate the same at every size: the constant and three-size forms are exact, and the interval reaches them.
    flat = subsample_interval(-0.6, [[-0.6, -0.6]] * 3, [[-0.6] * 4] * 3, 1000)
    assert flat["sd"] == 0 and flat["low"] == pytest.approx(0.0, abs=1e-12) and flat["high"] > 0
    # A maximum over features: [smallest low, largest high], centred on the largest centre.
    parts = [{"low": 1.0, "high": 5.0, "centre": 3.0}, {"low": 2.0, "high": 4.0, "centre": 3.5}]
    assert max_interval(4.5, parts) == {"low": 1.0, "high": 5.0, "centre": 3.5, "estimate": 4.5, "bias": 1.0,
                                        "of": "the maximum over features"}
    for p, dof, exact in ((0.975, 4, 2.7764451), (0.975, 12, 2.1788128), (0.975, 40, 2.0210754), (0.95, 8, 1.8595480),
                          (0.995, 4, 4.6040949)):
        assert student_t_quantile(p, dof) == pytest.approx(exact, abs=1.1e-2 if p == 0.995 else 1e-3)


@pytest.fixture(scope="module")
def two_coders():
    return score(VOTES, "Class", features=FEATURES.split(","), coders=["model", "zstd:3"], null=3, intervals=4,
                 jobs=1)


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_score_plot_renders(tmp_path, two_coders, suffix):
    pytest.importorskip("matplotlib")
    path = tmp_path / f"score.{suffix}"
    score_plot(two_coders, path)
    _assert_rendered(path, ["physician-fee-freeze", "model: mediation error", "zstd:3: mediation error",
                            "weak redundancy", "deterministic, each alone", "null: mean ± 2 sd", "95% interval"])


def test_bench_plot_renders(tmp_path):
    pytest.importorskip("matplotlib")
    rows = [{"file": f, "coder": c, "pareto": p, "bits_per_byte": b, "compress_mb_s": s, "decompress_mb_s": 3 * s,
             "peak_memory_mb": 1.0, "idempotency": 0.01, "excess_bits_per_symbol": None}
            for f in ("a.txt", "b.txt") for c, p, b, s in (("zstd:1", True, 3.0, 300.0), ("zstd:19", True, 2.5, 3.0),
                                                             ("zlib:9", False, 2.9, 20.0))]
    report = {"rows": rows, "meta": {"cpu": "test cpu", "python": "3", "date": "2026-01-01T00:00"}}
    for suffix in ("png", "svg"):
        path = tmp_path / f"bench.{suffix}"
        bench_plot(report, path)
        # One panel per measure present (excess is absent everywhere), a legend naming the files and the front.
        _assert_rendered(path, ["bits per byte", "compress MB/s", "peak memory MB", "a.txt", "b.txt",
                                "filled: on the Pareto front", "zstd:19"])
        if suffix == "svg":
            assert "excess over the entropy" not in path.read_text()


def _assert_rendered(path, texts):
    """A PNG that is an image and not blank; an SVG that parses and names ``texts`` (matplotlib keeps each text
    as a comment beside its glyphs)."""
    data = path.read_bytes()
    if path.suffix == ".png":
        from matplotlib.image import imread

        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        image = imread(path)
        assert image.shape[0] > 300 and image.shape[1] > 800 and image[..., :3].std() > 0.05
    else:
        assert ET.fromstring(data).tag.endswith("svg")
        text = data.decode()
        for needle in texts:
            assert needle in text, needle


def test_plot_with_a_bad_suffix_fails_before_the_work(tmp_path):
    line = assert_one_line_error(run("score", "--plot", tmp_path / "x.pdf", expect=None))
    assert ".png or .svg" in line and not (tmp_path / "x.pdf").exists()


def _binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), exactly."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k + 1))


@pytest.mark.slow
def test_nominal_95_percent_intervals_cover_the_truth_at_least_90_percent_of_the_time():
    """On sources whose every quantity is known exactly (natlat_compress.synthetic): the latent-class ones and three
    outside that family, the intervals contain n × the population value in ≥ 90 % of draws (issue #18's target).
    The seeds are not the benchmark's (benchmarks/interval_coverage.py measures the same on 12 seeds per source:
    0.92–0.98 by quantity). Over all intervals (about 700 here) the share must reach 0.90. Per quantity a total has
    only 27 draws here, where 24 (0.89) is what a true 0.92 gives as often as not, so each quantity's count must not
    be significantly below 0.90: a one-sided exact binomial test at 5 % (for a total, 22 of 27 passes, 21 fails)."""
    from benchmarks.interval_coverage import QUANTITIES, SOURCES, coverage

    hits, _ = coverage(SOURCES, rows=1000, seeds=3, intervals=3, first_seed=100)
    counts = {q: [h for (_, k), v in hits.items() if k == q for h in v] for q in QUANTITIES}
    pooled = float(np.mean([h for v in counts.values() for h in v]))
    assert pooled >= 0.90, pooled
    for quantity, covered in counts.items():
        assert _binomial_cdf(sum(covered), len(covered), 0.90) >= 0.05, (quantity, sum(covered), len(covered))
