"""natlat discover: learned latents recover the true one, cross-fitting never scores a row with a fit that saw it,
kept latents score exactly like columns, and bad input is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from natlat_compress.coders.models import _lc_scores
from natlat_compress.corpus import load_table, load_texts, table_from_columns
from natlat_compress.discover import (_cross_fit, _indicators, _lc_assign, _lc_parameters, agreement, compare,
                                      discover_candidates, latent_column_csv, numeric_columns, read_latent_column)
from natlat_compress.errors import CorpusError
from natlat_compress.score import example_path, score
from natlat_compress.synthetic import LATENT, get_source, sample

from .conftest import CANTERBURY, TABULAR, assert_one_line_error, run

HOUSE = example_path()


def _posterior_mode_agreement(source, columns) -> float:
    """How often the true model's most probable latent value given the row is the true latent: the ceiling."""
    pmf = source.pmf()
    posterior = pmf[(slice(None), *(columns[n] for n in source.names))]  # (latent values, rows)
    return float((posterior.argmax(axis=0) == columns[LATENT]).mean())


# -- the EM's arithmetic, exactly ------------------------------------------------------------------------------------
def test_m_step_counts_by_hand():
    columns = [(np.array([0, 1, 1, 0]), 2), (np.array([2, 0, 1, 2]), 3)]
    cells, alphabet = _indicators(columns)
    assert cells.tolist() == [[0, 4], [1, 2], [1, 3], [0, 4]] and alphabet.tolist() == [2, 2, 3, 3, 3]
    resp = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    log_prior, log_theta = _lc_parameters(cells, alphabet, resp)
    per_class = np.array([2.5, 1.5])
    assert np.allclose(log_prior, np.log(per_class + 0.5) - np.log(4 + 1))
    counts = np.array([[2, 0], [0.5, 1.5], [0, 1], [0.5, 0.5], [2, 0]])
    assert np.allclose(log_theta, np.log(counts + 0.5) - np.log(per_class[None, :] + alphabet[:, None] / 2))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(2, 5), st.integers(1, 4))
def test_e_step_is_the_models_latent_class_score(seed, k, m):
    """The scores of the fast EM are those of ``coders.models._lc_scores`` for the same parameters."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 5, size=m)
    columns = [(rng.integers(0, s, size=30), int(s)) for s in sizes]
    cells, alphabet = _indicators(columns)
    params = _lc_parameters(cells, alphabet, rng.dirichlet(np.ones(k), size=30))
    per_column = np.split(params[1], np.cumsum(sizes)[:-1])
    assert np.allclose(_lc_assign(cells, params), _lc_scores(columns, 0, 30, params[0], per_column))


# -- agreement ---------------------------------------------------------------------------------------------------------
def test_agreement_by_hand():
    assert agreement([0, 0, 1, 1, 1], ["a", "b", "b", "b", "a"]) == pytest.approx(3 / 5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), min_size=1, max_size=60), st.permutations(range(5)))
def test_agreement_invariants(pairs, relabel):
    latent, truth = (np.array(v) for v in zip(*pairs))
    value = agreement(latent, truth)
    assert agreement(np.array(relabel)[latent], truth) == pytest.approx(value)  # names of values do not matter
    assert np.bincount(truth).max() / len(truth) - 1e-12 <= value <= 1.0  # at least the constant guess
    assert agreement(truth, truth) == 1.0


# -- cross-fitting -----------------------------------------------------------------------------------------------------
def test_cross_fitting_never_assigns_a_row_with_a_fit_that_saw_it():
    halves = (np.array([0, 2, 4, 6]), np.array([1, 3, 5, 7]))
    seen = []

    def fit(rows):
        return set(rows.tolist())

    def assign(rows, params):
        seen.append((set(rows.tolist()), params))
        scores = np.zeros((len(rows), 2))
        scores[:, 0] = 1.0
        return scores

    codes, held_out = _cross_fit(halves, fit, assign, 2)
    scored = seen[:2]  # the first two calls assign the halves; later ones only align labels
    for rows, fitted_on in scored:
        assert not rows & fitted_on
    assert {frozenset(r) for r, _ in scored} == {frozenset(h.tolist()) for h in halves}
    assert codes.tolist() == [0] * 8
    assert held_out == pytest.approx(-8 * np.log2(np.e + 1))  # −Σ log2 Σ_h 2^… of the scores, in bits


def test_a_latent_of_pure_noise_is_not_natural():
    """Independent columns have no latent: truth gives every candidate a weak error ≥ 0 and the empty latent 0. A
    latent learned and scored on the same rows would explain chance patterns; cross-fitted, every learned candidate
    costs more than any column, and the K chosen by held-out code length is the smallest."""
    rng = np.random.default_rng(5)
    table = table_from_columns({f"x{i}": rng.integers(0, 3, 2000) for i in range(5)})
    report, _ = discover_candidates(table, k_max=4, jobs=1, merges=False)
    learned = [c for c in report["candidates"] if c["kind"] == "latent_classes"]
    columns = [c for c in report["candidates"] if c["kind"] == "column"]
    assert [c["K"] for c in learned if c["chosen_by_code_length"]] == [2]
    assert min(c["weak_error"] for c in learned) > max(c["weak_error"] for c in columns)
    assert min(c["per_row"]["weak_error"] for c in learned) > 0.1  # measured 0.30-0.61 bits/row


# -- targets -----------------------------------------------------------------------------------------------------------
def test_house_votes_without_class_recovers_the_party():
    corpus = load_table(HOUSE)
    features = [c for c in corpus.names if c != "Class"]
    report, candidates = discover_candidates(corpus, features=features, jobs=1)
    best = candidates[0]
    assert best.k <= 8
    assert agreement(best.codes, corpus.columns["Class"].codes) >= 0.85
    assert report["candidates"][0]["weak_error"] < min(c["weak_error"] for c in report["candidates"]
                                                        if c["kind"] == "column")


@pytest.mark.slow
def test_noisy_copies_recovers_the_latent():
    source = get_source("noisy_copies")
    columns = sample(source, 20000, 0)
    table = table_from_columns({n: columns[n] for n in source.names})
    _, candidates = discover_candidates(table, jobs=1)
    best = candidates[0]
    assert best.k <= 12
    found = agreement(best.codes, columns[LATENT])
    assert found >= 0.95
    assert found <= _posterior_mode_agreement(source, columns) + 0.01  # the true model's ceiling (99.5 %)


@pytest.mark.parametrize("name", ["dirichlet_emissions", "unequal_noise"])
def test_other_sources_come_near_the_true_posterior_mode(name):
    """Sources with unequal priors, alphabets and noise (not the six-equal-copies shape the targets name): the latent
    classes whose K the held-out code length chose come within 5 points of the true model's posterior mode. (On
    dirichlet_emissions the weak-error ranking puts a merged pair first by 0.004 bits/row: see the README.)"""
    source = get_source(name)
    columns = sample(source, 6000, 1)
    table = table_from_columns({n: columns[n] for n in source.names})
    _, candidates = discover_candidates(table, k_max=6, jobs=1)
    chosen = next(c for c in candidates if c.detail.get("chosen_by_code_length"))
    assert chosen.k <= 6
    assert agreement(chosen.codes, columns[LATENT]) >= _posterior_mode_agreement(source, columns) - 0.05


def test_numeric_wine_clusters_find_the_cultivars(data_dir):
    corpus = load_table(TABULAR / "wine.csv")
    assert len(numeric_columns(corpus)) == 13 and "class" not in numeric_columns(corpus)
    features = [c for c in corpus.names if c != "class"]
    report, candidates = discover_candidates(corpus, features=features, k_max=6, jobs=1)
    gaussian = [c for c in candidates if c.kind == "gaussian_mixture"]
    assert len(gaussian) == 5
    best_gaussian = max(agreement(c.codes, corpus.columns["class"].codes) for c in gaussian)
    assert best_gaussian >= 0.85  # measured 0.88-0.97; three cultivars, clusters of 13 chemical measurements
    assert agreement(candidates[0].codes, corpus.columns["class"].codes) >= 0.8


# -- keeping a latent --------------------------------------------------------------------------------------------------
def test_a_kept_latent_scores_exactly_like_the_same_column(tmp_path):
    corpus = load_table(HOUSE)
    features = [c for c in corpus.names if c != "Class"]
    _, candidates = discover_candidates(corpus, features=features, k_max=3, jobs=1, merges=False)
    kept = next(c for c in candidates if c.kind == "latent_classes")
    latent_csv = tmp_path / "latent.csv"
    latent_csv.write_text(latent_column_csv(kept))
    lines = HOUSE.read_text().splitlines()
    values = latent_csv.read_text().splitlines()
    joined = tmp_path / "joined.csv"
    joined.write_text("\n".join(f"{a},{b}" for a, b in zip(lines, values)) + "\n")
    from_file = score(HOUSE, latent_csv.read_bytes(), features=features, null=0, jobs=1)["results"][0]
    from_column = score(joined, [kept.name], features=features, null=0, jobs=1)["results"][0]
    for key in ("mediation_error", "latent_given_features", "weak_error"):
        assert from_file[key] == pytest.approx(from_column[key], abs=1e-9)
    for variant, values in from_column["redundancy_errors"].items():
        assert from_file["redundancy_errors"][variant] == pytest.approx(values, abs=1e-9)


def test_compare_is_scores_theorem1_check(tmp_path):
    corpus = load_table(HOUSE)
    features = [c for c in corpus.names if c != "Class"]
    _, candidates = discover_candidates(corpus, features=features, k_max=3, jobs=1, merges=False)
    kept = candidates[0]
    result = compare(corpus, kept, "Class", features=features, jobs=1)
    path = tmp_path / "latent.csv"
    path.write_text(latent_column_csv(kept))
    scored = score(HOUSE, path.read_bytes(), features=features, against=["Class"], null=0, jobs=1)["results"][0]
    assert result["column_given_latent"]["estimate"] == pytest.approx(scored["theorem1"]["estimate"], abs=1e-9)
    assert result["column_given_latent"]["bound"] == pytest.approx(scored["theorem1"]["bound"], abs=1e-9)
    column_given_latent = result["column_given_latent"]["estimate"]
    assert result["mutual_information"] == pytest.approx(result["column_bits"] - column_given_latent)
    assert result["mutual_information"] > 0.3 * corpus.n_items  # the party is most of a bit; a K-class latent sees it


def test_read_latent_column_checks_its_shape():
    corpus = load_table(HOUSE)
    n = corpus.n_items
    name, column = read_latent_column(("Class\n" + "a\n" * n).encode(), corpus)
    assert name == "Class (file)" and column.cardinality == 1
    with pytest.raises(CorpusError, match="one value per row"):
        read_latent_column(b"L\na\nb\n", corpus)
    with pytest.raises(CorpusError, match="one column"):
        read_latent_column(("L,M\n" + "a,b\n" * n).encode(), corpus)
    with pytest.raises(CorpusError, match="empty"):
        read_latent_column(b"", corpus)


# -- the command -------------------------------------------------------------------------------------------------------
def test_cli_discover_keeps_compares_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    out, plot, report = tmp_path / "latent.csv", tmp_path / "errors.png", tmp_path / "report.json"
    run("discover", HOUSE, "--exclude", "Class", "--k-max", "4", "--out", out, "--rank", "2", "--compare", "Class",
        "--plot", plot, "--format", "json", "-o", report, "--jobs", "1")
    data = json.loads(report.read_text())
    second = data["candidates"][1]
    assert data["kept"] == {"latent": second["name"], "rank": 2, "path": str(out)}
    assert out.read_text().splitlines()[0] == second["name"]
    assert len(out.read_text().splitlines()) == 436
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(second["redundancy_errors"]) == {"weak", "strong", "deterministic_all_but_one", "deterministic_each"}
    assert "Class" not in data["corpus"]["columns"]
    assert data["compare"]["column"] == "Class"
    assert [c["rank"] for c in data["candidates"]] == list(range(1, len(data["candidates"]) + 1))
    weak = [c["per_row"]["weak_error"] for c in data["candidates"]]
    assert weak == sorted(weak)
    scored = run("score", HOUSE, "--latent-file", out, "--features", ",".join(data["corpus"]["columns"]),
                 "--null", "0", "-s", "--format", "json")
    assert json.loads(scored.stdout)["latent"]["name"] == second["name"]


@pytest.mark.parametrize("args, message", [
    (["--exclude", "nope"], "unknown column 'nope' for --exclude"),
    (["--features", "nope"], "unknown column 'nope'"),
    (["--compare", "nope"], "unknown column 'nope' for --compare"),
    (["--rank", "999"], "there are only"),
    (["--coder", "nope:1"], "nope"),
])
def test_cli_discover_bad_input(args, message):
    line = assert_one_line_error(run("discover", HOUSE, "--k-max", "2", "--jobs", "1", *args, expect=None))
    assert message in line


def test_cli_discover_bad_table_and_k(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("one line\nanother\n")
    assert "is one text" in assert_one_line_error(run("discover", text, expect=None))
    assert "is a directory" in assert_one_line_error(run("discover", tmp_path, expect=None))
    with pytest.raises(CorpusError, match="reads a table"):
        discover_candidates(load_texts(text, split="lines"))
    assert "k-max" in assert_one_line_error(run("discover", HOUSE, "--k-max", "1", expect=None))
    assert "no such file" in assert_one_line_error(run("discover", tmp_path / "missing.csv", expect=None))


def test_cli_latent_file_of_the_wrong_length(tmp_path):
    bad = tmp_path / "latent.csv"
    bad.write_text("L\na\nb\n")
    line = assert_one_line_error(run("score", HOUSE, "--latent-file", bad, expect=None))
    assert "one value per row" in line


# -- texts: a discovered string named by what it holds -----------------------------------------------------------------
def test_discovered_text_latents_are_named_by_their_content():
    from natlat_compress.latents import discovered_name

    value = b"\x37\xa4\x30\xec\x01\x02\xff\xfe" + b"\x00" * 10 + b"the cat sat on the mat and looked at the door"
    assert discovered_name(value) == f'discovered "the cat sat on the mat…" ({len(value):,} bytes)'
    assert discovered_name(bytes(range(128, 256)) * 8) == "discovered string of 1,024 bytes"  # no text in it: its size


def test_score_names_a_discovered_text_latent_by_its_words():
    found = score(CANTERBURY, "discover", coders=["zstd:3"], jobs=1)
    name = found["latent"]["name"]
    assert name.startswith('discovered "') and name.endswith(f'({found["latent"]["bytes"]:,} bytes)')
    words = name.split('"')[1].rstrip("…").split()
    assert 1 <= len(words) <= 6
    corpus_text = b"".join(p.read_bytes() for p in CANTERBURY.iterdir())
    assert words[-1].encode() in corpus_text  # the name is made of the corpus's own words


def test_a_tiny_table_caps_k_at_the_half_size():
    table = table_from_columns({"a": list("xxyyxxyy"), "b": list("xyxyxyxy"), "c": list("xxxxyyyy")})
    report, candidates = discover_candidates(table, k_max=8, jobs=1)
    assert max(c["K"] for c in report["candidates"] if c["kind"] == "latent_classes") == 4
    assert all(len(c.codes) == 8 for c in candidates)
    with pytest.raises(CorpusError, match="at least 8 rows"):
        discover_candidates(table_from_columns({"a": "xy", "b": "xy", "c": "yx"}))
