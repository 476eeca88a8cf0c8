"""The task a worker runs: bytes in, bytes out. No paths, no file system, no store.

Everything a worker needs travels in `PicTask` (picklable, so a Dask worker on another machine
can run it): the input bytes, the pipeline with styles already resolved, and the bytes of every
watermark it names, read by the server from the input's bucket. The server stays the only reader
of the root and the only writer of objects and of the job store.

`run_pic_task` is the one place that calls the executor. When the frozen ExecutionPlan lands
(issue 9), the task carries (plan, bytes) instead of (pipeline, bytes) and only this function and
`build_task` change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import ciimage
from ciimage.errors import CIError, ResolverError
from ciimage.rules import ast


@dataclass(frozen=True)
class PicTask:
    job_id: str
    data: bytes
    pipeline: ast.Pipeline
    watermarks: Mapping[str, bytes] = field(default_factory=dict)
    is_pic_info: bool = False
    version: str = ciimage.__version__  # the server's; a worker running another one refuses


@dataclass(frozen=True)
class TaskFailure:
    cos_code: str
    code: int
    message: str


@dataclass(frozen=True)
class TaskOutcome:
    """What came back: an image (and the input's info when asked) or a failure, never both."""

    job_id: str
    data: bytes = b""
    format: str = ""
    width: int = 0
    height: int = 0
    quality: int | None = None
    frames: int = 1
    original_info: Mapping[str, str] | None = None
    failure: TaskFailure | None = None


def watermark_urls(pipeline: ast.Pipeline) -> Iterator[str]:
    """Every watermark image URL in the pipeline, wherever it is nested."""
    wanted = (ast.ImageWatermark, ast.BlindWatermark, ast.BlindWatermarkExtract)

    def walk(node: object) -> Iterator[str]:
        if isinstance(node, wanted) and node.image:
            yield node.image
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            for item in dataclasses.fields(node):
                yield from walk(getattr(node, item.name))
        elif isinstance(node, tuple | list):
            for item in node:
                yield from walk(item)

    return walk(pipeline)


class _ShippedWatermarks:
    """The worker's resolver: only the watermarks the server read and shipped with the task."""

    def __init__(self, watermarks: Mapping[str, bytes]) -> None:
        self._watermarks = watermarks

    def __call__(self, url: str) -> bytes:
        try:
            return self._watermarks[url]
        except KeyError:
            raise ResolverError(f"watermark {url!r} was not shipped with the job") from None


def _failure(task: PicTask, exc: CIError) -> TaskOutcome:
    return TaskOutcome(job_id=task.job_id, failure=TaskFailure(exc.cos_code, exc.code, exc.message))


def run_pic_task(task: PicTask) -> TaskOutcome:
    """Process one job's input. Errors come back as values: Dask logs stay quiet, and the answer
    does not depend on exception classes pickling the same on both sides."""
    if task.version != ciimage.__version__:
        return _failure(
            task,
            CIError(
                f"worker runs ciimage {ciimage.__version__}, the server {task.version}",
                cos_code="InternalError",
                code=-103,
            ),
        )
    from ciimage.imaging.process import process

    try:
        result = process(task.data, task.pipeline, resolver=_ShippedWatermarks(task.watermarks))
        info = None
        if task.is_pic_info:
            from ciimage.info import image_info_record

            info = image_info_record(task.data)
    except CIError as exc:
        return _failure(task, exc)
    return TaskOutcome(
        job_id=task.job_id,
        data=result.data,
        format=str(result.format),
        width=result.width,
        height=result.height,
        quality=result.quality,
        frames=result.frames,
        original_info=info,
    )


def worker_version() -> str:
    """Run on every Dask worker to refuse those with another ciimage."""
    return ciimage.__version__
