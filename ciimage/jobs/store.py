"""The durable job store: SQLite in WAL mode at `<root>/.ciimage/jobs.sqlite3` (design §3.3).

One connection behind a lock; every change is one transaction, so a SIGKILL leaves the store as
it was after the last committed change. A job's state change and its callback (the outbox row)
commit together, which is what makes delivery at-least-once across crashes. `<root>/.ciimage/
jobs.lock` is held with `flock` for the store's lifetime: two servers never dispatch one root.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ciimage.jobs.errors import InvalidJobError, NoSuchJobError

STORE_FOLDER = ".ciimage"
STORE_FILE = "jobs.sqlite3"
SCHEMA_VERSION = "1"
UNFINISHED = ("Submitted", "Running", "Pause")
STATES = ("Submitted", "Running", "Success", "Failed", "Pause", "Cancel")
DEFAULT_QUEUE_NAME = "queue-pic-process-1"
DEFAULT_NOTIFY = {"Url": "", "Event": "", "Type": "Url", "State": "Off", "ResultFormat": "XML"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS queues(bucket TEXT PRIMARY KEY, queue_id TEXT UNIQUE NOT NULL,
  name TEXT NOT NULL, state TEXT NOT NULL, notify_json TEXT NOT NULL,
  max_size INT NOT NULL DEFAULT 10000, max_concurrent INT NOT NULL DEFAULT 10,
  create_time REAL NOT NULL, update_time REAL NOT NULL);
CREATE TABLE IF NOT EXISTS jobs(seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT UNIQUE NOT NULL, bucket TEXT NOT NULL, region TEXT NOT NULL, tag TEXT NOT NULL,
  queue_id TEXT NOT NULL, state TEXT NOT NULL, code TEXT NOT NULL DEFAULT 'Success',
  message TEXT NOT NULL DEFAULT '', created REAL NOT NULL, started REAL, ended REAL,
  job_level INT NOT NULL DEFAULT 0, input_object TEXT NOT NULL, inventory_job_id TEXT,
  operation_json TEXT NOT NULL, callback_json TEXT, result_json TEXT,
  attempts INT NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS jobs_by_bucket ON jobs(bucket, tag, seq);
CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, job_level DESC, seq);
CREATE INDEX IF NOT EXISTS jobs_by_batch ON jobs(inventory_job_id, seq);
CREATE TABLE IF NOT EXISTS batches(seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT UNIQUE NOT NULL, bucket TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
  state TEXT NOT NULL, code TEXT NOT NULL DEFAULT 'Success', message TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL, started REAL, ended REAL, input_json TEXT NOT NULL,
  operation_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS callbacks(id INTEGER PRIMARY KEY, job_id TEXT NOT NULL,
  url TEXT NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL,
  attempts INT NOT NULL DEFAULT 0, next_at REAL NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks(state, next_at);
"""


def new_id(prefix: str) -> str:
    """CI's documented ID shape: a one-letter kind, then a UUIDv1 in hex (`c9398...`)."""
    return prefix + uuid.uuid1().hex


def queue_id_for(bucket: str) -> str:
    digest = hashlib.md5(f"ciimage-picqueue:{bucket}".encode(), usedforsecurity=False)
    return "p" + digest.hexdigest()


@dataclass(frozen=True)
class Callback:
    url: str
    format: str  # XML | JSON


@dataclass(frozen=True)
class JobRow:
    seq: int
    job_id: str
    bucket: str
    region: str
    tag: str
    queue_id: str
    state: str
    code: str
    message: str
    created: float
    started: float | None
    ended: float | None
    job_level: int
    input_object: str
    inventory_job_id: str | None
    operation: dict[str, object]
    callback: Callback | None
    result: dict[str, object] | None


@dataclass(frozen=True)
class NewJob:
    bucket: str
    region: str
    input_object: str
    operation: dict[str, object]
    job_level: int
    callback: Callback | None
    inventory_job_id: str | None = None
    job_id: str = field(default_factory=lambda: new_id("c"))


@dataclass(frozen=True)
class BatchRow:
    seq: int
    job_id: str
    bucket: str
    name: str
    type: str
    state: str
    code: str
    message: str
    created: float
    started: float | None
    ended: float | None
    input: dict[str, object]
    operation: dict[str, object]


@dataclass(frozen=True)
class QueueRow:
    bucket: str
    queue_id: str
    name: str
    state: str
    notify: dict[str, str]
    max_size: int
    max_concurrent: int
    create_time: float
    update_time: float


@dataclass(frozen=True)
class JobFilter:
    """DescribePicJobs/DescribeJobs filters; None means "not filtered"."""

    tag: str = "PicProcess"
    states: frozenset[str] | None = None
    start: float | None = None
    end: float | None = None
    queue_id: str | None = None
    input_object: str | None = None
    inventory_job_id: str | None = None
    workflow_id: str | None = None


@dataclass(frozen=True)
class DueCallback:
    id: int
    job_id: str
    url: str
    content_type: str
    body: bytes
    attempts: int


def _job(row: sqlite3.Row) -> JobRow:
    callback = json.loads(row["callback_json"]) if row["callback_json"] else None
    return JobRow(
        seq=row["seq"],
        job_id=row["job_id"],
        bucket=row["bucket"],
        region=row["region"],
        tag=row["tag"],
        queue_id=row["queue_id"],
        state=row["state"],
        code=row["code"],
        message=row["message"],
        created=row["created"],
        started=row["started"],
        ended=row["ended"],
        job_level=row["job_level"],
        input_object=row["input_object"],
        inventory_job_id=row["inventory_job_id"],
        operation=json.loads(row["operation_json"]),
        callback=Callback(**callback) if callback else None,
        result=json.loads(row["result_json"]) if row["result_json"] else None,
    )


def _batch(row: sqlite3.Row) -> BatchRow:
    return BatchRow(
        seq=row["seq"],
        job_id=row["job_id"],
        bucket=row["bucket"],
        name=row["name"],
        type=row["type"],
        state=row["state"],
        code=row["code"],
        message=row["message"],
        created=row["created"],
        started=row["started"],
        ended=row["ended"],
        input=json.loads(row["input_json"]),
        operation=json.loads(row["operation_json"]),
    )


def _queue(row: sqlite3.Row) -> QueueRow:
    return QueueRow(
        bucket=row["bucket"],
        queue_id=row["queue_id"],
        name=row["name"],
        state=row["state"],
        notify=json.loads(row["notify_json"]),
        max_size=row["max_size"],
        max_concurrent=row["max_concurrent"],
        create_time=row["create_time"],
        update_time=row["update_time"],
    )


class JobStore:
    """Jobs, batches, queues and the callback outbox of one server root."""

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
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
        )
        os.chmod(self.path, 0o666 & ~_umask())

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

    # ---- start-up ----

    def recover(self) -> list[JobRow]:
        """After a crash or restart: Running jobs run again (outputs are written atomically).
        Returns them, as they were."""
        with self._transaction() as db:
            rows = db.execute("SELECT * FROM jobs WHERE state='Running'").fetchall()
            db.execute("UPDATE jobs SET state='Submitted', started=NULL WHERE state='Running'")
        return [_job(row) for row in rows]

    # ---- queues ----

    def queue(self, bucket: str) -> QueueRow:
        """The bucket's one PicProcessing queue, created on first use (ruling A3)."""
        rows = self._query("SELECT * FROM queues WHERE bucket=?", (bucket,))
        if rows:
            return _queue(rows[0])
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO queues(bucket, queue_id, name, state, notify_json,"
                " create_time, update_time) VALUES (?, ?, ?, 'Active', ?, ?, ?)",
                (
                    bucket,
                    queue_id_for(bucket),
                    DEFAULT_QUEUE_NAME,
                    json.dumps(DEFAULT_NOTIFY),
                    now,
                    now,
                ),
            )
        return _queue(self._query("SELECT * FROM queues WHERE bucket=?", (bucket,))[0])

    def update_queue(self, bucket: str, name: str, state: str, notify: dict[str, str]) -> QueueRow:
        """Pausing holds every Submitted job as Pause; resuming releases them (design §3.4)."""
        self.queue(bucket)
        with self._transaction() as db:
            db.execute(
                "UPDATE queues SET name=?, state=?, notify_json=?, update_time=? WHERE bucket=?",
                (name, state, json.dumps(notify), time.time(), bucket),
            )
            before, after = ("Submitted", "Pause") if state == "Paused" else ("Pause", "Submitted")
            db.execute(
                "UPDATE jobs SET state=? WHERE bucket=? AND state=?", (after, bucket, before)
            )
        return self.queue(bucket)

    # ---- jobs ----

    def pending_count(self, bucket: str) -> int:
        rows = self._query(
            "SELECT COUNT(*) FROM jobs WHERE bucket=? AND inventory_job_id IS NULL"
            " AND state IN ('Submitted', 'Pause')",
            (bucket,),
        )
        return int(rows[0][0])

    def insert_jobs(self, jobs: Sequence[NewJob], *, paused: bool) -> list[JobRow]:
        with self._transaction() as db:
            self._insert_jobs(db, jobs, paused=paused)
        return self.get_jobs([job.job_id for job in jobs])

    def _insert_jobs(self, db: sqlite3.Connection, jobs: Sequence[NewJob], *, paused: bool) -> None:
        now = time.time()
        db.executemany(
            "INSERT INTO jobs(job_id, bucket, region, tag, queue_id, state, created, job_level,"
            " input_object, inventory_job_id, operation_json, callback_json)"
            " VALUES (?, ?, ?, 'PicProcess', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    job.job_id,
                    job.bucket,
                    job.region,
                    queue_id_for(job.bucket),
                    "Pause" if paused else "Submitted",
                    now,
                    job.job_level,
                    job.input_object,
                    job.inventory_job_id,
                    json.dumps(job.operation),
                    json.dumps(job.callback.__dict__) if job.callback else None,
                )
                for job in jobs
            ],
        )

    def get_jobs(self, job_ids: Sequence[str], bucket: str | None = None) -> list[JobRow]:
        """The jobs that exist, in the order asked."""
        found: dict[str, JobRow] = {}
        for start in range(0, len(job_ids), 500):
            chunk = list(job_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT * FROM jobs WHERE job_id IN ({marks})", chunk):
                job = _job(row)
                if bucket is None or job.bucket == bucket:
                    found[job.job_id] = job
        return [found[job_id] for job_id in job_ids if job_id in found]

    def list_jobs(
        self, bucket: str, filters: JobFilter, *, ascending: bool, size: int, token: int | None
    ) -> tuple[list[JobRow], int | None]:
        """One page and the next token (the `seq` of its last row), None on the last page."""
        where, params = ["bucket=?", "tag=?"], [bucket, filters.tag]
        if filters.workflow_id is not None:
            return [], None  # no workflows run here
        if filters.states is not None:
            where.append(f"state IN ({','.join('?' * len(filters.states))})")
            params += sorted(filters.states)
        for column, value in (
            ("queue_id", filters.queue_id),
            ("input_object", filters.input_object),
            ("inventory_job_id", filters.inventory_job_id),
        ):
            if value is not None:
                where.append(f"{column}=?")
                params.append(value)
        if filters.start is not None:
            where.append("created>=?")
            params.append(filters.start)
        if filters.end is not None:
            where.append("created<=?")
            params.append(filters.end)
        if token is not None:
            where.append("seq>?" if ascending else "seq<?")
            params.append(token)
        order = "ASC" if ascending else "DESC"
        rows = self._query(
            f"SELECT * FROM jobs WHERE {' AND '.join(where)} ORDER BY seq {order} LIMIT ?",
            [*params, size + 1],
        )
        page = [_job(row) for row in rows[:size]]
        return page, (page[-1].seq if len(rows) > size else None)

    def cancel_job(self, bucket: str, job_id: str) -> None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT state FROM jobs WHERE job_id=? AND bucket=?", (job_id, bucket)
            ).fetchone()
            if row is None:
                raise NoSuchJobError(f"job {job_id} does not exist in bucket {bucket}")
            if row["state"] not in ("Submitted", "Pause"):
                raise InvalidJobError(
                    f"job {job_id} is {row['state']}; only Submitted or Pause jobs can be cancelled"
                )
            db.execute(
                "UPDATE jobs SET state='Cancel', ended=? WHERE job_id=?", (time.time(), job_id)
            )
            self._settle_batches(db, [job_id])

    def has_runnable(self) -> bool:
        return bool(self._query("SELECT 1 FROM jobs WHERE state='Submitted' LIMIT 1"))

    def claim_runnable(self, limit: int) -> list[JobRow]:
        """Up to `limit` Submitted jobs, highest JobLevel first, marked Running."""
        if limit <= 0:
            return []
        with self._transaction() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE state='Submitted' ORDER BY job_level DESC, seq LIMIT ?",
                (limit,),
            ).fetchall()
            now = time.time()
            db.executemany(
                "UPDATE jobs SET state='Running', started=?, attempts=attempts+1 WHERE job_id=?",
                [(now, row["job_id"]) for row in rows],
            )
        return [
            JobRow(**{**_job(row).__dict__, "state": "Running", "started": now}) for row in rows
        ]

    def finish(self, job: JobRow, callback_body: tuple[str, bytes] | None) -> bool:
        """Record a Running job's end (`job` carries its final state, code, message, result and
        end time) and queue its callback in the same transaction (the outbox). False when the job
        was no longer Running (a stale result after a restart)."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET state=?, code=?, message=?, ended=?, result_json=?"
                " WHERE job_id=? AND state='Running'",
                (
                    job.state,
                    job.code,
                    job.message,
                    job.ended,
                    json.dumps(job.result) if job.result else None,
                    job.job_id,
                ),
            ).rowcount
            if changed and callback_body is not None and job.callback is not None:
                db.execute(
                    "INSERT INTO callbacks(job_id, url, content_type, body, next_at, state)"
                    " VALUES (?, ?, ?, ?, ?, 'pending')",
                    (job.job_id, job.callback.url, callback_body[0], callback_body[1], time.time()),
                )
            self._settle_batches(db, [job.job_id])
        return bool(changed)

    def _settle_batches(self, db: sqlite3.Connection, job_ids: Sequence[str]) -> None:
        """A batch is Success once none of its children is left to run (ruling A5)."""
        marks = ",".join("?" * len(job_ids))
        batch_ids = [
            row[0]
            for row in db.execute(
                f"SELECT DISTINCT inventory_job_id FROM jobs WHERE job_id IN ({marks})"
                " AND inventory_job_id IS NOT NULL",
                list(job_ids),
            )
        ]
        for batch_id in batch_ids:
            self._settle_batch(db, batch_id)

    def _settle_batch(self, db: sqlite3.Connection, batch_id: str) -> None:
        db.execute(
            "UPDATE batches SET state='Success', ended=? WHERE job_id=? AND state='Running'"
            " AND NOT EXISTS (SELECT 1 FROM jobs WHERE inventory_job_id=?"
            " AND state IN ('Submitted', 'Running', 'Pause'))",
            (time.time(), batch_id, batch_id),
        )

    def counts(self, bucket: str) -> dict[str, int]:
        rows = self._query(
            "SELECT state, COUNT(*) FROM jobs WHERE bucket=? GROUP BY state", (bucket,)
        )
        return {row[0]: row[1] for row in rows}

    # ---- batches ----

    def insert_batch(
        self,
        bucket: str,
        name: str,
        input_echo: dict[str, object],
        operation_echo: dict[str, object],
        children: Sequence[NewJob],
        *,
        batch_id: str,
        paused: bool,
    ) -> BatchRow:
        """The batch and every child job in one transaction: a crash leaves all or nothing."""
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO batches(job_id, bucket, name, type, state, created, started,"
                " input_json, operation_json) VALUES (?, ?, ?, 'Job', 'Running', ?, ?, ?, ?)",
                (
                    batch_id,
                    bucket,
                    name,
                    now,
                    now,
                    json.dumps(input_echo),
                    json.dumps(operation_echo),
                ),
            )
            self._insert_jobs(db, children, paused=paused)
            self._settle_batch(db, batch_id)
        return self.get_batch(bucket, batch_id)

    def get_batch(self, bucket: str, batch_id: str) -> BatchRow:
        rows = self._query("SELECT * FROM batches WHERE job_id=? AND bucket=?", (batch_id, bucket))
        if not rows:
            raise NoSuchJobError(f"batch job {batch_id} does not exist in bucket {bucket}")
        return _batch(rows[0])

    def list_batches(
        self,
        bucket: str,
        *,
        type_: str,
        states: frozenset[str] | None,
        start: float | None,
        end: float | None,
        name: str | None,
        job_id: str | None,
        ascending: bool,
        size: int,
        token: int | None,
    ) -> tuple[list[BatchRow], int | None]:
        where, params = ["bucket=?", "type=?"], [bucket, type_]
        if states is not None:
            where.append(f"state IN ({','.join('?' * len(states))})")
            params += sorted(states)
        for column, value in (("name", name), ("job_id", job_id)):
            if value is not None:
                where.append(f"{column}=?")
                params.append(value)
        if start is not None:
            where.append("created>=?")
            params.append(start)
        if end is not None:
            where.append("created<=?")
            params.append(end)
        if token is not None:
            where.append("seq>?" if ascending else "seq<?")
            params.append(token)
        rows = self._query(
            f"SELECT * FROM batches WHERE {' AND '.join(where)}"
            f" ORDER BY seq {'ASC' if ascending else 'DESC'} LIMIT ?",
            [*params, size + 1],
        )
        page = [_batch(row) for row in rows[:size]]
        return page, (page[-1].seq if len(rows) > size else None)

    def cancel_batch(self, bucket: str, batch_id: str) -> None:
        """The batch and its children still waiting are cancelled; Running children finish."""
        batch = self.get_batch(bucket, batch_id)
        if batch.state != "Running":
            raise InvalidJobError(
                f"batch job {batch_id} is {batch.state}; only Running batches can be cancelled"
            )
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state='Cancel', ended=? WHERE inventory_job_id=?"
                " AND state IN ('Submitted', 'Pause')",
                (now, batch_id),
            )
            db.execute("UPDATE batches SET state='Cancel', ended=? WHERE job_id=?", (now, batch_id))

    # ---- callbacks ----

    def due_callbacks(self, now: float, limit: int = 32) -> list[DueCallback]:
        rows = self._query(
            "SELECT id, job_id, url, content_type, body, attempts FROM callbacks"
            " WHERE state='pending' AND next_at<=? ORDER BY next_at LIMIT ?",
            (now, limit),
        )
        return [DueCallback(*row) for row in rows]

    def next_callback_at(self) -> float | None:
        rows = self._query("SELECT MIN(next_at) FROM callbacks WHERE state='pending'")
        return rows[0][0]

    def callback_sent(self, callback_id: int) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE callbacks SET state='sent', attempts=attempts+1 WHERE id=?", (callback_id,)
            )

    def callback_failed(self, callback_id: int, next_at: float | None) -> None:
        """Retry at `next_at`, or give up (None)."""
        with self._transaction() as db:
            if next_at is None:
                db.execute(
                    "UPDATE callbacks SET state='gave_up', attempts=attempts+1 WHERE id=?",
                    (callback_id,),
                )
            else:
                db.execute(
                    "UPDATE callbacks SET attempts=attempts+1, next_at=? WHERE id=?",
                    (next_at, callback_id),
                )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
