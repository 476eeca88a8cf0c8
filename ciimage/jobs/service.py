"""The job APIs' logic, independent of HTTP: what each CI call does to the store.

Created by the server (`ciimage.server.ci_routes` calls it); owns the store, the dispatcher and
the callback sender for one root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ciimage.errors import CIError
from ciimage.jobs.batch import Enumerated, manifest_keys, prefix_keys, url_file_keys
from ciimage.jobs.callbacks import CallbackSender
from ciimage.jobs.dispatcher import JobDispatcher
from ciimage.jobs.errors import InvalidJobError, NoSuchQueueError
from ciimage.jobs.executors import JobExecutor
from ciimage.jobs.model import (
    MAX_NAME,
    CallbackPolicy,
    check_queue_id,
    check_tag,
    job_callback,
    parse_time,
    pic_operation,
)
from ciimage.jobs.runner import JobRunner, job_pipeline
from ciimage.jobs.store import BatchRow, JobRow, NewJob, QueueRow, new_id
from ciimage.jobs.xmlmap import XmlValue, section, text, texts


@dataclass(frozen=True)
class JobContext:
    """Who asks: the bucket the Host names and the region it gives."""

    bucket: str
    region: str


class JobService:
    def __init__(
        self,
        runner: JobRunner,
        executor: JobExecutor,
        policy: CallbackPolicy,
        job_timeout: float,
    ) -> None:
        self.runner = runner
        self.store = runner.store
        self.policy = policy
        self.dispatcher = JobDispatcher(runner, executor, CallbackSender(runner.store), job_timeout)

    def start(self) -> None:
        self.dispatcher.start()

    def stop(self) -> None:
        self.dispatcher.stop()
        self.store.close()

    def _buckets(self) -> frozenset[str]:
        return frozenset(self.runner.objects.buckets())

    # ---- pic jobs ----

    def create_pic_job(self, ctx: JobContext, request: Mapping[str, XmlValue]) -> JobRow:
        check_tag(text(request, "Tag"))
        input_object = text(request, "Input", "Object")
        if not input_object:
            raise InvalidJobError("Input.Object is required: the key of the image to process")
        queue = self.store.queue(ctx.bucket)
        check_queue_id(request, queue)
        operation = section(request, "Operation")
        echo, level = pic_operation(operation, section(operation, "PicProcess"), self._buckets())
        if self.store.pending_count(ctx.bucket) >= queue.max_size:
            raise InvalidJobError(
                f"queue {queue.queue_id} already holds {queue.max_size} waiting jobs (MaxSize)"
            )
        job = NewJob(
            bucket=ctx.bucket,
            region=ctx.region,
            input_object=input_object.removeprefix("/"),
            operation=echo,
            job_level=level,
            callback=job_callback(request, queue, self.policy),
        )
        (created,) = self.store.insert_jobs([job], paused=queue.state == "Paused")
        self.dispatcher.wake()
        return created

    def describe_jobs(
        self, ctx: JobContext, job_ids: Sequence[str]
    ) -> tuple[list[JobRow], list[str]]:
        found = self.store.get_jobs(job_ids, ctx.bucket)
        known = {job.job_id for job in found}
        return found, [job_id for job_id in job_ids if job_id not in known]

    def cancel_job(self, ctx: JobContext, job_id: str) -> None:
        self.store.cancel_job(ctx.bucket, job_id)

    # ---- the queue ----

    def queue(self, ctx: JobContext) -> QueueRow:
        return self.store.queue(ctx.bucket)

    def update_queue(
        self, ctx: JobContext, queue_id: str, request: Mapping[str, XmlValue]
    ) -> QueueRow:
        queue = self.store.queue(ctx.bucket)
        if queue_id != queue.queue_id:
            raise NoSuchQueueError(f"queue {queue_id} does not exist in bucket {ctx.bucket}")
        name = text(request, "Name") or ""
        state = text(request, "State") or ""
        if not name or len(name.encode()) > MAX_NAME:
            raise InvalidJobError(f"Name is required, at most {MAX_NAME} bytes")
        if state not in ("Active", "Paused"):
            raise InvalidJobError(f"State {state!r} must be Active or Paused")
        notify = self._notify(section(request, "NotifyConfig"), queue.notify)
        updated = self.store.update_queue(ctx.bucket, name, state, notify)
        self.dispatcher.wake()
        return updated

    def _notify(self, config: Mapping[str, XmlValue], current: Mapping[str, str]) -> dict[str, str]:
        notify = dict(current)
        for name in ("Url", "Event", "Type", "State", "ResultFormat"):
            value = text(config, name)
            if value is not None:
                notify[name] = value
        if notify["State"] not in ("On", "Off"):
            raise InvalidJobError(f"NotifyConfig.State {notify['State']!r} must be On or Off")
        if (notify.get("ResultFormat") or "XML") not in ("XML", "JSON"):
            raise InvalidJobError("NotifyConfig.ResultFormat must be XML or JSON")
        if notify["State"] == "On":
            if notify.get("Type") != "Url":
                raise InvalidJobError("NotifyConfig.Type TDMQ is not served; use Url")
            if not notify.get("Event"):
                raise InvalidJobError("NotifyConfig.Event is required when State is On")
            self.policy.check(notify.get("Url", ""), "NotifyConfig.Url")
        return notify

    # ---- batches ----

    def create_batch(self, ctx: JobContext, request: Mapping[str, XmlValue]) -> BatchRow:
        name = text(request, "Name") or ""
        if not name or len(name) > MAX_NAME:
            raise InvalidJobError(f"Name is required, at most {MAX_NAME} characters")
        batch_type = text(request, "Type") or "Job"
        if batch_type != "Job":
            raise InvalidJobError(
                f"Type {batch_type!r} is not served: only Type=Job batches run here"
            )
        operation = section(request, "Operation")
        check_tag(text(operation, "Tag"))
        queue = self.store.queue(ctx.bucket)
        check_queue_id(operation, queue)
        pic_process = section(operation, "JobParam", "PicProcess")
        echo, level = pic_operation(operation, pic_process, self._buckets())
        try:  # ruling A18: one bad rule would fail every child; refuse it now
            job_pipeline(
                self.runner.engine, self.runner.styles, ctx.bucket, str(pic_process["ProcessRule"])
            )
        except CIError as exc:
            raise InvalidJobError(f"JobParam.PicProcess.ProcessRule: {exc.message}") from None
        callback = job_callback(operation, queue, self.policy)
        enumerated = self._enumerate(
            ctx, section(request, "Input"), section(operation, "TimeInterval")
        )
        batch_id = new_id("b")
        children = [
            NewJob(
                bucket=ctx.bucket,
                region=ctx.region,
                input_object=key,
                operation=echo,
                job_level=level,
                callback=callback,
                inventory_job_id=batch_id,
            )
            for key in enumerated.keys
        ]
        operation_echo = {**operation, "QueueId": queue.queue_id}
        batch = self.store.insert_batch(
            ctx.bucket,
            name,
            section(request, "Input"),
            operation_echo,
            children,
            batch_id=batch_id,
            paused=queue.state == "Paused",
        )
        self.dispatcher.wake()
        return batch

    def _enumerate(
        self, ctx: JobContext, source: Mapping[str, XmlValue], interval: Mapping[str, XmlValue]
    ) -> Enumerated:
        given = [name for name in ("Prefix", "Object", "UrlFile", "Manifest") if name in source]
        if len(given) != 1:
            raise InvalidJobError(
                "Input takes exactly one of Prefix, Object, UrlFile or Manifest "
                f"(got {', '.join(given) or 'none'})"
            )
        start_text, end_text = text(interval, "Start"), text(interval, "End")
        start = parse_time(start_text, "TimeInterval.Start") if start_text else None
        end = parse_time(end_text, "TimeInterval.End") if end_text else None
        objects = self.runner.objects
        kind = given[0]
        if kind == "Prefix":
            return prefix_keys(objects, ctx.bucket, text(source, "Prefix") or "", start, end)
        if kind == "Object":
            return Enumerated([key.removeprefix("/") for key in texts(source, "Object") if key])
        reference = text(source, kind) or ""
        if kind == "UrlFile":
            return url_file_keys(objects, ctx.bucket, reference)
        return manifest_keys(objects, ctx.bucket, reference)

    def get_batch(self, ctx: JobContext, batch_id: str) -> BatchRow:
        return self.store.get_batch(ctx.bucket, batch_id)

    def cancel_batch(self, ctx: JobContext, batch_id: str) -> None:
        self.store.cancel_batch(ctx.bucket, batch_id)
