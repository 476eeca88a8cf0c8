"""Batch rows (inventory-triggered jobs): one batch and all its children in one transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from ciimage.jobs.errors import InvalidJobError, NoSuchJobError
from ciimage.jobs.store.base import PageQuery, StoreConnection
from ciimage.jobs.store.job_rows import insert_job_rows, settle_batch
from ciimage.jobs.store.rows import BatchRow, NewJob, batch_from_row


class BatchRows(StoreConnection):
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
            insert_job_rows(db, children, paused=paused)
            settle_batch(db, batch_id)
        return self.get_batch(bucket, batch_id)

    def get_batch(self, bucket: str, batch_id: str) -> BatchRow:
        rows = self._query("SELECT * FROM batches WHERE job_id=? AND bucket=?", (batch_id, bucket))
        if not rows:
            raise NoSuchJobError(f"batch job {batch_id} does not exist in bucket {bucket}")
        return batch_from_row(rows[0])

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
        page = PageQuery(
            states=states,
            equal=(("name", name), ("job_id", job_id)),
            start=start,
            end=end,
            ascending=ascending,
            size=size,
            token=token,
        )
        rows, more = self._page("batches", ["bucket=?", "type=?"], [bucket, type_], page)
        batches = [batch_from_row(row) for row in rows]
        return batches, (batches[-1].seq if more else None)

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
