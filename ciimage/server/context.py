"""One request, as the route modules see it once Host routing and the signature check are done."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from starlette.requests import Request

from ciimage.server.errors import InvalidArgumentError
from ciimage.server.hosts import HostTarget

_FORMAT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "yjpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
    "heif": "image/heif",
    "heic": "image/heif",
    "avif": "image/avif",
    "svg": "image/svg+xml",
    "svgc": "image/svg+xml",
    "json": "application/json",
}


_RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


@dataclass(frozen=True)
class RequestContext:
    request: Request
    request_id: str
    target: HostTarget
    bucket: str
    key: str  # "" for the bucket itself (`/`)
    raw_query: str
    query_pairs: tuple[tuple[str, str], ...]

    def has_param(self, name: str) -> bool:
        return any(key.lower() == name for key, _ in self.query_pairs)

    def param(self, name: str) -> str | None:
        for key, value in self.query_pairs:
            if key.lower() == name:
                return value
        return None

    def count_param(self, name: str, default: int, ceiling: int) -> int:
        """A `max-keys`-like parameter: empty means the default, above the ceiling the ceiling
        (as S3 clamps); anything but digits is 400 InvalidArgument."""
        text = self.param(name)
        if not text:
            return default
        if not text.isdigit():
            raise InvalidArgumentError(f"{name}={text!r} must be an integer from 0 to {ceiling}")
        return min(int(text), ceiling)

    def location(self, key: str) -> str:
        """`Location` of an object as CI reports it: the host the client used, then the key."""
        host = self.request.headers.get("host", "")
        return f"{host}/{key}"

    def common_headers(self) -> dict[str, str]:
        return {"x-cos-request-id": self.request_id, "Server": "ciimage"}

    def response_overrides(self) -> dict[str, str]:
        """COS's `response-content-type=...` style parameters: headers the client asks back."""
        return {
            header: value
            for key, value in self.query_pairs
            if (header := _RESPONSE_OVERRIDES.get(key.lower())) is not None
        }


def content_type_for_format(image_format: str) -> str:
    return _FORMAT_TYPES.get(image_format.lower(), "application/octet-stream")


def content_type_for_key(key: str) -> str:
    guessed, _ = mimetypes.guess_type(key)
    return guessed or "application/octet-stream"
