"""An agent: a coder primed with its own training corpus, seen as a prior of its own (THEORY.md §4)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import Coder

__all__ = ["AgentCoder", "unify", "stack"]


class AgentCoder(Coder):
    """``base`` primed with ``training`` — bytes for a text corpus, a table (serialised on the same columns as each
    term) for a table — through the base coder's own mechanism: a zstd dictionary, zlib's zdict, lz4's block
    dictionary, a prefix for the others."""

    family = "agent"

    def __init__(self, name: str, base: Coder, training) -> None:
        super().__init__(f"agent:{name}", base.reach)
        self.name, self.base, self.training = name, base, training
        self.method, self.reads = base.method, base.reads
        self._stacked: tuple | None = None  # (the corpus table it was built for, training ⧺ corpus, training)

    def library_version(self) -> str:
        return self.base.library_version()

    def compress(self, data: bytes) -> bytes:
        return self.base.compress(data)

    def prior_for(self, atoms: Sequence[str]) -> bytes:
        if self.training is None or isinstance(self.training, bytes):
            return self.training or b""
        return self.training.serialize(list(atoms))

    def conditional_bits(self, data: bytes, given: bytes) -> float:
        return self.base.conditional_bits(data, given)

    def bits(self, data: bytes) -> float:
        return self.base.bits(data)

    # -- model coders: the training rows come first, and C_A(T|G) = C(T|G on D ⧺ X) − C(T|G on D) ----------------------
    def _training_symbols(self):
        return self.training.symbols() if self.training is not None and not isinstance(self.training, bytes) else None

    def symbol_bits_many(self, table, target, givens) -> list[float]:
        train = self._training_symbols()
        if train is None:
            return self.base.symbol_bits_many(table, target, givens)
        if self._stacked is None or self._stacked[0] is not table:
            train_u, table_u = unify([train, table], list(table.categories))
            self._stacked = (table, stack(train_u, table_u), train_u)
        _, both, train_u = self._stacked
        with_training = self.base.symbol_bits_many(both, target, givens)
        training_alone = self.base.symbol_bits_many(train_u, target, givens)
        return [a - b for a, b in zip(with_training, training_alone)]

    def row_bits(self, corpus_symbols, columns: Sequence[str]) -> np.ndarray:
        """Each row's code length on its own, given the training rows (model coders)."""
        train = self._training_symbols()
        if train is None:
            train = type(corpus_symbols)({c: (corpus_symbols[c][0][:0], corpus_symbols[c][1]) for c in columns},
                                         {c: corpus_symbols.categories[c] for c in columns})
        train_u, rows_u = unify([train, corpus_symbols], list(columns))
        return self.base.row_bits_after(train_u, rows_u, columns)

    def describe(self) -> dict:
        if self.training is None or isinstance(self.training, bytes):
            training = {"bytes": len(self.training or b"")}
        else:
            training = {"rows": self.training.n_items}
        return {**self.base.describe(), "spec": self.spec, "base": self.base.spec, "training": training}



def unify(tables: list, columns: Sequence[str]) -> list:
    """Symbol tables re-coded on shared alphabets: per column, the union of the tables' categories (first seen first)."""
    from .models import SymbolColumns

    out: list[tuple[dict, dict]] = [({}, {}) for _ in tables]  # per table: its codes and categories per column
    for column in columns:
        index: dict = {}
        for table in tables:
            for category in table.categories[column]:
                index.setdefault(category, len(index))
        alphabet = list(index)
        for (codes_out, categories_out), table in zip(out, tables):
            mapping = np.array([index[c] for c in table.categories[column]] or [0], dtype=np.int64)
            codes_out[column] = (mapping[table[column][0]], len(alphabet))
            categories_out[column] = alphabet
    return [SymbolColumns(codes, categories) for codes, categories in out]


def stack(first, second):
    """The rows of ``first`` then ``second`` (already on shared alphabets)."""
    from .models import SymbolColumns

    return SymbolColumns({c: (np.concatenate([first[c][0], second[c][0]]), first[c][1]) for c in first.columns},
                         first.categories)
