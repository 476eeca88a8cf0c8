"""Range requests on plain downloads, as COS answers them.

One `bytes=` range (`a-b`, `a-`, `-n`) that overlaps the object answers 206 with Content-Range
(Starlette's FileResponse streams it); one that does not answers 416 InvalidRange as COS XML with
`Content-Range: bytes */size`. A malformed header, another unit or several ranges are ignored and
the whole object is sent (RFC 9110 §14.2 lets a server ignore Range; S3 and COS do not serve
multipart/byteranges).
"""

from __future__ import annotations

import re

from starlette.responses import FileResponse
from starlette.types import Receive, Scope, Send

from ciimage.server.errors import InvalidRangeError

_ONE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def satisfiable_range(header: str | None, size: int) -> bool:
    """True to answer the Range, False to send the whole object; InvalidRangeError for 416."""
    if header is None:
        return False
    match = _ONE_RANGE.match(header)
    if match is None or (not match[1] and not match[2]):
        return False
    if match[1]:
        first = int(match[1])
        if match[2] and int(match[2]) < first:
            return False  # `bytes=5-2` is malformed: ignored
        satisfiable = first < size
    else:
        satisfiable = int(match[2]) > 0 and size > 0  # a suffix of n > 0 bytes
    if not satisfiable:
        raise InvalidRangeError(
            f"the range {header.strip()!r} starts beyond the object's {size} bytes", size
        )
    return True


class RangedFileResponse(FileResponse):
    """A FileResponse that answers the Range header only when `use_range` says so."""

    def __init__(self, *args: object, use_range: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.use_range = use_range

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.use_range:
            headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"range"]
            scope = {**scope, "headers": headers}
        await super().__call__(scope, receive, send)
