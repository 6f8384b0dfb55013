"""A persistent cache of code lengths: a rerun that adds one coder or one latent computes only what is new.

A job's key is a SHA-256 of the coder spec, its library version, and what the job codes: for the loaded corpus the
content hash of every atom in order (a column's categories and codes, an object's bytes), so the key follows the data,
not the file name; for a null or bootstrap replicate, the replicate's seed and kind and the hash of the whole corpus (a
replicate is a deterministic function of both). Values live in one SQLite file; each run's new values are written in one
transaction, so a crash leaves the cache as it was.

A cache file must never give a wrong number or stop a run with a traceback. The file is marked as ours (SQLite's
``application_id``): a file that is not SQLite, is damaged, or belongs to another program is refused with a one-line
error and left untouched. A cache that can be read but not written (a read-only file or folder, a lock held by another
run past :data:`LOCK_WAIT_S`) is used for reading and a warning says the new values were not kept; one that cannot be
read at all is a warning and a run without it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Iterable

from .coders import get_coder
from .errors import NatlatError, warn_user

__all__ = ["TermCache", "CacheWarning"]

FILENAME = "natlat-cache.sqlite"


class CacheWarning(UserWarning):
    """A cache that could not be read or written: the run goes on without it."""


APPLICATION_ID = 0x4E4C4331  # "NLC1": the mark of a natlat cache file
LOCK_WAIT_S = 10.0  # how long to wait for another run's write lock


class TermCache:
    """Code lengths by job key, in ``DIR/natlat-cache.sqlite``."""

    def __init__(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.path = directory / FILENAME
        self.db: sqlite3.Connection | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise NatlatError(f"cannot use {directory} as a cache: {exc.strerror}") from None
        if not directory.is_dir():
            raise NatlatError(f"cannot use {directory} as a cache: it is not a folder")
        self.writable = os.access(directory, os.W_OK) and (not self.path.exists() or os.access(self.path, os.W_OK))
        try:
            if self.writable:
                self.db = sqlite3.connect(self.path, timeout=LOCK_WAIT_S)
            elif self.path.exists():
                self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=LOCK_WAIT_S)
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            self.close()
            if "locked" in str(exc) or "busy" in str(exc):
                self._warn(f"the cache {self.path} is locked by another run ({exc}): this run does not use it")
            else:
                raise NatlatError(f"{self.path} is not a usable natlat cache ({exc}); it was left as it is: "
                                  f"give another --cache folder, or remove the file") from None
        if not self.writable and self.db is not None:
            self._warn(f"the cache {self.path} is read-only: its values are used, new ones are not kept")
        self._atom_digests: dict = {}

    def _check_schema(self) -> None:
        """Ours, empty (then marked as ours), or refused: another program's file is never written to."""
        if self.db is None:
            return
        mark = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if mark == APPLICATION_ID or (mark == 0 and tables <= {"bits"} and self._bits_columns_ok(self.db, tables)):
            if self.writable and mark != APPLICATION_ID:
                try:
                    with self.db:
                        self.db.execute("CREATE TABLE IF NOT EXISTS bits (key TEXT PRIMARY KEY, value REAL NOT NULL)")
                        self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                except sqlite3.OperationalError as exc:
                    if "readonly" not in str(exc):  # a read-only file system: read what is there, keep nothing
                        raise
                    self.writable = False
            if not self._bits_columns_ok(self.db, {"bits"} & tables if not self.writable else {"bits"}):
                raise sqlite3.DatabaseError("its table 'bits' is not the one natlat writes")
            return
        what = f"tables {', '.join(sorted(tables))}" if tables else "no tables"
        raise sqlite3.DatabaseError(f"another program's SQLite file: application id {mark:#x}, {what}")

    @staticmethod
    def _bits_columns_ok(db: sqlite3.Connection, tables: set) -> bool:
        if "bits" not in tables:
            return True
        columns = [(row[1], row[2].upper()) for row in db.execute("PRAGMA table_info(bits)")]
        return columns == [("key", "TEXT"), ("value", "REAL")]

    @staticmethod
    def _warn(message: str) -> None:
        warn_user(message, CacheWarning)

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
        """The cached values of these keys; none (and a warning) if the cache cannot be read."""
        keys = list(keys)
        found: dict[str, float] = {}
        if self.db is None:
            return found
        try:
            for start in range(0, len(keys), 500):  # SQLite's bound on parameters per statement
                chunk = keys[start:start + 500]
                rows = self.db.execute(f"SELECT key, value FROM bits WHERE key IN ({','.join('?' * len(chunk))})",
                                       chunk)
                found.update(rows.fetchall())
        except sqlite3.DatabaseError as exc:
            self._warn(f"the cache {self.path} cannot be read ({exc}): this run computes everything")
            return {}
        # A value that is not a finite number was not written by us: computed again, never reported.
        return {key: value for key, value in found.items() if isinstance(value, float) and value == value
                and abs(value) != float("inf")}

    def put_many(self, items: dict[str, float]) -> None:
        """Keep new values in one transaction; a cache that cannot be written is a warning, not a failed run."""
        if self.db is None or not self.writable or not items:
            return
        try:
            with self.db:  # one transaction
                self.db.executemany("INSERT OR REPLACE INTO bits (key, value) VALUES (?, ?)", items.items())
        except sqlite3.DatabaseError as exc:
            self._warn(f"the cache {self.path} could not be written ({exc}): this run's values were not kept")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
