"""A persistent cache of code lengths: a rerun that adds one coder or one latent computes only what is new.

A job's key is a SHA-256 of the coder spec, its library version, and what the job codes: for the loaded corpus the
content hash of every atom in order (a column's categories and codes, an object's bytes), so the key follows the data,
not the file name; for a null or bootstrap replicate, the replicate's seed and kind and the hash of the whole corpus (a
replicate is a deterministic function of both). Values live in one SQLite file; each run's new values are written in one
transaction, so a crash leaves the cache as it was.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Iterable

from .coders import get_coder
from .errors import NatlatError

__all__ = ["TermCache"]

FILENAME = "natlat-cache.sqlite"


class TermCache:
    """Code lengths by job key, in ``DIR/natlat-cache.sqlite``."""

    def __init__(self, directory: str | Path) -> None:
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(directory / FILENAME)
            self.db.execute("CREATE TABLE IF NOT EXISTS bits (key TEXT PRIMARY KEY, value REAL NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise NatlatError(f"cannot use {directory} as a cache: {exc}") from None
        self._atom_digests: dict = {}

    def _atom(self, corpus, atom: str) -> str:
        key = (id(corpus), atom)
        if key not in self._atom_digests:
            h = hashlib.sha256()
            if corpus.kind == "table":
                column = corpus.columns[atom]
                h.update(b"\x00".join(column.categories))
                h.update(column.codes.astype("<i4").tobytes())
                if column.kind == "numeric":  # model coders code it as real values at its precision
                    h.update(f"numeric {column.precision!r}".encode())
            else:
                h.update(corpus.objects[atom] if atom in corpus.objects else corpus.extra[atom])
            self._atom_digests[key] = (corpus, h.hexdigest())  # the corpus is kept so its id stays its own
        return self._atom_digests[key][1]

    def _corpus(self, corpus) -> str:
        atoms = list(corpus.names) + list(getattr(corpus, "extra", {}))
        return hashlib.sha256("".join(a + self._atom(corpus, a) for a in atoms).encode()).hexdigest()

    def key(self, corpus, spec: str, variant, job: tuple) -> str:
        coder = get_coder(spec)
        parts = [spec, coder.library_version(), job[0]]
        if variant is not None:
            parts += [repr(variant), self._corpus(corpus), repr(job[1:])]
        else:
            parts += ["|".join(f"{a}={self._atom(corpus, a)}" for a in atoms) for atoms in job[1:]]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def get_many(self, keys: Iterable[str]) -> dict[str, float]:
        keys = list(keys)
        found: dict[str, float] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound on parameters per statement
            chunk = keys[start:start + 500]
            rows = self.db.execute(f"SELECT key, value FROM bits WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            found.update(rows.fetchall())
        return found

    def put_many(self, items: dict[str, float]) -> None:
        with self.db:  # one transaction
            self.db.executemany("INSERT OR REPLACE INTO bits (key, value) VALUES (?, ?)", items.items())

    def close(self) -> None:
        self.db.close()
