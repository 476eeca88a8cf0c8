"""Multipart upload routes: initiate, upload part, list parts, complete, abort (design §1.3)."""

from __future__ import annotations

import anyio.to_thread
from starlette.responses import Response

from ciimage.server.bodies import read_body
from ciimage.server.bucketxml import (
    PartsPage,
    complete_result,
    initiate_result,
    list_parts_result,
    parse_complete,
)
from ciimage.server.context import RequestContext
from ciimage.server.multipart import MAX_PART_BYTES, MAX_PART_NUMBER, Upload, check_part_number
from ciimage.server.objects import receive_upload, upload_meta
from ciimage.server.state import ServerState
from ciimage.server.storage import check_key

MAX_PARTS_LISTED = 1000
# A completion names up to 10,000 parts at about 100 bytes each.
MAX_COMPLETE_BODY_BYTES = 2 * 1024 * 1024


def _xml(ctx: RequestContext, body: bytes) -> Response:
    return Response(content=body, media_type="application/xml", headers=ctx.common_headers())


def _upload(state: ServerState, ctx: RequestContext) -> Upload:
    return state.multipart.get(ctx.bucket, check_key(ctx.key), ctx.param("uploadid"))


async def initiate(state: ServerState, ctx: RequestContext) -> Response:
    upload = await anyio.to_thread.run_sync(
        state.multipart.initiate, ctx.bucket, ctx.key, upload_meta(ctx)
    )
    return _xml(ctx, initiate_result(ctx.bucket, upload))


async def upload_part(state: ServerState, ctx: RequestContext) -> Response:
    number = check_part_number(ctx.param("partnumber"))
    upload = _upload(state, ctx)
    staged = state.multipart.open_part(upload)
    await receive_upload(state, ctx, staged=staged, limit=MAX_PART_BYTES)
    try:
        part = await anyio.to_thread.run_sync(state.multipart.commit_part, upload, number, staged)
    finally:
        staged.discard()
    return Response(status_code=200, headers={**ctx.common_headers(), "ETag": part.etag})


async def list_parts(state: ServerState, ctx: RequestContext) -> Response:
    upload = _upload(state, ctx)
    marker = ctx.count_param("part-number-marker", 0, MAX_PART_NUMBER)
    max_parts = ctx.count_param("max-parts", MAX_PARTS_LISTED, MAX_PARTS_LISTED)
    after = [part for part in state.multipart.parts(upload) if part.number > marker]
    page = PartsPage(
        upload=upload,
        parts=after[:max_parts],
        marker=marker,
        max_parts=max_parts,
        truncated=len(after) > max_parts,
    )
    url_encoded = (ctx.param("encoding-type") or "").lower() == "url"
    return _xml(ctx, list_parts_result(page, url_encoded))


async def complete(state: ServerState, ctx: RequestContext) -> Response:
    upload = _upload(state, ctx)
    wanted = parse_complete(await read_body(ctx.request, MAX_COMPLETE_BODY_BYTES))
    stat = await anyio.to_thread.run_sync(state.multipart.complete, upload, wanted)
    body = complete_result(ctx.location(upload.key), ctx.bucket, upload.key, stat.etag)
    return _xml(ctx, body)


async def abort(state: ServerState, ctx: RequestContext) -> Response:
    upload = _upload(state, ctx)
    await anyio.to_thread.run_sync(state.multipart.abort, upload)
    return Response(status_code=204, headers=ctx.common_headers())
