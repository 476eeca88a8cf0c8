"""`ciimage batch`'s engine: one rule over every image of a folder, on threads or Dask.

The same pieces as the server's jobs: `PicTask`/`run_pic_task` on a `JobExecutor`, output names
from the job variables, outputs written atomically by this process only. What is in flight is
bounded by the executor's slots, so memory does not grow with the folder.

`--resume` reads `<DST>/.ciimage-batch/<rule digest>.done` (one JSON line per finished input,
appended as each output is renamed into place): an input is skipped when its record is there and
its output still exists. Another rule has another digest, so nothing is skipped for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ciimage.errors import CIError, ImageTooLargeError
from ciimage.header import MAX_INPUT_BYTES
from ciimage.jobs.batch import walk_bucket
from ciimage.jobs.executors import JobExecutor, shipments
from ciimage.jobs.variables import OutputNames
from ciimage.jobs.worker import PicTask, TaskFailure, TaskOutcome, prepare_task
from ciimage.rules.ast import Pipeline

STATE_FOLDER = ".ciimage-batch"
DEFAULT_NAME = "${InputPath}/${InputName}.${ext}"


@dataclass
class BatchCounts:
    total: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass(frozen=True)
class FolderBatch:
    source: Path
    rule: str
    pipeline: Pipeline
    out: Path
    name: str = DEFAULT_NAME
    resume: bool = False
    failures_path: Path | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.rule}\n{self.name}".encode()).hexdigest()[:16]

    @property
    def state_folder(self) -> Path:
        return self.out / STATE_FOLDER

    @property
    def failures_file(self) -> Path:
        return self.failures_path or self.state_folder / "failures.jsonl"

    def inputs(self) -> list[str]:
        """Every file under the source, in key order; the outputs' folder is left out."""
        out = self.out.resolve()
        keys = []
        for key, _ in walk_bucket(self.source):
            path = (self.source / key).resolve()
            if path.is_relative_to(out) and out != self.source.resolve():
                continue
            if STATE_FOLDER in key.split("/"):
                continue
            keys.append(key)
        return keys


def _write_atomically(path: Path, data: bytes) -> None:
    from ciimage.files import write_atomically

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)


class _Journal:
    """The `.done` records of one rule, for `--resume`."""

    def __init__(self, batch: FolderBatch) -> None:
        batch.state_folder.mkdir(parents=True, exist_ok=True)
        self.path = batch.state_folder / f"{batch.digest}.done"
        self.finished: dict[str, str] = {}
        if batch.resume and self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    record = json.loads(line)
                    self.finished[record["input"]] = record["output"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash
        self._handle: IO[str] = self.path.open("a" if batch.resume else "w")

    def is_done(self, key: str, out: Path) -> bool:
        output = self.finished.get(key)
        return output is not None and (out / output).is_file()

    def record(self, key: str, output: str) -> None:
        self._handle.write(json.dumps({"input": key, "output": output}) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def _task(batch: FolderBatch, key: str, resolver: Callable[[str], bytes]) -> PicTask:
    """Read and prepare one input here; the worker gets the plan and the bytes."""
    path = batch.source / key
    size = os.stat(path).st_size
    if size > MAX_INPUT_BYTES:
        raise ImageTooLargeError(f"{key} is {size} bytes; CI processes up to {MAX_INPUT_BYTES}")
    return prepare_task(key, path.read_bytes(), batch.pipeline, resolver)


def run_folder_batch(
    batch: FolderBatch,
    executor: JobExecutor,
    resolver: Callable[[str], bytes],
    on_progress: Callable[[BatchCounts], None] = lambda counts: None,
) -> BatchCounts:
    """Process every input; failures go to `batch.failures_file` (JSON lines)."""
    journal = _Journal(batch)
    keys = batch.inputs()
    counts = BatchCounts(total=len(keys))
    batch.failures_file.parent.mkdir(parents=True, exist_ok=True)
    with batch.failures_file.open("w") as failures:

        def fail(key: str, failure: TaskFailure) -> None:
            counts.failed += 1
            record = {"input": key, "code": failure.cos_code, "errno": failure.code}
            failures.write(json.dumps({**record, "message": failure.message}) + "\n")
            failures.flush()

        def finish(key: str, future: Future[TaskOutcome]) -> None:
            try:
                outcome = future.result()
            except Exception as exc:  # a lost worker
                fail(key, TaskFailure("InternalError", -103, f"worker failed: {exc!r}"))
                return
            if outcome.failure is not None:
                fail(key, outcome.failure)
                return
            output = OutputNames(key, job_id=key, output_format=outcome.format).expand(batch.name)
            _write_atomically(batch.out / output, outcome.data)
            journal.record(key, output)
            counts.done += 1

        try:
            _drive(batch, executor, keys, journal, counts, resolver, fail, finish, on_progress)
        finally:
            journal.close()
    on_progress(counts)
    return counts


def _pending(
    batch: FolderBatch, keys: list[str], journal: _Journal, counts: BatchCounts
) -> Iterator[str]:
    for key in keys:
        if batch.resume and journal.is_done(key, batch.out):
            counts.skipped += 1
            continue
        yield key


def _drive(
    batch: FolderBatch,
    executor: JobExecutor,
    keys: list[str],
    journal: _Journal,
    counts: BatchCounts,
    resolver: Callable[[str], bytes],
    fail: Callable[[str, TaskFailure], None],
    finish: Callable[[str, Future[TaskOutcome]], None],
    on_progress: Callable[[BatchCounts], None],
) -> None:
    """Keep `executor.slots()` tasks in flight, handed over `executor.shipment` at a time."""
    in_flight: dict[Future[TaskOutcome], str] = {}
    slots = max(1, executor.slots())
    ready: list[PicTask] = []

    def settle_some() -> None:
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in done:
            finish(in_flight.pop(future), future)
        on_progress(counts)

    def ship() -> None:
        for group in shipments(ready, executor.shipment):
            for task, future in zip(group, executor.submit(group), strict=True):
                in_flight[future] = task.job_id
        ready.clear()

    for key in _pending(batch, keys, journal, counts):
        try:
            ready.append(_task(batch, key, resolver))
        except CIError as exc:
            fail(key, TaskFailure(exc.cos_code, exc.code, exc.message))
        except OSError as exc:
            fail(key, TaskFailure("NoSuchKey", -46628, f"cannot read {key}: {exc.strerror}"))
        if len(ready) >= executor.shipment:
            # Full shipments only: a slot freed by one task of a shipment waits for the rest.
            while in_flight and len(in_flight) + len(ready) > slots:
                settle_some()
            ship()
    ship()
    while in_flight:
        settle_some()
