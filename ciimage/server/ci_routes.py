"""The CI job APIs over HTTP: PicProcess jobs, batches (inventory-triggered jobs), the queue.

Requests are recognised by `ci_paths`; the logic lives in `ciimage.jobs.service`. Answers are the
XML the SDK parses (design §3.12). The job service is built on first use (or by the server's
lifespan), so a server that never sees a job call never opens the job store.
"""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
from starlette.responses import Response

from ciimage.jobs.config import JobsConfig
from ciimage.jobs.errors import InvalidJobError, NoSuchJobError
from ciimage.jobs.executors import make_executor
from ciimage.jobs.model import (
    STATES_FILTER,
    CallbackPolicy,
    batch_detail,
    check_tag,
    jobs_detail,
    parse_time,
    queue_detail,
)
from ciimage.jobs.runner import JobRunner
from ciimage.jobs.service import JobContext, JobService
from ciimage.jobs.store import JobFilter, JobStore
from ciimage.jobs.xmlmap import MAX_REQUEST_BYTES, parse_request, render
from ciimage.server.bodies import read_body
from ciimage.server.ci_paths import CIRoute, CIRouteKind
from ciimage.server.context import RequestContext
from ciimage.server.errors import (
    MethodNotAllowedError,
    NoSuchKeyError,
    NotImplementedByServerError,
)
from ciimage.server.state import ServerState

DEFAULT_REGION = "ap-guangzhou"  # ruling A29
MAX_PAGE = 100


class JobsHolder:
    """The server's job service, started once (by the lifespan or the first job call)."""

    def __init__(self, config: JobsConfig) -> None:
        self.config = config
        self._service: JobService | None = None
        self._lock = threading.Lock()

    def service(self, state: ServerState) -> JobService:
        with self._lock:
            if self._service is None:
                runner = JobRunner(
                    store=JobStore(Path(state.store.root)),
                    objects=state.store,
                    styles=state.styles,
                    engine=state.engine,
                )
                executor = make_executor(
                    self.config.executor, self.config.workers, self.config.dask_scheduler
                )
                service = JobService(
                    runner,
                    executor,
                    CallbackPolicy(self.config.callback_allow),
                    self.config.job_timeout,
                )
                service.start()
                self._service = service
            return self._service

    def stop(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.stop()
                self._service = None


def _xml(ctx: RequestContext, root: str, value: dict[str, object]) -> Response:
    headers = {**ctx.common_headers(), "x-ci-request-id": ctx.request_id}
    return Response(content=render(root, value), media_type="application/xml", headers=headers)


def _empty(ctx: RequestContext) -> Response:
    return Response(
        status_code=200, headers={**ctx.common_headers(), "x-ci-request-id": ctx.request_id}
    )


def _param(ctx: RequestContext, name: str) -> str | None:
    """A query parameter; the SDK sends unset ones empty, which means absent."""
    value = ctx.param(name.lower())
    return value or None


def _paging(ctx: RequestContext) -> tuple[bool, int, int | None]:
    order = _param(ctx, "orderByTime") or "Desc"
    if order not in ("Desc", "Asc"):
        raise InvalidJobError(f"orderByTime {order!r} must be Desc or Asc")
    size_text = _param(ctx, "size") or "10"
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE:
        raise InvalidJobError(f"size {size_text!r} must be 1 to {MAX_PAGE}")
    token_text = _param(ctx, "nextToken")
    if token_text is not None and not token_text.isdigit():
        raise InvalidJobError(f"nextToken {token_text!r} is not one this server returned")
    return order == "Asc", int(size_text), int(token_text) if token_text else None


def _states(ctx: RequestContext) -> frozenset[str] | None:
    value = _param(ctx, "states")
    if value is None or value == "All":
        return None
    states = frozenset(part.strip() for part in value.split(","))
    unknown = states - STATES_FILTER
    if unknown:
        raise InvalidJobError(
            f"states {', '.join(sorted(unknown))} unknown; use All or "
            + ", ".join(sorted(STATES_FILTER))
        )
    return states


def _time_range(ctx: RequestContext) -> tuple[float | None, float | None]:
    start, end = _param(ctx, "startCreationTime"), _param(ctx, "endCreationTime")
    return (
        parse_time(start, "startCreationTime") if start else None,
        parse_time(end, "endCreationTime") if end else None,
    )


def _list_jobs(service: JobService, ctx: RequestContext, job_ctx: JobContext) -> Response:
    check_tag(_param(ctx, "tag"))
    ascending, size, token = _paging(ctx)
    start, end = _time_range(ctx)
    queue_id = _param(ctx, "queueId")
    queue_type = _param(ctx, "queueType")
    if queue_id is None and queue_type not in (None, "PicProcess"):
        return _xml(ctx, "Response", {"NextToken": ""})
    filters = JobFilter(
        states=_states(ctx),
        start=start,
        end=end,
        queue_id=queue_id,
        input_object=_param(ctx, "inputObject"),
        inventory_job_id=_param(ctx, "inventoryTriggerJobId"),
        workflow_id=_param(ctx, "workflowId"),
    )
    jobs, next_token = service.store.list_jobs(
        job_ctx.bucket, filters, ascending=ascending, size=size, token=token
    )
    body: dict[str, object] = {}
    if jobs:
        body["JobsDetail"] = [jobs_detail(job) for job in jobs]
    body["NextToken"] = "" if next_token is None else str(next_token)
    return _xml(ctx, "Response", body)


def _list_batches(service: JobService, ctx: RequestContext, job_ctx: JobContext) -> Response:
    ascending, size, token = _paging(ctx)
    start, end = _time_range(ctx)
    batches, next_token = service.store.list_batches(
        job_ctx.bucket,
        type_=_param(ctx, "type") or "Workflow",
        states=_states(ctx),
        start=start,
        end=end,
        name=_param(ctx, "name"),
        job_id=_param(ctx, "jobId"),
        ascending=ascending,
        size=size,
        token=token,
    )
    body: dict[str, object] = {"RequestId": ctx.request_id}
    if batches and _param(ctx, "workflowId") is None:
        body["JobsDetail"] = [batch_detail(batch) for batch in batches]
    body["NextToken"] = "" if next_token is None else str(next_token)
    return _xml(ctx, "Response", body)


def _get_queues(service: JobService, ctx: RequestContext, job_ctx: JobContext) -> Response:
    queue = service.queue(job_ctx)
    wanted = [part for part in (_param(ctx, "queueIds") or "").split(",") if part]
    state = _param(ctx, "state")
    body: dict[str, object] = {"RequestId": ctx.request_id}
    if wanted:
        body["QueueList"] = [queue_detail(queue)] if queue.queue_id in wanted else []
        missing = [queue_id for queue_id in wanted if queue_id != queue.queue_id]
        if missing:
            body["NonExistPIDs"] = missing
        return _xml(ctx, "Response", body)
    page_number = int(_param(ctx, "pageNumber") or "1")
    page_size = int(_param(ctx, "pageSize") or "10")
    matches = state in (None, "All", queue.state)
    shown = [queue] if matches and page_number == 1 else []
    body.update(
        TotalCount=str(1 if matches else 0),
        PageNumber=str(page_number),
        PageSize=str(page_size),
        QueueList=[queue_detail(item) for item in shown],
    )
    return _xml(ctx, "Response", body)


async def handle(
    state: ServerState, holder: JobsHolder, ctx: RequestContext, route: CIRoute
) -> Response:
    """Bodies are read here; the store, the folder walk of a batch and the rest run in a worker
    thread, so a million-object batch does not stall the event loop."""
    if not holder.config.served:
        raise NotImplementedByServerError(
            "CI job calls are served by a single-process server: run ciimage serve without "
            "--workers (or --workers 1) to use the job APIs"
        )
    body = b""
    if route.kind in (CIRouteKind.CREATE_JOB, CIRouteKind.CREATE_BATCH, CIRouteKind.UPDATE_QUEUE):
        body = await read_body(ctx.request, MAX_REQUEST_BYTES)
    return await anyio.to_thread.run_sync(_handle, state, holder, ctx, route, body)


def _handle(
    state: ServerState, holder: JobsHolder, ctx: RequestContext, route: CIRoute, body: bytes
) -> Response:
    if route.kind is CIRouteKind.UNKNOWN:
        raise NoSuchKeyError(
            f"{ctx.request.method} /{ctx.key} is not a CI API this server answers "
            "(pic_jobs, jobs, inventorytriggerjob, picqueue)"
        )
    service = holder.service(state)
    region = ctx.target.region or DEFAULT_REGION
    job_ctx = JobContext(bucket=ctx.bucket, region=region)
    state.store.bucket_path(ctx.bucket)  # NoSuchBucket before anything else
    kind = route.kind
    if kind is CIRouteKind.CREATE_JOB:
        job = service.create_pic_job(job_ctx, parse_request(body))
        return _xml(ctx, "Response", {"JobsDetail": jobs_detail(job)})
    if kind is CIRouteKind.GET_JOBS:
        found, missing = service.describe_jobs(job_ctx, route.ids)
        body: dict[str, object] = {"JobsDetail": [jobs_detail(job) for job in found]}
        if missing:
            body["NonExistJobIds"] = missing
        return _xml(ctx, "Response", body)
    if kind is CIRouteKind.LIST_JOBS:
        return _list_jobs(service, ctx, job_ctx)
    if kind is CIRouteKind.CANCEL_JOB:
        service.cancel_job(job_ctx, route.ids[0])
        return _empty(ctx)
    if kind is CIRouteKind.CREATE_BATCH:
        batch = service.create_batch(job_ctx, parse_request(body))
        return _xml(
            ctx, "Response", {"RequestId": ctx.request_id, "JobsDetail": batch_detail(batch)}
        )
    if kind is CIRouteKind.GET_BATCH:
        try:
            batch = service.get_batch(job_ctx, route.ids[0])
        except NoSuchJobError:
            return _xml(
                ctx, "Response", {"RequestId": ctx.request_id, "NonExistJobIds": route.ids[0]}
            )
        return _xml(
            ctx, "Response", {"RequestId": ctx.request_id, "JobsDetail": batch_detail(batch)}
        )
    if kind is CIRouteKind.LIST_BATCHES:
        return _list_batches(service, ctx, job_ctx)
    if kind is CIRouteKind.CANCEL_BATCH:
        service.cancel_batch(job_ctx, route.ids[0])
        return _empty(ctx)
    if kind is CIRouteKind.GET_QUEUES:
        return _get_queues(service, ctx, job_ctx)
    if kind is CIRouteKind.UPDATE_QUEUE:
        queue = service.update_queue(job_ctx, route.ids[0], parse_request(body))
        return _xml(ctx, "Response", {"RequestId": ctx.request_id, "Queue": queue_detail(queue)})
    raise MethodNotAllowedError(f"{ctx.request.method} /{ctx.key} is not served")
