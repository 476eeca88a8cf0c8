"""Processing routes: download-time rules and styles, and persistent processing (Pic-Operations)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from ciimage.errors import ImageTooLargeError, RuleError
from ciimage.rules.ast import ImageInspect, Pipeline, Stage, StyleRef
from ciimage.server.context import RequestContext, content_type_for_format
from ciimage.server.cosxml import OriginalInfo, ProcessedObject, upload_result
from ciimage.server.engine import ProcessedImage
from ciimage.server.errors import InvalidPicOperationsError, NoSuchKeyError
from ciimage.server.metadata import ObjectMeta
from ciimage.server.objects import receive_upload
from ciimage.server.picops import PicOperations, parse_pic_operations, result_key
from ciimage.server.state import ServerState
from ciimage.server.storage import StagedWrite

# `?ci-process=<name>` values served here; other CI processes (documents, media) are out of scope.
_CI_PROCESSES = {"imageinspect": ImageInspect}


@dataclass(frozen=True)
class DownloadRequest:
    """A GET that asks for processing: the object to read and the pipeline to run on it."""

    key: str
    pipeline: Pipeline


def _with_styles(state: ServerState, bucket: str, pipeline: Pipeline) -> Pipeline:
    if not any(isinstance(stage, StyleRef) for stage in pipeline.stages):
        return pipeline
    return state.engine.resolve_styles(pipeline, state.styles.all(bucket))


def _query_pipeline(state: ServerState, ctx: RequestContext) -> Pipeline | None:
    process_name = ctx.param("ci-process")
    if process_name is not None:
        stage_type = _CI_PROCESSES.get(process_name.lower())
        if stage_type is None:
            raise RuleError(
                f"ci-process={process_name!r} is not an image process this server answers; "
                "it answers ci-process=ImageInspect"
            )
        return Pipeline(stages=(stage_type(),))
    rule = state.engine.rule_from_query(ctx.raw_query)
    if rule is None:
        return None
    return state.engine.validate(rule)


def _style_split(state: ServerState, ctx: RequestContext) -> tuple[str, str] | None:
    """`photo.jpg!small` -> (`photo.jpg`, `small`) when `photo.jpg` is the object that exists.

    Style names cannot contain an enabled separator (ruling 7), so the name is what follows the
    last separator in the key.
    """
    separators = state.config.style_separators
    cut = max((ctx.key.rfind(char) for char in separators), default=-1)
    if cut <= 0 or cut == len(ctx.key) - 1:
        return None
    base, name = ctx.key[:cut], ctx.key[cut + 1 :]
    if not state.store.exists(ctx.bucket, base):
        return None
    return base, name


def download_request(state: ServerState, ctx: RequestContext) -> DownloadRequest | None:
    """What a GET asks for beyond the plain object; None for a plain download."""
    query_pipeline = _query_pipeline(state, ctx)
    key = ctx.key
    stages: tuple[Stage, ...] = () if query_pipeline is None else query_pipeline.stages
    if not state.store.exists(ctx.bucket, key):
        split = _style_split(state, ctx)
        if split is None:
            state.store.size(ctx.bucket, key)  # raises NoSuchKey (or InvalidURI) as a GET would
        else:
            key, style_name = split
            stages = (StyleRef(name=style_name), *stages)
    if not stages:
        return None
    pipeline = _with_styles(state, ctx.bucket, Pipeline(stages=stages))
    return DownloadRequest(key=key, pipeline=pipeline)


def _read_input(state: ServerState, bucket: str, key: str) -> bytes:
    size = state.store.size(bucket, key)
    if size > state.config.max_body_bytes:
        raise ImageTooLargeError(
            f"object {key!r} is {size} bytes; CI processes images up to "
            f"{state.config.max_body_bytes} bytes"
        )
    return state.store.read_bytes(bucket, key)


async def download(state: ServerState, ctx: RequestContext, wanted: DownloadRequest) -> Response:
    resolver = state.resolver_for(ctx.bucket)

    def job() -> ProcessedImage:
        data = _read_input(state, ctx.bucket, wanted.key)
        return state.engine.process(data, wanted.pipeline, resolver=resolver)

    result = await state.gate.run(job)
    overrides = ctx.response_overrides()
    media_type = overrides.pop("Content-Type", content_type_for_format(result.format))
    return Response(
        content=result.data,
        media_type=media_type,
        headers={**ctx.common_headers(), **overrides},
    )


# ---- persistent processing ----


@dataclass(frozen=True)
class PlannedRule:
    bucket: str
    key: str
    pipeline: Pipeline


def _plan_rules(state: ServerState, ctx: RequestContext, ops: PicOperations) -> list[PlannedRule]:
    """Every rule checked before any byte is stored: one bad rule fails the whole request."""
    planned = []
    for index, rule in enumerate(ops.rules):
        bucket = rule.bucket or ctx.bucket
        state.store.bucket_path(bucket)
        key = result_key(rule.fileid, ctx.key)
        if state.store.object_path(bucket, key).is_dir():
            raise InvalidPicOperationsError(
                f"Pic-Operations rules[{index}] fileid {rule.fileid!r} names a folder of objects"
            )
        pipeline = _with_styles(state, ctx.bucket, state.engine.validate(rule.rule))
        if pipeline.is_query:
            raise InvalidPicOperationsError(
                f"Pic-Operations rules[{index}] {rule.rule!r} answers JSON, not an image; "
                "persistent processing stores images"
            )
        planned.append(PlannedRule(bucket=bucket, key=key, pipeline=pipeline))
    return planned


def pic_operations(ctx: RequestContext) -> PicOperations:
    raw = ctx.request.headers.get("pic-operations")
    if raw is None:
        raise InvalidPicOperationsError(
            "POST ?image_process needs a Pic-Operations header naming the rules to run"
        )
    return parse_pic_operations(raw)


def _run_rules(
    state: ServerState,
    ctx: RequestContext,
    ops: PicOperations,
    planned: list[PlannedRule],
    data: bytes,
    staged: StagedWrite | None,
) -> bytes:
    """Process every rule, then store the upload (if any) and each result; answer UploadResult."""
    resolver = state.resolver_for(ctx.bucket)
    results = [state.engine.process(data, rule.pipeline, resolver=resolver) for rule in planned]
    info = state.engine.image_info_record(data) if ops.is_pic_info else None
    if staged is not None:  # the upload keeps the headers it was sent with, as a plain PUT does
        state.store.commit(staged, ObjectMeta.from_headers(ctx.request.headers))
    objects = []
    for rule, result in zip(planned, results, strict=True):
        stat = state.store.write_bytes(rule.bucket, rule.key, result.data)
        objects.append(
            ProcessedObject(
                key=rule.key,
                location=ctx.location(rule.key),
                format=result.format,
                width=result.width or 0,
                height=result.height or 0,
                size=stat.size,
                quality=100 if result.quality is None else result.quality,
                etag=stat.etag,
                frame_count=result.frames or 1,
                watermark_status=result.watermark_status,
                watermark_text=result.watermark_text,
            )
        )
    original = None
    if info is not None:
        original = OriginalInfo(
            key=ctx.key,
            location=ctx.location(ctx.key),
            etag=state.store.stat(ctx.bucket, ctx.key).etag,  # after any fileid overwrote it
            image_info=info,
        )
    return upload_result(original, objects)


async def put_with_operations(state: ServerState, ctx: RequestContext) -> Response:
    """PUT with Pic-Operations: nothing is stored unless the upload and every rule succeed."""
    ops = pic_operations(ctx)
    planned = _plan_rules(state, ctx, ops)
    state.gate.check_room()
    staged = await receive_upload(state, ctx)
    try:
        body = await state.gate.run(
            lambda: _run_rules(state, ctx, ops, planned, staged.read_back(), staged)
        )
    finally:
        staged.discard()
    # Not staged.result: a fileid may have overwritten the upload with a result.
    return _xml(ctx, body, etag=state.store.stat(ctx.bucket, ctx.key).etag)


async def process_stored(state: ServerState, ctx: RequestContext) -> Response:
    """POST /<key>?image_process: persistent processing of an object already stored."""
    ops = pic_operations(ctx)
    if not state.store.exists(ctx.bucket, ctx.key):
        raise NoSuchKeyError(f"object {ctx.key!r} does not exist in bucket {ctx.bucket!r}")
    planned = _plan_rules(state, ctx, ops)
    body = await state.gate.run(
        lambda: _run_rules(state, ctx, ops, planned, _read_input(state, ctx.bucket, ctx.key), None)
    )
    return _xml(ctx, body)


def _xml(ctx: RequestContext, body: bytes, etag: str | None = None) -> Response:
    headers = ctx.common_headers()
    if etag is not None:  # a PUT answers the stored object's ETag, as a simple upload does
        headers["ETag"] = etag
    return Response(content=body, media_type="application/xml", headers=headers)
