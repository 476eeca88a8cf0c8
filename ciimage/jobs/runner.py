"""One job, server side: its task built (all reads happen here), its outcome recorded.

The server reads the input, resolves styles and prepares the execution plan (watermarks read
from the input's bucket), and ships plan and bytes to a worker as a `PicTask`; when the worker
answers, it writes the output object atomically and records the
final state with the callback in one transaction. Nothing else writes objects or the store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import stat
import time
from collections.abc import Sequence
from pathlib import Path

from ciimage.errors import CIError, ImageTooLargeError
from ciimage.header import MAX_INPUT_BYTES
from ciimage.info.inspection import FORMAT_LABELS
from ciimage.jobs.model import callback_body
from ciimage.jobs.store import JobRow, JobStore
from ciimage.jobs.variables import OutputNames, extension_for_format
from ciimage.jobs.worker import PicTask, TaskFailure, TaskOutcome, prepare_task
from ciimage.rules.ast import Pipeline, StyleRef
from ciimage.server.engine import Engine
from ciimage.server.errors import InvalidKeyError, NoSuchKeyError
from ciimage.server.storage import TEMP_PREFIX, BucketStore, check_key
from ciimage.server.styles import StyleStore


def job_pipeline(engine: Engine, styles: StyleStore, bucket: str, rule: str) -> Pipeline:
    """The rule validated, with the bucket's styles resolved; image answers only."""
    pipeline = _validated(engine, rule)
    if any(isinstance(stage, StyleRef) for stage in pipeline.stages):
        pipeline = engine.resolve_styles(pipeline, styles.all(bucket))
    if pipeline.is_query:
        raise CIError(
            f"ProcessRule {rule!r} answers JSON, not an image; PicProcess jobs store images"
        )
    return pipeline


@functools.lru_cache(maxsize=256)
def _validated(engine: Engine, rule: str) -> Pipeline:
    """A batch's children share one rule: parse and validate it once (pipelines are frozen)."""
    return engine.validate(rule)


@dataclasses.dataclass
class JobRunner:
    store: JobStore
    objects: BucketStore
    styles: StyleStore
    engine: Engine

    def task_for(self, job: JobRow, timeout: float | None = None) -> PicTask:
        """Everything the worker needs, read now; a CIError fails the job before it ships.
        `timeout`: the job's seconds from now (the worker stops it between actions after)."""
        pic_process = job.operation["PicProcess"]
        assert isinstance(pic_process, dict)
        pipeline = job_pipeline(
            self.engine, self.styles, job.bucket, str(pic_process["ProcessRule"])
        )
        return prepare_task(
            job.job_id,
            self._input_bytes(job),
            pipeline,
            self.engine.resolver(self.objects.root, job.bucket),
            is_pic_info=pic_process.get("IsPicInfo") == "true",
            timeout=timeout,
        )

    def _input_bytes(self, job: JobRow) -> bytes:
        """The input, checked and read through one open file: one path resolve, one fstat for
        "is an object" and "how big" (the size is checked before anything is read)."""
        missing = f"input object {job.input_object!r} does not exist in bucket {job.bucket!r}"
        try:
            path = self.objects.object_path(job.bucket, job.input_object)
            # O_NONBLOCK: a FIFO under the key must not block the dispatcher in open()
            handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except (InvalidKeyError, FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NoSuchKeyError(missing) from None
        with open(handle, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise NoSuchKeyError(missing)
            if info.st_size > MAX_INPUT_BYTES:
                raise ImageTooLargeError(
                    f"input object {job.input_object!r} is {info.st_size} bytes; CI processes "
                    f"up to {MAX_INPUT_BYTES} bytes"
                )
            return stream.read()

    def sweep_half_written(self, jobs: Sequence[JobRow]) -> int:
        """Temp files a killed server left in the output folders of the jobs it was running.

        Called before the server serves (nothing else writes then), so every temp file found
        there is an orphan; none was ever an object (renames are atomic).
        """
        folders: set[Path] = set()
        for job in jobs:
            output = job.operation.get("Output")
            if not isinstance(output, dict):
                continue
            names = OutputNames(job.input_object, job.job_id, "", job.inventory_job_id or "")
            key = names.expand(str(output.get("Object", "")))
            try:
                folders.add(self.objects.object_path(str(output.get("Bucket")), key).parent)
            except CIError:
                continue
        removed = 0
        for folder in folders:
            for orphan in folder.glob(f"{TEMP_PREFIX}*"):
                with contextlib.suppress(OSError):
                    orphan.unlink()
                    removed += 1
        return removed

    def failed(self, job: JobRow, failure: TaskFailure) -> JobRow:
        return dataclasses.replace(
            job,
            state="Failed",
            code=failure.cos_code,
            message=f"{failure.message} (X-ErrNo {failure.code})",
            ended=time.time(),
        )

    def succeeded(self, job: JobRow, outcome: TaskOutcome) -> JobRow:
        """Write the output (atomically) and describe it as PicProcessResult."""
        output = job.operation["Output"]
        assert isinstance(output, dict)
        names = OutputNames(
            input_key=job.input_object,
            job_id=job.job_id,
            output_format=outcome.format,
            inventory_job_id=job.inventory_job_id or "",
        )
        key = check_key(names.expand(str(output["Object"])))
        stat = self.objects.write_bytes(str(output["Bucket"]), key, outcome.data)
        label = FORMAT_LABELS.get(extension_for_format(outcome.format), outcome.format.upper())
        result: dict[str, object] = {"ObjectName": key}
        if outcome.original_info is not None:
            info = outcome.original_info
            result["OriginalInfo"] = {
                "Etag": self.objects.stat(job.bucket, job.input_object).etag,
                "ImageInfo": {
                    name: info.get(name, "")
                    for name in ("Ave", "Format", "Height", "Orientation", "Quality", "Width")
                },
            }
        result["ProcessResult"] = {
            "Etag": stat.etag,
            "Format": label,
            "Height": str(outcome.height),
            "Quality": str(100 if outcome.quality is None else outcome.quality),
            "Size": str(stat.size),
            "Width": str(outcome.width),
        }
        return dataclasses.replace(
            job, state="Success", code="Success", message="", ended=time.time(), result=result
        )

    def record(self, job: JobRow, outcome: TaskOutcome | TaskFailure) -> bool:
        """The job's final state and callback, in one transaction."""
        if isinstance(outcome, TaskFailure):
            final = self.failed(job, outcome)
        elif outcome.failure is not None:
            final = self.failed(job, outcome.failure)
        else:
            try:
                final = self.succeeded(job, outcome)
            except CIError as exc:  # the output key or bucket is not usable
                final = self.failed(job, TaskFailure(exc.cos_code, exc.code, exc.message))
        body = callback_body(final, final.callback.format) if final.callback else None
        return self.store.finish(final, body)
