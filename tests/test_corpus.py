"""Reading tables and texts exactly, and serialising feature subsets unambiguously."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from natlat_compress.corpus import load_corpus, load_table, load_texts, table_from_columns
from natlat_compress.errors import CorpusError

from .conftest import CANTERBURY, TABULAR


def parse_serialisation(blob: bytes) -> list[list[bytes]]:
    """The inverse of TableCorpus.serialize: rows end at unescaped 0x1E, cells at unescaped 0x1F."""
    rows, row, cell, i = [], [], bytearray(), 0
    while i < len(blob):
        byte = blob[i]
        if byte == 0x1B:
            cell.append(blob[i + 1])
            i += 2
            continue
        if byte in (0x1E, 0x1F):
            row.append(bytes(cell))
            cell = bytearray()
            if byte == 0x1E:
                rows.append(row)
                row = []
        else:
            cell.append(byte)
        i += 1
    return rows


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.binary(max_size=6), min_size=3, max_size=3), min_size=1, max_size=30))
def test_serialisation_is_unambiguous(rows):
    table = table_from_columns({f"c{j}": [r[j].decode("latin-1") for r in rows] for j in range(3)})
    # Cells become categories through str(): compare what went in as text.
    blob = table.serialize(["c2", "c0"])
    back = parse_serialisation(blob)
    assert back == [[r[2].decode("latin-1").encode(), r[0].decode("latin-1").encode()] for r in rows]
    assert table.nbytes(["c2", "c0"]) == len(blob)


def test_house_votes_reads_as_the_file_says():
    table = load_table(TABULAR / "house-votes-84.csv")
    assert table.n_items == 435 and len(table.names) == 17
    assert sorted(table.columns["Class"].categories) == [b"democrat", b"republican"]
    assert sorted(table.columns["crime"].categories) == [b"?", b"n", b"y"]  # '?' is a value of its own
    first = parse_serialisation(table.serialize(["Class", "handicapped-infants"]))[0]
    assert first == [b"republican", b"n"]


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_quotes_empty_cells_and_sniffed_delimiters(tmp_path):
    for delimiter in [",", ";", "\t", "|"]:
        text = f'a{delimiter}b{delimiter}c\n"x{delimiter}y"{delimiter}{delimiter}?\n1{delimiter}2{delimiter}3\n'
        table = load_table(write(tmp_path, "t.txt", text.encode()))
        assert table.names == ["a", "b", "c"], delimiter
        assert parse_serialisation(table.serialize(["a", "b", "c"]))[0] == [f"x{delimiter}y".encode(), b"", b"?"]


def test_odd_bytes_are_kept_exactly(tmp_path):
    path = write(tmp_path, "t.csv", b"a,b\n\xff\xfe,x\x00y\nplain,z\n")
    table = load_table(path)
    assert parse_serialisation(table.serialize(["a", "b"]))[0] == [b"\xff\xfe", b"x\x00y"]


def test_duplicate_column_names_are_numbered(tmp_path):
    table = load_table(write(tmp_path, "t.csv", b"a,a,b,a\n1,2,3,4\n"))
    assert table.names == ["a", "a.2", "b", "a.3"]


def test_a_ten_megabyte_field(tmp_path):
    big = b"z" * 10_000_000
    table = load_table(write(tmp_path, "t.csv", b"a,b\n" + big + b",1\nq,2\n"))
    assert table.columns["a"].categories[1] == big
    assert table.nbytes(["a"]) == 10_000_000 + 1 + 2


@pytest.mark.parametrize("content, words", [
    (b"", "empty"), (b"  \n", "empty"), (b"a,b,c\n", "header and no rows"),
    (b"a,b\n1,2\n3\n", "data row 2 has 1 field but the header has 2"),
])
def test_bad_tables(tmp_path, content, words):
    with pytest.raises(CorpusError, match=re.escape(words)):
        load_table(write(tmp_path, "t.csv", content))


def test_texts_from_a_directory_and_splits(tmp_path):
    corpus = load_texts(CANTERBURY)
    assert corpus.names == ["alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt"]
    path = write(tmp_path, "doc.txt", b"one\ntwo\n\nthree\n\n\nfour")
    assert list(load_texts(path, "lines").objects.values()) == [b"one", b"two", b"three", b"four"]
    assert list(load_texts(path, "paragraphs").objects.values()) == [b"one\ntwo", b"three", b"\nfour"]
    assert [len(v) for v in load_texts(path, "bytes:10").objects.values()] == [10, 10, 1]
    assert list(load_texts(path, "regex:t[wh]").objects.values()) == [b"one\n", b"o\n\n", b"ree\n\n\nfour"]


def test_jsonl(tmp_path):
    path = write(tmp_path, "d.jsonl", b'{"text": "a"}\n\n{"text": "b", "body": {"x": 1}}\n')
    assert list(load_texts(path).objects.values()) == [b"a", b"b"]
    with pytest.raises(CorpusError, match="no field 'body'"):
        load_texts(path, field="body")


@pytest.mark.parametrize("make, words", [
    (lambda p: p / "missing", "no such file"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "has no files"),
    (lambda p: write(p, "one.txt", b"just one text"), "--split"),
    (lambda p: write(p, "bad.jsonl", b"{not json\n"), "not JSON"),
])
def test_bad_texts(tmp_path, make, words):
    with pytest.raises(CorpusError, match=re.escape(words)):
        load_corpus(make(tmp_path))


def test_bad_split(tmp_path):
    path = write(tmp_path, "doc.txt", b"abc")
    for split in ["words", "bytes:0", "regex:("]:
        with pytest.raises(CorpusError, match="split"):
            load_texts(path, split)


def test_serialisation_is_vectorised_and_linear():
    rng = np.random.default_rng(0)
    table = table_from_columns({f"c{j}": rng.integers(0, 3, 200_000) for j in range(3)})
    assert len(table.serialize(table.names)) == 200_000 * 3 * 2


def _same_table(a, b) -> bool:
    return a.names == b.names and all(np.array_equal(a.columns[n].codes, b.columns[n].codes)
                                      and a.columns[n].categories == b.columns[n].categories for n in a.names)


@pytest.mark.parametrize("name", sorted(p.name for p in TABULAR.glob("*.csv")))
def test_numpy_parser_reads_shared_tables_as_the_csv_module_does(name, monkeypatch):
    from natlat_compress import tables as corpus  # (the table parser lives in tables.py)

    fast = load_table(TABULAR / name)
    assert corpus._simple_table((TABULAR / name).read_bytes(), ",") is not None  # these CRLF tables take the fast path
    monkeypatch.setattr(corpus, "_simple_table", lambda raw, delimiter: None)
    assert _same_table(fast, load_table(TABULAR / name))


@pytest.mark.parametrize("text", ["a,b\n1,2\n1\n", "a,b\n1,2,3\n"])
def test_numpy_parser_leaves_ragged_rows_to_the_csv_module(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(CorpusError, match="data row . has . fields? but the header has 2"):
        load_table(path)


@pytest.mark.parametrize("chunk_bytes", [1, 50, 7777, 10**7])
def test_chunks_are_the_table_cut_at_line_ends(tmp_path, chunk_bytes):
    from natlat_compress.corpus import read_table_chunks

    whole = load_table(TABULAR / "soybean.csv")
    chunks = [table for table, _ in read_table_chunks(TABULAR / "soybean.csv", chunk_bytes)]
    assert sum(c.n_items for c in chunks) == whole.n_items
    for name in whole.names:
        values = [c.columns[name].categories[i] for c in chunks for i in c.columns[name].codes]
        assert values == [whole.columns[name].categories[i] for i in whole.columns[name].codes]
    # A quoted cell with a line end inside is never cut.
    quoted = tmp_path / "q.csv"
    quoted.write_text("a,b\n" + '"x\ny",1\n2,"3"\n"p,q",4\n' * 40)
    rows = [c.columns["a"].categories[i] for c, _ in read_table_chunks(quoted, 9) for i in c.columns["a"].codes]
    assert rows == [b"x\ny", b"2", b"p,q"] * 40


def test_every_way_of_serialising_equals_the_column_by_column_scatter():
    import itertools

    rng = np.random.default_rng(0)
    cells = np.array(["a\x1fb", "", "x\x1e", "\x1b", "long cell", "7", "\x00"])
    short = {f"c{j}": cells[rng.integers(0, 7, 500)] for j in range(4)}
    long_cells = np.where(np.arange(500) == 7, "y" * 5000, "z")  # padding would be 5000 bytes a row
    byte = [chr(i) if i < 128 else chr(0xDC00 + i) for i in range(256)]  # one byte each, once UTF-8 encoded
    every_byte = byte + [byte[i] for i in rng.integers(0, 256, 244)]  # no byte is left for padding
    tables = {"padded": table_from_columns(short), "one long cell": table_from_columns({**short, "long": long_cells}),
              "every byte": table_from_columns({**short, "bytes": every_byte})}
    assert set(tables["padded"]._padded_table()[1]) == set(short)
    assert set(tables["one long cell"]._padded_table()[1]) == set(short)
    assert tables["every byte"]._padded_table()[1] == {}
    for table in tables.values():
        for size in range(1, len(table.names) + 1):
            for atoms in itertools.combinations(table.names, size):
                for order in (list(atoms), list(atoms)[::-1]):
                    scattered = table._scatter(order)
                    scattered[np.cumsum(table._row_lengths(order)) - 1] = 0x1E
                    assert table.serialize(order) == scattered.tobytes()
    names = tables["padded"].names
    assert parse_serialisation(tables["padded"].serialize(names[::-1]))[3] == [
        tables["padded"].columns[n].categories[tables["padded"].columns[n].codes[3]] for n in names[::-1]]


@pytest.mark.parametrize("width", [1, 3, 6])
def test_factorising_packed_cells_every_way_gives_sorted_categories(width, monkeypatch):
    from natlat_compress import tables as corpus  # (the table parser lives in tables.py)

    rng = np.random.default_rng(width)
    cells = rng.integers(1, 256, size=(5000, width), dtype=np.uint64)
    cells[rng.random(5000) < 0.5, width - 1] = 0  # shorter cells too
    cells[:, 0] = rng.choice([65, 66, 67], 5000)
    cells[4321] = [90] + [1] * (width - 1)  # a category seen once, far from a small sample
    keys = sum(cells[:, i] << np.uint64(8 * (7 - i)) for i in range(width))
    expected = np.unique(keys, return_inverse=True)
    for sample, dense_from in [(65536, 1 << 21), (16, 1 << 21), (65536, 0)]:  # search, sort, table of short keys
        monkeypatch.setattr(corpus, "DENSE_FACTORIZE_ROWS", dense_from)
        distinct, codes = corpus._codes(keys, sample=sample)  # (keys longer than 3 bytes never take the table)
        assert distinct == len(expected[0]) and np.array_equal(codes, expected[1].ravel())
    small = rng.integers(0, 300, 5000)  # keys below a known bound: a table, or a search if the bound is large
    for bound in (300, 10**9):
        distinct, codes = corpus._codes(small, bound)
        assert distinct == len(np.unique(small)) and np.array_equal(codes, np.unique(small, return_inverse=True)[1])


@pytest.mark.parametrize("cells", [
    ["b", "a", "", "abcdefgh", "abcdefg", "abcdefghi", "abcdefgh", "z" * 17, "z" * 16 + "a", "b"],  # around 8 and 16
    ["a\x00b", "a", "a\x00", "é", "e", "\x7f\x80"],  # an inner NUL; a cell ending in NUL leaves it to csv
])
def test_cells_are_read_a_word_at_a_time_in_byte_order(tmp_path, cells, monkeypatch):
    from natlat_compress import tables as corpus  # (the table parser lives in tables.py)

    path = tmp_path / "t.csv"
    path.write_bytes(b"c,d\n" + b"".join(c.encode() + b",x\n" for c in cells))
    fast = load_table(path)
    monkeypatch.setattr(corpus, "_simple_table", lambda raw, delimiter: None)
    assert _same_table(fast, load_table(path))
    assert [fast.columns["c"].categories[i] for i in fast.columns["c"].codes] == [c.encode() for c in cells]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab~é\x00 ", max_size=19), min_size=3, max_size=3), min_size=1, max_size=40))
def test_numpy_parser_reads_any_unquoted_table_as_the_csv_module_does(rows):
    import tempfile
    from pathlib import Path
    from unittest import mock

    from natlat_compress import tables as corpus  # (the table parser lives in tables.py)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_bytes("a,b,c\n".encode() + "".join(",".join(row) + "\n" for row in rows).encode())
        fast = load_table(path)
        with mock.patch.object(corpus, "_simple_table", lambda raw, delimiter: None):
            assert _same_table(fast, load_table(path))
