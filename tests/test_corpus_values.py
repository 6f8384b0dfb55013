"""Serialisation and loading details the corpus mutation run (benchmarks/MUTATION.md) found unchecked by the fast
corpus tests: each row's bytes, the byte counts of a text plan, what a pickled table carries, the source label and
the error messages of the chunked reader, regular expressions that hold a colon, a directory cut into lines, and the
JSONL field passed through ``load_corpus``."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st

from natlat_compress.corpus import load_corpus, load_table, load_texts, read_table_chunks, table_from_columns
from natlat_compress.errors import CorpusError
from natlat_compress.tables import Column


def small_table():
    return table_from_columns({"a": ["x", "yy", "x", ""], "b": ["1", "22", "333", "4"], "c": ["p", "q", "p", "q"]})


def test_row_bytes_are_each_rows_serialisation():
    table = small_table()
    for atoms in (["a", "b", "c"], ["b"], ["c", "a"]):
        rows = table.row_bytes(atoms)
        assert rows == [table.take(np.array([i])).serialize(atoms) for i in range(len(table))]
        assert b"".join(rows) == table.serialize(atoms)


def test_a_pickled_table_carries_no_caches_and_serialises_the_same():
    """Tables go to worker processes pickled: the caches (symbols, the padded layout, row lengths) stay behind."""
    table = small_table()
    table.row_bytes(table.names)
    table.serialize(["a", "c"])
    assert table._row_totals is not None and table._padded is not None
    assert table._padded_table()[0].dtype == np.uint8  # one byte a cell byte, not eight
    copy = pickle.loads(pickle.dumps(table))
    assert copy._row_totals is None and copy._padded is None and copy._symbols is None and copy._lengths == {}
    assert copy.serialize(["a", "b", "c"]) == table.serialize(["a", "b", "c"])


def test_text_plan_bytes_are_the_serialised_lengths():
    corpus = load_texts(__file__, split="lines")
    names = corpus.names
    for atoms in ([names[0]], names[:2], names[:5], names):
        assert corpus.nbytes(atoms) == len(corpus.serialize(atoms))


def test_chunked_reader_names_the_file_in_its_tables_and_errors(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    chunks = [table for table, _ in read_table_chunks(path, 1 << 20)]
    assert [c.source for c in chunks] == [str(path)] and load_table(path).source == str(path)
    with pytest.raises(CorpusError, match=f"{path.parent / 'missing.csv'}"):
        list(read_table_chunks(tmp_path / "missing.csv", 1 << 20))
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(CorpusError, match=f"{tmp_path / 'empty.csv'} is empty"):
        list(read_table_chunks(tmp_path / "empty.csv", 1 << 20))
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3\n")
    with pytest.raises(CorpusError, match=str(tmp_path / "ragged.csv")):
        list(read_table_chunks(tmp_path / "ragged.csv", 1 << 20))


def test_a_regular_expression_with_a_colon_splits_at_it(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"alpha: beta: gamma")
    assert list(load_texts(path, split="regex:: ").objects.values()) == [b"alpha", b"beta", b"gamma"]


def test_a_directory_cut_into_lines(tmp_path):
    (tmp_path / "one.txt").write_bytes(b"a\nb\n")
    (tmp_path / "two.txt").write_bytes(b"c\n")
    corpus = load_texts(tmp_path, split="lines")
    assert list(corpus.objects.items()) == [("one.txt:line 1", b"a"), ("one.txt:line 2", b"b"),
                                            ("two.txt:line 1", b"c")]


def test_load_corpus_passes_the_jsonl_field(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "t1", "body": "b1"}\n{"text": "t2", "body": "b2"}\n')
    assert list(load_corpus(path, field="body").objects.values()) == [b"b1", b"b2"]
    assert list(load_corpus(path).objects.values()) == [b"t1", b"t2"]


def test_a_tsv_file_is_cut_at_tabs_even_where_commas_are_more_common(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("a,b\tc\n1,2\t3\n4,5\t6\n")
    assert load_table(path).names == ["a,b", "c"]


def test_sequences_as_values_are_single_cells():
    table = table_from_columns({"pair": [(1, 2), (3, 4), (1, 2)], "x": ["u", "v", "u"]})
    assert len(table) == 3 and table.columns["pair"].categories == [b"(1, 2)", b"(3, 4)"]


def test_a_quoted_table_keeps_its_source(tmp_path):
    """A table the fast parser hands to the csv module (a quoted cell) is labelled with its file all the same."""
    path = tmp_path / "q.csv"
    path.write_text('a,b\n"x,1",2\ny,3\n')
    table = load_table(path)
    assert table.source == str(path) and table.columns["a"].categories == [b"x,1", b"y"]


@given(st.lists(st.integers(-(2 ** 63), 2 ** 63 - 1), max_size=60),
       st.sampled_from([np.int64, np.int8, np.uint16, np.uint64, bool]))
def test_an_integer_array_names_its_categories_as_its_cells_written_out(cells, dtype):
    """A numpy integer column takes a fast path (distinct values first): the same codes and categories as the
    column of the same cells given as strings."""
    info = np.iinfo(dtype) if dtype is not bool else None
    cells = [c % 2 == 0 if info is None else min(max(c, info.min), info.max) for c in cells]
    fast = Column.from_values(np.array(cells, dtype=dtype))
    slow = Column.from_values([str(c) for c in cells])
    assert fast.categories == slow.categories and fast.codes.tolist() == slow.codes.tolist()
    assert fast.codes.dtype == slow.codes.dtype
