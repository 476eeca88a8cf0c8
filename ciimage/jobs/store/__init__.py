"""The durable job store: SQLite in WAL mode at `<root>/.ciimage/jobs.sqlite3` (design §3.3).

One connection behind a lock; every change is one transaction, so a SIGKILL leaves the store as
it was after the last committed change. A job's state change and its callback (the outbox row)
commit together, which is what makes delivery at-least-once across crashes.

- `schema`: the file, the tables, opening them;
- `base`: the connection, the root's lock, transactions and pages;
- `rows`: the values the store hands out (JobRow, BatchRow, QueueRow, ...) and the ids;
- `job_rows`, `batch_rows`, `outbox` (queues and callbacks): what each CI call changes.
"""

from __future__ import annotations

from ciimage.jobs.store.batch_rows import BatchRows
from ciimage.jobs.store.job_rows import JobRows
from ciimage.jobs.store.outbox import CallbackOutbox, QueueRows
from ciimage.jobs.store.rows import (
    DEFAULT_NOTIFY,
    DEFAULT_QUEUE_NAME,
    STATES,
    UNFINISHED,
    BatchRow,
    Callback,
    DueCallback,
    JobFilter,
    JobRow,
    NewJob,
    QueueRow,
    new_id,
    queue_id_for,
)
from ciimage.jobs.store.schema import SCHEMA_VERSION, STORE_FILE, STORE_FOLDER


class JobStore(JobRows, BatchRows, QueueRows, CallbackOutbox):
    """Jobs, batches, queues and the callback outbox of one server root."""


__all__ = [
    "DEFAULT_NOTIFY",
    "DEFAULT_QUEUE_NAME",
    "SCHEMA_VERSION",
    "STATES",
    "STORE_FILE",
    "STORE_FOLDER",
    "UNFINISHED",
    "BatchRow",
    "Callback",
    "DueCallback",
    "JobFilter",
    "JobRow",
    "JobStore",
    "NewJob",
    "QueueRow",
    "new_id",
    "queue_id_for",
]
