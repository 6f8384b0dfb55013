"""Codes that decode: every model-coder case of ``predictive_cases.py`` drives an exact arithmetic coder
(:mod:`natlat_compress.coders.arith`); the decoder rebuilds each row's distribution from the rows it has decoded so far
(the rows after it zeroed), gets the table back bit for bit, and the message is within a byte and a bit of the reported code
length (at most it, plus the final byte, for a mixture's whole class). A predictive that peeked at later rows would
not decode."""

from __future__ import annotations

import math

import numpy as np
import pytest

from natlat_compress.coders import get_coder
from natlat_compress.coders.arith import (Decoder, Encoder, decode_elias_gamma, decode_on_grid, encode_elias_gamma,
                                          encode_on_grid, quantise)
from natlat_compress.coders.models import SymbolColumns
from natlat_compress.coders.numeric import NumericColumn
from natlat_compress.coders.predictive import (HistogramGrid, code_length, grid_bits, joint_codes, kt_predictive,
                                               numeric_link_class)
from natlat_compress.corpus import load_table

from .conftest import TABULAR
from .predictive_cases import (CASES, GIVEN, NUMERIC_CASES, NUMERIC_GIVEN_CASES, TARGETS, make_numeric_table,
                               make_table)


def encode(case, table: SymbolColumns) -> bytes:
    symbols = joint_codes([table[c] for c in case.targets])[0]
    encoder = Encoder()
    for probabilities, symbol in zip(case.predictive(table), symbols.tolist()):
        encoder.encode(probabilities, symbol)
    return encoder.finish()


def decode(case, data: bytes, given_table: SymbolColumns) -> SymbolColumns:
    """The targets of ``case`` decoded row by row; the decoder knows the given columns, the alphabets and the number of
    rows, nothing of the targets."""
    sizes = [given_table[c][1] for c in case.targets]
    columns = {name: (codes.copy(), k) for name, (codes, k) in given_table.columns.items()}
    for name in case.targets:
        columns[name][0][:] = 0
    decoder = Decoder(data, given_table.n)
    for row in range(given_table.n):
        probabilities = case.predictive(SymbolColumns(columns, None, given_table.numeric))[row]
        digits = np.unravel_index(decoder.decode(probabilities), sizes)
        for name, digit in zip(case.targets, digits):
            columns[name][0][row] = digit
    return SymbolColumns(columns, None, given_table.numeric)


def real_table(name: str, headers: list[str], rows: int) -> SymbolColumns:
    """Six columns of a real table as t, u, v, g, h, w."""
    symbols = load_table(TABULAR / name).symbols()
    return SymbolColumns({short: (symbols[header][0][:rows], symbols[header][1])
                          for short, header in zip(TARGETS + GIVEN, headers)})


VOTES = ["Class", "physician-fee-freeze", "el-salvador-aid", "adoption-of-the-budget-resolution", "crime",
         "education-spending"]
LENSES = ["contact-lenses", "tear-prod-rate", "astigmatism", "age", "spectacle-prescrip", "tear-prod-rate"]
TABLES = {
    "synthetic": lambda: make_table(3, 80, {"t": 3, "u": 2, "v": 3, "g": 3, "h": 2, "w": 2}, noise=0.2),
    "house-votes-84": lambda: real_table("house-votes-84.csv", VOTES, 80),
    "contact-lenses": lambda: real_table("contact-lenses.csv", LENSES, 24),
}


@pytest.mark.slow
@pytest.mark.parametrize("table_name", sorted(TABLES))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_model_code_decodes_to_its_table_at_its_length(case, table_name, data_dir):
    table = TABLES[table_name]()
    data = encode(case, table)
    decoded = decode(case, data, table)
    for name in case.targets:
        np.testing.assert_array_equal(decoded[name][0], table[name][0])
    reported = case.reported(table)
    achieved = code_length(case.predictive(table), joint_codes([table[c] for c in case.targets])[0])
    # the message: at most the predictive's length, plus under one bit to end the interval and the byte padding (it can
    # be shorter: the decoder knows the number of rows, so trailing zero bits are left out)
    assert 8 * len(data) < achieved + 9
    if case.exact:
        assert achieved == pytest.approx(reported, abs=1e-6)
    else:
        assert achieved <= reported + 1e-6
    assert 8 * len(data) < reported + 9


def test_quantised_frequencies_are_positive_and_sum_to_the_precision():
    frequencies = quantise(np.array([0.0, 1e-30, 0.5, 0.5 - 1e-30]))
    assert min(frequencies) >= 1 and sum(frequencies) == 2**32
    assert quantise(np.array([1.0])) == [2**32]
    with pytest.raises(ValueError, match="probabilities must be"):
        quantise(np.array([0.5, np.nan]))


def test_arithmetic_coder_reaches_the_ideal_length_on_a_skewed_source():
    """1,000 symbols of a 0.99/0.01 source: the message is the ideal code length to within the final byte."""
    rng = np.random.default_rng(0)
    p = np.array([0.99, 0.01])
    symbols = (rng.random(1000) < p[1]).astype(int)
    encoder = Encoder()
    for s in symbols:
        encoder.encode(p, int(s))
    data = encoder.finish()
    ideal = float(-np.log2(p[symbols]).sum())
    assert ideal - 9 < 8 * len(data) < ideal + 9
    decoder = Decoder(data, 1000)
    assert [decoder.decode(p) for _ in range(1000)] == symbols.tolist()
    with pytest.raises(ValueError, match="every symbol"):
        decoder.decode(p)


def test_empty_message():
    assert Encoder().finish() == b""
    assert Decoder(b"", 0).remaining == 0


# -- numeric members: grid positions through the escape-window coder ---------------------------------------------------
def with_values(table: SymbolColumns, name: str, values: np.ndarray) -> SymbolColumns:
    numeric = dict(table.numeric)
    numeric[name] = NumericColumn(values, table.numeric[name].precision)
    return SymbolColumns(dict(table.columns), None, numeric)


def encode_numeric(encoder: Encoder, member, grid: np.ndarray) -> int:
    """The header (a histogram's edges, Elias-γ), then every row's grid position; returns the number of escapes."""
    escapes = 0
    for value in getattr(member, "header", []):
        encode_elias_gamma(encoder, value)
    for row, position in enumerate(grid.tolist()):
        escapes += encode_on_grid(encoder, lambda j, r=row: member.log2_cells(r, j), member.window(row), position)
    return escapes


def decode_numeric(decoder: Decoder, case, table: SymbolColumns, missing: np.ndarray) -> np.ndarray:
    """The present values of y decoded row by row from the given columns, the missing mask and δ: a histogram's edges
    first, then each row from the member rebuilt on the rows decoded so far (the rest zero)."""
    delta = table.numeric["y"].precision
    values = np.where(missing, np.nan, 0.0)
    edges = None
    if isinstance(case.member(with_values(table, "y", values)), HistogramGrid):  # (the kind needs no values)
        count, zigzag = decode_elias_gamma(decoder), decode_elias_gamma(decoder) - 1
        lowest = -(zigzag // 2) if zigzag % 2 else zigzag // 2
        edges = lowest + np.r_[0, np.cumsum([decode_elias_gamma(decoder) for _ in range(count - 1)])]
    grid = np.zeros((~missing).sum(), dtype=np.int64)
    for row, at in enumerate(np.flatnonzero(~missing)):
        member = case.member(with_values(table, "y", values), edges)
        grid[row] = decode_on_grid(decoder, lambda j: member.log2_cells(row, j), member.window(row))
        values[at] = grid[row] * delta
    return grid


def wine_table(rows: int) -> SymbolColumns:
    """Wine's columns as y, x, w (numeric, each value snapped to its grid: j·δ exactly) and g, c (the cultivar)."""
    symbols = load_table(TABULAR / "wine.csv").symbols()
    numeric = {short: NumericColumn(np.rint(symbols.numeric[name].values[:rows] / symbols.numeric[name].precision)
                                    * symbols.numeric[name].precision, symbols.numeric[name].precision)
               for short, name in (("y", "alcohol"), ("x", "flavanoids"), ("w", "hue"))}
    cultivar = (symbols["class"][0][:rows], symbols["class"][1])
    columns = {"g": cultivar, "c": cultivar,
               **{name: column.bins() for name, column in numeric.items()}}
    return SymbolColumns(columns, None, numeric)


NUMERIC_TABLES = {
    "synthetic": lambda: make_numeric_table(11, 40, 0.1, 30.0, 0.1, 3),
    "synthetic, under the scale floor": lambda: make_numeric_table(12, 40, 1.0, 0.3, 0.0, 2),
    "wine": lambda: wine_table(40),
}


@pytest.mark.slow
@pytest.mark.parametrize("table_name", sorted(NUMERIC_TABLES))
@pytest.mark.parametrize("case", NUMERIC_CASES, ids=lambda c: c.name)
def test_every_numeric_member_decodes_to_its_values_at_its_length(case, table_name, data_dir):
    """The decoder knows the given columns, δ, which rows are missing and the number of rows; it gets every present
    value of y back on its grid, and the message is the reported length to within a byte and a bit."""
    table = NUMERIC_TABLES[table_name]()
    member = case.member(table)
    y = table.numeric["y"].values[~table.numeric["y"].missing]
    grid = np.rint(y / table.numeric["y"].precision).astype(np.int64)
    encoder = Encoder()
    assert encode_numeric(encoder, member, grid) == 0  # no value outside its row's window
    data = encoder.finish()
    np.testing.assert_array_equal(decode_numeric(Decoder(data), case, table, table.numeric["y"].missing), grid)
    reported = case.reported(table)
    assert reported - 9 < 8 * len(data) < reported + 9


@pytest.mark.slow
@pytest.mark.parametrize("table_name", sorted(NUMERIC_TABLES))
@pytest.mark.parametrize("case", NUMERIC_GIVEN_CASES, ids=lambda c: c.name)
def test_class_conditional_t_decodes_to_its_classes_at_its_length(case, table_name, data_dir):
    table = NUMERIC_TABLES[table_name]()
    data = encode(case, table)
    np.testing.assert_array_equal(decode(case, data, table)["c"][0], table["c"][0])
    assert case.reported(table) - 9 < 8 * len(data) < case.reported(table) + 9


class LinkMember:
    """Member ``index`` of the numeric link's class, as a case of ``decode_numeric``."""

    def __init__(self, given: list[str], index: int) -> None:
        self.given, self.index = given, index

    def member(self, table, edges=None):
        return numeric_link_class(table, "y", self.given, edges)[0][self.index]


@pytest.mark.slow
@pytest.mark.parametrize("table_name", sorted(NUMERIC_TABLES))
@pytest.mark.parametrize("given_columns", [[], ["g"], ["g", "x", "w"]], ids=",".join)
def test_numeric_link_decodes_as_a_two_part_code(given_columns, table_name, data_dir):
    """``model``'s whole numeric link: the missing indicators (KT), the index of the class's shortest member (uniform
    over the class of M), then that member's code. The decoder needs the given columns, δ and the number of rows. A
    two-part code is at least the mixture's length and at most ``log2`` of the members evaluated above it."""
    table = NUMERIC_TABLES[table_name]()
    column = table.numeric["y"]
    missing = column.missing.astype(np.int64)
    members, class_size = numeric_link_class(table, "y", given_columns)
    y = column.values[~column.missing]
    best = int(np.argmin([grid_bits(m, y) for m in members]))
    encoder = Encoder()
    for probabilities, symbol in zip(kt_predictive(missing, 2), missing.tolist()):
        encoder.encode(probabilities, symbol)
    encoder.encode(np.full(class_size, 1 / class_size), best)
    assert encode_numeric(encoder, members[best], np.rint(y / column.precision).astype(np.int64)) == 0
    data = encoder.finish()
    decoder = Decoder(data)
    decoded_missing = np.zeros(table.n, dtype=np.int64)
    for row in range(table.n):
        decoded_missing[row] = decoder.decode(kt_predictive(decoded_missing, 2)[row])
    index = decoder.decode(np.full(class_size, 1 / class_size))
    grid = decode_numeric(decoder, LinkMember(given_columns, index), table, decoded_missing.astype(bool))
    np.testing.assert_array_equal(grid, np.rint(y / column.precision).astype(np.int64))
    reported = get_coder("model").symbol_bits(table, ["y"], given_columns)
    assert reported - 9 < 8 * len(data) < reported + math.log2(len(members)) + 9
