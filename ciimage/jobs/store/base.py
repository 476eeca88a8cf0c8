"""The store's connection: one per root, behind a lock, every change one transaction.

`<root>/.ciimage/jobs.lock` is held with `flock` for the store's lifetime: two servers never
dispatch one root. A SIGKILL leaves the store as it was after the last committed change.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ciimage.jobs.store.schema import STORE_FILE, STORE_FOLDER, open_store_database


class StoreConnection:
    """The connection, the lock and the two ways in: `_transaction()` and `_query()`."""

    def __init__(self, root: Path) -> None:
        folder = root / STORE_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / STORE_FILE
        self._lock_file = (folder / "jobs.lock").open("a")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise RuntimeError(
                f"another ciimage server already runs jobs from {root} ({folder / 'jobs.lock'})"
            ) from None
        self._lock = threading.RLock()
        self._db = open_store_database(self.path)

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self._lock_file.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _page(
        self, table: str, where: list[str], params: list[object], page: PageQuery
    ) -> tuple[list[sqlite3.Row], bool]:
        """One page of `table` in `seq` order after the filters of `page`; True when more rows
        follow (the next token is the `seq` of the page's last row)."""
        where, params = list(where), list(params)
        if page.states is not None:
            where.append(f"state IN ({','.join('?' * len(page.states))})")
            params += sorted(page.states)
        for column, value in page.equal:
            if value is not None:
                where.append(f"{column}=?")
                params.append(value)
        for condition, value in (("created>=?", page.start), ("created<=?", page.end)):
            if value is not None:
                where.append(condition)
                params.append(value)
        if page.token is not None:
            where.append("seq>?" if page.ascending else "seq<?")
            params.append(page.token)
        rows = self._query(
            f"SELECT * FROM {table} WHERE {' AND '.join(where)}"
            f" ORDER BY seq {'ASC' if page.ascending else 'DESC'} LIMIT ?",
            [*params, page.size + 1],
        )
        return rows[: page.size], len(rows) > page.size


@dataclass(frozen=True)
class PageQuery:
    """What DescribeJobs and DescribeInventoryTriggerJobs filter a page by; None: not filtered."""

    states: frozenset[str] | None
    equal: Sequence[tuple[str, str | None]]  # (column, value)
    start: float | None
    end: float | None
    ascending: bool
    size: int
    token: int | None
