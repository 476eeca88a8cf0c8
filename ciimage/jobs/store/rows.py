"""The store's rows as values: jobs, batches, queues, due callbacks, and the ids CI gives them.

Frozen dataclasses, converted from `sqlite3.Row` here only; callers never see SQL rows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from dataclasses import dataclass, field, fields, replace
from typing import TypeVar

UNFINISHED = ("Submitted", "Running", "Pause")
STATES = ("Submitted", "Running", "Success", "Failed", "Pause", "Cancel")
DEFAULT_QUEUE_NAME = "queue-pic-process-1"
T = TypeVar("T")
DEFAULT_NOTIFY = {"Url": "", "Event": "", "Type": "Url", "State": "Off", "ResultFormat": "XML"}


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


def _from_row(kind: type[T], row: sqlite3.Row) -> T:
    """A row value from its table row: each field reads its own column, or `<field>_json`
    decoded (NULL is None)."""
    columns = set(row.keys())
    values: dict[str, object] = {}
    for item in fields(kind):  # type: ignore[arg-type]
        if item.name in columns:
            values[item.name] = row[item.name]
        else:
            text = row[f"{item.name}_json"]
            values[item.name] = json.loads(text) if text else None
    return kind(**values)


def job_from_row(row: sqlite3.Row) -> JobRow:
    job = _from_row(JobRow, row)
    callback = job.callback
    return replace(job, callback=Callback(**callback)) if isinstance(callback, dict) else job


def batch_from_row(row: sqlite3.Row) -> BatchRow:
    return _from_row(BatchRow, row)


def queue_from_row(row: sqlite3.Row) -> QueueRow:
    return _from_row(QueueRow, row)
