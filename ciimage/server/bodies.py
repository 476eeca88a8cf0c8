"""Request bodies read with a size limit enforced while they stream in, before they are buffered."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request

from ciimage.server.errors import EntityTooLargeError


def _too_large(limit: int) -> EntityTooLargeError:
    return EntityTooLargeError(
        f"the request body is larger than {limit} bytes, the most this server accepts "
        "(CI processes images up to 32 MB)"
    )


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse at once when Content-Length already says the body is too large."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(limit)


async def stream_body(request: Request, limit: int) -> AsyncIterator[bytes]:
    check_declared_length(request, limit)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        if chunk:
            yield chunk


async def read_body(request: Request, limit: int) -> bytes:
    parts = [chunk async for chunk in stream_body(request, limit)]
    return b"".join(parts)
