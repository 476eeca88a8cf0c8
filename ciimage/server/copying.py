"""PUT Object - Copy: `x-cos-copy-source` from any bucket under the root, Copy or Replaced."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

import anyio.to_thread
from starlette.responses import Response

from ciimage.server.bucketxml import copy_result
from ciimage.server.context import RequestContext
from ciimage.server.errors import InvalidArgumentError, InvalidRequestError
from ciimage.server.hosts import parse_host
from ciimage.server.objects import upload_meta
from ciimage.server.state import ServerState
from ciimage.server.storage import ObjectStat, check_key

DIRECTIVES = ("Copy", "Replaced")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class CopySource:
    bucket: str
    key: str


def parse_copy_source(state: ServerState, header: str) -> CopySource:
    """`<bucket>.cos.<region>.myqcloud.com/<percent-encoded key>[?versionId=...]`.

    The region is not checked (every bucket is local) and a versionId is ignored (no versioning).
    """
    text = header.strip()
    for scheme in ("http://", "https://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
    host, slash, path = text.partition("/")
    if not slash or not path:
        raise InvalidArgumentError(
            f"x-cos-copy-source {header!r} is not <bucket>.cos.<region>.myqcloud.com/<key>"
        )
    bucket = state.bucket_for(parse_host(host))
    key = unquote(path.partition("?")[0])
    return CopySource(bucket=bucket, key=check_key(key))


def _directive(ctx: RequestContext) -> str:
    given = ctx.request.headers.get("x-cos-metadata-directive") or "Copy"
    for directive in DIRECTIVES:
        if given.lower() == directive.lower():
            return directive
    raise InvalidArgumentError(f"x-cos-metadata-directive {given!r} must be Copy or Replaced")


def _copy(
    state: ServerState, ctx: RequestContext, source: CopySource, directive: str
) -> ObjectStat:
    store = state.store
    source_stat = store.stat(source.bucket, source.key)
    source_path = store.object_path(source.bucket, source.key)
    meta = source_stat.meta if directive == "Copy" else upload_meta(ctx)
    staged = store.open_staged(ctx.bucket, ctx.key)
    try:
        with source_path.open("rb") as reader:
            for chunk in iter(lambda: reader.read(_CHUNK), b""):
                staged.write(chunk)
        return store.commit(staged, meta)
    finally:
        staged.discard()


async def copy_object(state: ServerState, ctx: RequestContext) -> Response:
    source = parse_copy_source(state, ctx.request.headers["x-cos-copy-source"])
    directive = _directive(ctx)
    check_key(ctx.key)
    if (source.bucket, source.key) == (ctx.bucket, ctx.key) and directive == "Copy":
        raise InvalidRequestError(
            "this copy request is illegal because it copies an object onto itself without "
            "changing its metadata; send x-cos-metadata-directive: Replaced"
        )
    stat = await anyio.to_thread.run_sync(_copy, state, ctx, source, directive)
    return Response(
        content=copy_result(stat), media_type="application/xml", headers=ctx.common_headers()
    )
