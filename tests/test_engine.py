"""The engine: terms become distinct jobs, evaluated once, identically on any number of workers."""

from __future__ import annotations

import numpy as np

from natlat_compress.coders import get_coder
from natlat_compress.corpus import TextCorpus, table_from_columns
from natlat_compress.engine import Term, Variant, evaluate, plan


def small_table():
    rng = np.random.default_rng(3)
    latent = rng.integers(0, 3, 500)
    return table_from_columns({"L": latent, **{f"x{j}": (latent + (rng.random(500) < 0.2)) % 3 for j in range(3)}})


def test_table_terms_are_chain_rule_differences_of_row_wise_joints():
    table = small_table()
    the_plan = plan([(None, Term.of(["x0"], ["L"]))], table, ["zstd:19"], lead=["L"])
    assert the_plan.recipe[("zstd:19", None, Term.of(["x0"], ["L"]))] == [
        (1, ("joint", ("L", "x0"))), (-1, ("joint", ("L",)))]
    coder = get_coder("zstd:19")
    value = evaluate(the_plan, table, jobs=1)[("zstd:19", None, Term.of(["x0"], ["L"]))]
    assert value == coder.bits(table.serialize(["L", "x0"])) - coder.bits(table.serialize(["L"]))


def test_text_terms_prime_or_concatenate():
    corpus = TextCorpus({"a": b"alpha " * 50, "b": b"beta " * 50}).with_atom("Λ", b"alpha beta")
    term = Term.of(["a"], ["Λ"])
    primed = plan([(None, term)], corpus, ["zstd:19"], lead=["Λ"])
    assert primed.recipe[("zstd:19", None, term)] == [(1, ("cond", ("a",), ("Λ",)))]
    concat = plan([(None, term)], corpus, ["bz2:9"], lead=["Λ"])
    assert concat.recipe[("bz2:9", None, term)] == [(1, ("joint", ("Λ", "a"))), (-1, ("joint", ("Λ",)))]
    value = evaluate(concat, corpus, jobs=1)[("bz2:9", None, term)]
    coder = get_coder("bz2:9")
    assert value == coder.bits(b"alpha beta\x1e" + b"alpha " * 50) - coder.bits(b"alpha beta")


def test_an_atom_given_itself_costs_exactly_nothing():
    table = small_table()
    the_plan = plan([(None, Term.of(["x0"], ["x0", "L"]))], table, ["zstd:19"])
    assert the_plan.jobs == []
    assert evaluate(the_plan, table, jobs=1) == {("zstd:19", None, Term.of(["x0"], ["x0", "L"])): 0}


def test_no_job_is_planned_twice():
    table = small_table()
    terms = [(None, Term.of([x], ["L"])) for x in ("x0", "x1", "x2")] + [(None, Term.of(["L"]))]
    the_plan = plan(terms, table, ["zstd:3", "lzma:6"], lead=["L"])
    assert len(the_plan.jobs) == len(set(the_plan.jobs)) == 2 * 4  # 3 pair joints + C(L), per coder
    assert the_plan.bytes_to_compress == 2 * (3 * table.nbytes(["L", "x0"]) + table.nbytes(["L"]))


def test_results_do_not_depend_on_the_number_of_workers():
    table = small_table()
    terms = [(v, Term.of([x], ["L"])) for x in ("x0", "x1") for v in
             (None, Variant("null", 0, 0, ("L",)), Variant("bootstrap", 0, 1))]
    the_plan = plan(terms, table, ["zstd:19", "bz2:9"], lead=["L"])
    assert evaluate(the_plan, table, jobs=1) == evaluate(the_plan, table, jobs=2)


def test_null_variant_shuffles_within_latent_groups_only():
    table = small_table()
    shuffled = Variant("null", 7, 0, ("L",)).build(table)
    assert np.array_equal(shuffled.columns["L"].codes, table.columns["L"].codes)
    for x in ("x0", "x1"):
        before, after = table.columns[x].codes, shuffled.columns[x].codes
        assert not np.array_equal(before, after)
        for value in range(3):  # the multiset of feature values within each latent group is unchanged
            group = table.columns["L"].codes == value
            assert np.array_equal(np.sort(before[group]), np.sort(after[group]))
    # The same seed and replicate give the same replicate in any process; another replicate differs.
    assert np.array_equal(Variant("null", 7, 0, ("L",)).build(table).columns["x1"].codes, after)
    assert not np.array_equal(Variant("null", 7, 1, ("L",)).build(table).columns["x1"].codes, after)


def test_latent_class_units_are_scheduled_first():
    from natlat_compress.engine import _units

    table = small_table()
    terms = [Term.of(["x0"], ["L"]), Term.of(["L"], ["x0", "x1", "x2"]), Term.of(["x0", "x1", "x2"])]
    the_plan = plan([(None, t) for t in terms], table, ["model", "zstd:3"], lead=["L"])
    units = _units(the_plan.jobs)
    # The model's joint of three columns fits latent-class models: the longest unit, so it starts first.
    assert units[0][0] == "model" and units[0][2] == [("cond", ("x0", "x1", "x2"), ())]
    assert sorted(map(repr, (job for unit in units for job in unit[2]))) == sorted(
        map(repr, (job for _, _, job in the_plan.jobs)))  # every job once
