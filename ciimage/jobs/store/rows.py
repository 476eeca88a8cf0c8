"""The store's rows as values: jobs, batches, queues, due callbacks, and the ids CI gives them.

Frozen dataclasses, converted from `sqlite3.Row` here only; callers never see SQL rows.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from dataclasses import dataclass, field

UNFINISHED = ("Submitted", "Running", "Pause")
STATES = ("Submitted", "Running", "Success", "Failed", "Pause", "Cancel")
DEFAULT_QUEUE_NAME = "queue-pic-process-1"
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


def job_from_row(row: sqlite3.Row) -> JobRow:
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


def batch_from_row(row: sqlite3.Row) -> BatchRow:
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


def queue_from_row(row: sqlite3.Row) -> QueueRow:
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
