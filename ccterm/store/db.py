"""The one database connection, and the lock that keeps transactions whole.

The daemon alone opens the database: one aiosqlite connection in WAL mode with
synchronous=FULL, so a committed disposition survives a crash of the daemon or
of the machine. Every statement goes through the lock below, so no task's
statement ever lands inside another task's transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from ccterm.clock import Clock
from ccterm.errors import CctermError
from ccterm.store.schema import MIGRATIONS, SCHEMA_VERSION

Params = Sequence[Any] | dict[str, Any]


class StoreError(CctermError):
    code = "store"


class Store:
    def __init__(self, db: aiosqlite.Connection, clock: Clock, path: Path) -> None:
        self._db = db
        self._lock = asyncio.Lock()
        self.clock = clock
        self.path = path

    @classmethod
    async def open(cls, path: Path, clock: Clock) -> Store:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from None
        db.row_factory = sqlite3.Row
        store = cls(db, clock, path)
        try:
            # Bigger pages: an import of a million rows commits ~15 % faster. It only
            # takes on a new file, before WAL; an existing database keeps its size.
            await db.execute("PRAGMA page_size = 16384")
            mode = await store.scalar("PRAGMA journal_mode = WAL")
            if str(mode).lower() != "wal":
                raise StoreError(f"{path}: cannot switch to WAL mode (got {mode})")
            for pragma in (
                "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 5000",
                "PRAGMA temp_store = MEMORY",
                "PRAGMA cache_size = -65536",
                "PRAGMA temp.cache_size = -131072",  # import staging lives in TEMP
            ):
                await db.execute(pragma)
            await store._migrate()
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise StoreError(
                f"{path}: not a usable ccterm database: {exc}",
                "check the path in [daemon] database, or restore it from a backup",
            ) from None
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()

    async def _migrate(self) -> None:
        version = int(await self.scalar("PRAGMA user_version"))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: database schema v{version} is newer than this ccterm"
                f" (v{SCHEMA_VERSION})",
                "upgrade ccterm, or point [daemon] database at another file",
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            script = MIGRATIONS[number - 1]
            async with self._lock:
                try:
                    await self._db.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                    )
                except BaseException:
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise

    @asynccontextmanager
    async def transaction(
        self, *, foreign_keys: bool = True
    ) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE .. COMMIT under the lock; any exception (or cancel) rolls back.

        foreign_keys=False skips reference checks for this one transaction: only for
        bulk writes that build their references themselves (an import's contacts and
        leads), where the checks cost a fifth of the time.
        """
        async with self._lock:
            if not foreign_keys:
                await self._db.execute("PRAGMA foreign_keys = OFF")
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            finally:
                if not foreign_keys:
                    await self._db.execute("PRAGMA foreign_keys = ON")

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection under the lock, in autocommit mode: for reads and one-statement writes."""
        async with self._lock:
            yield self._db

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return list(await self._db.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._lock, self._db.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement, atomic by itself; returns the rows it changed."""
        async with self._lock:
            cursor = await self._db.execute(sql, params)
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as db:
            await db.executemany(sql, rows)


async def log_event(db: aiosqlite.Connection, at: float, actor: str, kind: str, data: str) -> None:
    """An audit line, written inside the caller's transaction."""
    await db.execute(
        "INSERT INTO event_log (at, actor, kind, data) VALUES (?, ?, ?, ?)", (at, actor, kind, data)
    )
