"""Bucket routes: PUT/HEAD/DELETE `/`, List Objects (`GET /`), `GET /?uploads`, `POST /?delete`."""

from __future__ import annotations

import base64
import binascii
import hashlib

import anyio.to_thread
from starlette.responses import Response

from ciimage.server.bodies import read_body
from ciimage.server.bucketxml import (
    DeleteOutcome,
    UploadsPage,
    delete_result,
    list_bucket_result,
    list_uploads_result,
    parse_delete,
)
from ciimage.server.context import RequestContext
from ciimage.server.errors import (
    BadDigestError,
    InvalidArgumentError,
    InvalidKeyError,
    InvalidRequestError,
)
from ciimage.server.hosts import DEFAULT_REGION
from ciimage.server.listing import MAX_KEYS, ListQuery
from ciimage.server.multipart import Upload
from ciimage.server.state import ServerState

# A <Delete> of 1,000 keys of up to 1 KB each, plus markup; a <CreateBucketConfiguration>.
MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024
MAX_CONFIGURATION_BODY_BYTES = 64 * 1024


def _xml(ctx: RequestContext, body: bytes, status: int = 200) -> Response:
    return Response(
        content=body, status_code=status, media_type="application/xml", headers=ctx.common_headers()
    )


def _url_encoded(ctx: RequestContext) -> bool:
    encoding = ctx.param("encoding-type") or ""
    if encoding and encoding.lower() != "url":
        raise InvalidArgumentError(f"encoding-type={encoding!r}: the only encoding is 'url'")
    return bool(encoding)


async def create_bucket(state: ServerState, ctx: RequestContext) -> Response:
    await read_body(ctx.request, MAX_CONFIGURATION_BODY_BYTES)  # zone/arch settings: ignored
    await anyio.to_thread.run_sync(lambda: state.store.create_bucket(ctx.bucket))
    return Response(status_code=200, headers=ctx.common_headers())


async def head_bucket(state: ServerState, ctx: RequestContext) -> Response:
    state.store.bucket_path(ctx.bucket)
    region = ctx.target.region or DEFAULT_REGION
    return Response(
        status_code=200, headers={**ctx.common_headers(), "x-cos-bucket-region": region}
    )


async def delete_bucket(state: ServerState, ctx: RequestContext) -> Response:
    def remove() -> None:
        state.store.delete_bucket(ctx.bucket)
        state.multipart.drop_bucket(ctx.bucket)
        state.styles.drop_bucket(ctx.bucket)

    await anyio.to_thread.run_sync(remove)
    return Response(status_code=204, headers=ctx.common_headers())


async def list_objects(state: ServerState, ctx: RequestContext) -> Response:
    query = ListQuery(
        prefix=ctx.param("prefix") or "",
        delimiter=ctx.param("delimiter") or "",
        marker=ctx.param("marker") or "",
        max_keys=ctx.count_param("max-keys", MAX_KEYS, MAX_KEYS),
    )
    url_encoded = _url_encoded(ctx)
    page, stats = await anyio.to_thread.run_sync(state.store.list_objects, ctx.bucket, query)
    return _xml(ctx, list_bucket_result(ctx.bucket, query, page, stats, url_encoded))


def _after_marker(uploads: list[Upload], key_marker: str, id_marker: str) -> list[Upload]:
    """Uploads after (key-marker, upload-id-marker): later keys, or later uploads of that key."""
    if not key_marker:
        return uploads
    marker = key_marker.encode("utf-8")
    same = [upload.upload_id for upload in uploads if upload.key == key_marker]
    cut = same.index(id_marker) + 1 if id_marker in same else len(same)
    kept_ids = set(same[cut:]) if id_marker else set()
    return [
        upload
        for upload in uploads
        if upload.key.encode("utf-8") > marker or upload.upload_id in kept_ids
    ]


def _uploads_page(state: ServerState, ctx: RequestContext) -> UploadsPage:
    prefix, delimiter = ctx.param("prefix") or "", ctx.param("delimiter") or ""
    key_marker, id_marker = ctx.param("key-marker") or "", ctx.param("upload-id-marker") or ""
    max_uploads = ctx.count_param("max-uploads", MAX_KEYS, MAX_KEYS)
    candidates = [
        upload
        for upload in _after_marker(state.multipart.uploads(ctx.bucket), key_marker, id_marker)
        if upload.key.startswith(prefix)
    ]
    chosen: list[Upload] = []
    prefixes: list[str] = []
    truncated = False
    for upload in candidates:
        cut = upload.key.find(delimiter, len(prefix)) if delimiter else -1
        rolled = upload.key[: cut + len(delimiter)] if cut >= 0 else None
        if rolled is not None and (rolled in prefixes or rolled.encode() <= key_marker.encode()):
            continue
        if len(chosen) + len(prefixes) == max_uploads:
            truncated = True
            break
        if rolled is None:
            chosen.append(upload)
        else:
            prefixes.append(rolled)
    return UploadsPage(
        bucket=ctx.bucket,
        prefix=prefix,
        delimiter=delimiter,
        key_marker=key_marker,
        upload_id_marker=id_marker,
        max_uploads=max_uploads,
        uploads=chosen,
        prefixes=prefixes,
        truncated=truncated,
    )


async def list_uploads(state: ServerState, ctx: RequestContext) -> Response:
    url_encoded = _url_encoded(ctx)
    page = await anyio.to_thread.run_sync(_uploads_page, state, ctx)
    return _xml(ctx, list_uploads_result(page, url_encoded))


def _check_required_md5(ctx: RequestContext, body: bytes) -> None:
    declared = ctx.request.headers.get("content-md5")
    if declared is None:
        raise InvalidRequestError(
            "POST /?delete needs a Content-MD5 header (base64 MD5 of the body)"
        )
    try:
        expected = base64.b64decode(declared.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadDigestError(f"Content-MD5 {declared!r} is not base64") from None
    if expected != hashlib.md5(body, usedforsecurity=False).digest():
        raise BadDigestError("the Content-MD5 header does not match the <Delete> body received")


def _delete_each(state: ServerState, bucket: str, keys: list[str]) -> list[DeleteOutcome]:
    outcomes = []
    for key in keys:
        try:
            state.store.delete(bucket, key)
        except InvalidKeyError as exc:
            outcomes.append(DeleteOutcome(key, exc.cos_code, exc.message))
            continue
        outcomes.append(DeleteOutcome(key))  # a missing key counts as deleted, as in COS
    return outcomes


async def delete_objects(state: ServerState, ctx: RequestContext) -> Response:
    body = await read_body(ctx.request, MAX_DELETE_BODY_BYTES)
    _check_required_md5(ctx, body)
    quiet, keys = parse_delete(body)
    state.store.bucket_path(ctx.bucket)
    outcomes = await anyio.to_thread.run_sync(_delete_each, state, ctx.bucket, keys)
    return _xml(ctx, delete_result(outcomes, quiet))
