"""Job rows: insert, read, list, cancel, claim and finish (with the callback in the outbox).

A job's end also settles its batch: a batch is Success once none of its children is left to run
(ruling A5), in the transaction that ended the last one.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

from ciimage.jobs.errors import InvalidJobError, NoSuchJobError
from ciimage.jobs.store.base import PageQuery, StoreConnection
from ciimage.jobs.store.rows import JobFilter, JobRow, NewJob, job_from_row, queue_id_for


def insert_job_rows(db: sqlite3.Connection, jobs: Sequence[NewJob], *, paused: bool) -> None:
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


def settle_batches(db: sqlite3.Connection, job_ids: Sequence[str]) -> None:
    """The batches of `job_ids` that have no child left to run become Success."""
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
        settle_batch(db, batch_id)


def settle_batch(db: sqlite3.Connection, batch_id: str) -> None:
    db.execute(
        "UPDATE batches SET state='Success', ended=? WHERE job_id=? AND state='Running'"
        " AND NOT EXISTS (SELECT 1 FROM jobs WHERE inventory_job_id=?"
        " AND state IN ('Submitted', 'Running', 'Pause'))",
        (time.time(), batch_id, batch_id),
    )


class JobRows(StoreConnection):
    def recover(self) -> list[JobRow]:
        """After a crash or restart: Running jobs run again (outputs are written atomically).
        Returns them, as they were."""
        with self._transaction() as db:
            rows = db.execute("SELECT * FROM jobs WHERE state='Running'").fetchall()
            db.execute("UPDATE jobs SET state='Submitted', started=NULL WHERE state='Running'")
        return [job_from_row(row) for row in rows]

    def pending_count(self, bucket: str) -> int:
        rows = self._query(
            "SELECT COUNT(*) FROM jobs WHERE bucket=? AND inventory_job_id IS NULL"
            " AND state IN ('Submitted', 'Pause')",
            (bucket,),
        )
        return int(rows[0][0])

    def insert_jobs(self, jobs: Sequence[NewJob], *, paused: bool) -> list[JobRow]:
        with self._transaction() as db:
            insert_job_rows(db, jobs, paused=paused)
        return self.get_jobs([job.job_id for job in jobs])

    def get_jobs(self, job_ids: Sequence[str], bucket: str | None = None) -> list[JobRow]:
        """The jobs that exist, in the order asked."""
        found: dict[str, JobRow] = {}
        for start in range(0, len(job_ids), 500):
            chunk = list(job_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT * FROM jobs WHERE job_id IN ({marks})", chunk):
                job = job_from_row(row)
                if bucket is None or job.bucket == bucket:
                    found[job.job_id] = job
        return [found[job_id] for job_id in job_ids if job_id in found]

    def list_jobs(
        self, bucket: str, filters: JobFilter, *, ascending: bool, size: int, token: int | None
    ) -> tuple[list[JobRow], int | None]:
        """One page and the next token (the `seq` of its last row), None on the last page."""
        if filters.workflow_id is not None:
            return [], None  # no workflows run here
        page = PageQuery(
            states=filters.states,
            equal=(
                ("queue_id", filters.queue_id),
                ("input_object", filters.input_object),
                ("inventory_job_id", filters.inventory_job_id),
            ),
            start=filters.start,
            end=filters.end,
            ascending=ascending,
            size=size,
            token=token,
        )
        rows, more = self._page("jobs", ["bucket=?", "tag=?"], [bucket, filters.tag], page)
        jobs = [job_from_row(row) for row in rows]
        return jobs, (jobs[-1].seq if more else None)

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
            settle_batches(db, [job_id])

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
            JobRow(**{**job_from_row(row).__dict__, "state": "Running", "started": now})
            for row in rows
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
            settle_batches(db, [job.job_id])
        return bool(changed)

    def counts(self, bucket: str) -> dict[str, int]:
        rows = self._query(
            "SELECT state, COUNT(*) FROM jobs WHERE bucket=? GROUP BY state", (bucket,)
        )
        return {row[0]: row[1] for row in rows}
