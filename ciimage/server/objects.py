"""Plain COS object routes: simple upload, download (ranges included), HEAD and DELETE."""

from __future__ import annotations

import base64
import binascii
from email.utils import formatdate

import anyio.to_thread
from starlette.responses import Response

from ciimage.server.bodies import stream_body
from ciimage.server.context import RequestContext, content_type_for_key
from ciimage.server.errors import BadDigestError
from ciimage.server.metadata import ObjectMeta
from ciimage.server.ranges import RangedFileResponse, satisfiable_range
from ciimage.server.state import ServerState
from ciimage.server.storage import ObjectStat, StagedWrite


def object_headers(ctx: RequestContext, stat: ObjectStat) -> dict[str, str]:
    """ETag, dates and the headers stored at upload; Content-Type guessed when none was."""
    return {
        **ctx.common_headers(),
        "Content-Type": content_type_for_key(ctx.key),
        **stat.meta.as_dict(),
        "ETag": stat.etag,
        "Last-Modified": formatdate(stat.mtime, usegmt=True),
        "Accept-Ranges": "bytes",
    }


async def receive_upload(
    state: ServerState,
    ctx: RequestContext,
    staged: StagedWrite | None = None,
    limit: int | None = None,
) -> StagedWrite:
    """Stream the body into a temporary file (beside the object unless `staged` is given), at
    most `limit` bytes (default: the server's simple-upload limit, 32 MB)."""
    staged = staged or state.store.open_staged(ctx.bucket, ctx.key)
    limit = state.config.max_body_bytes if limit is None else limit
    try:
        async for chunk in stream_body(ctx.request, limit):
            staged.write(chunk)
        check_content_md5(ctx, staged)
    except BaseException:
        staged.discard()
        raise
    return staged


def check_content_md5(ctx: RequestContext, staged: StagedWrite) -> None:
    declared = ctx.request.headers.get("content-md5")
    if declared is None:
        return
    try:
        expected = base64.b64decode(declared.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadDigestError(f"Content-MD5 {declared!r} is not base64") from None
    if expected != staged.md5_digest:
        raise BadDigestError("the Content-MD5 header does not match the body received")


def upload_meta(ctx: RequestContext) -> ObjectMeta:
    return ObjectMeta.from_headers(ctx.request.headers)


async def put_object(state: ServerState, ctx: RequestContext) -> Response:
    staged = await receive_upload(state, ctx)
    try:
        stat = await anyio.to_thread.run_sync(state.store.commit, staged, upload_meta(ctx))
    finally:
        staged.discard()
    return Response(status_code=200, headers={**ctx.common_headers(), "ETag": stat.etag})


async def get_object(state: ServerState, ctx: RequestContext) -> Response:
    """The stored bytes, streamed from disk (one Range answers 206), never buffered whole."""
    stat = state.store.stat(ctx.bucket, ctx.key)
    path = state.store.object_path(ctx.bucket, ctx.key)
    # Content-Type goes in as a header, verbatim: as `media_type` Starlette would add a charset.
    headers = {**object_headers(ctx, stat), **ctx.response_overrides()}
    use_range = satisfiable_range(ctx.request.headers.get("range"), stat.size)
    return RangedFileResponse(path, use_range=use_range, headers=headers, stat_result=path.stat())


async def head_object(state: ServerState, ctx: RequestContext) -> Response:
    stat = state.store.stat(ctx.bucket, ctx.key)
    headers = object_headers(ctx, stat)
    headers["Content-Length"] = str(stat.size)
    return Response(status_code=200, headers=headers)


async def delete_object(state: ServerState, ctx: RequestContext) -> Response:
    await anyio.to_thread.run_sync(state.store.delete, ctx.bucket, ctx.key)
    return Response(status_code=204, headers=ctx.common_headers())
