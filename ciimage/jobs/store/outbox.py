"""The bucket's queue (created on first use, paused and resumed) and the callback outbox.

A callback row is written in the transaction that ends its job (`JobRows.finish`); the sender
takes the due ones, and marks each sent, retried later, or given up.
"""

from __future__ import annotations

import json
import time

from ciimage.jobs.store.base import StoreConnection
from ciimage.jobs.store.rows import (
    DEFAULT_NOTIFY,
    DEFAULT_QUEUE_NAME,
    DueCallback,
    QueueRow,
    queue_from_row,
    queue_id_for,
)


class QueueRows(StoreConnection):
    def queue(self, bucket: str) -> QueueRow:
        """The bucket's one PicProcessing queue, created on first use (ruling A3)."""
        rows = self._query("SELECT * FROM queues WHERE bucket=?", (bucket,))
        if rows:
            return queue_from_row(rows[0])
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
        return queue_from_row(self._query("SELECT * FROM queues WHERE bucket=?", (bucket,))[0])

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


class CallbackOutbox(StoreConnection):
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
