"""Watermark URLs resolved to bytes from a local bucket folder, never from the network.

CI fetches `watermark/1` images from COS. ciimage maps the same URLs onto a directory laid out
like the local server's storage: `http://<bucket>.cos.<region>.myqcloud.com/<key>` is the file
`<root>/<bucket>/<key>`. Nothing here opens a socket: a URL is only parsed, never requested.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ciimage.errors import CIError, ResolverError
from ciimage.header import MAX_INPUT_BYTES

MAX_OBJECT_BYTES = MAX_INPUT_BYTES
BUCKET_ROOT_VARIABLE = "CIIMAGE_BUCKET_ROOT"

# The local server writes uploads to `<bucket>/.../.ciimage-tmp-*` before renaming them
# (ciimage.server.storage.TEMP_PREFIX): a half-written upload is never a watermark.
SERVER_TEMP_PREFIX = ".ciimage-tmp-"

# An invalid watermark URL makes the rule invalid (addendum ruling 20: -60998, InvalidArgument).
INVALID_URL_CODE = -60998

# COS and CI domains that CI's own examples use for watermarks (addendum ruling 20). The bucket is
# `<name>-<appid>` in the cloud; the APPID is optional here, as in the local server's Host routing.
_BUCKET = r"(?P<bucket>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
_REGION = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_WATERMARK_HOSTS = (
    re.compile(rf"^{_BUCKET}\.(?:cos|pic)\.{_REGION}\.(?:myqcloud\.com|tencentcos\.cn)$"),
    re.compile(rf"^{_BUCKET}\.(?:picsh|image)\.myqcloud\.com$"),
)

Resolver = Callable[[str], bytes]


def _invalid(message: str) -> ResolverError:
    return ResolverError(message, code=INVALID_URL_CODE)


def split_watermark_url(url: str) -> tuple[str, str]:
    """(bucket, key) of a watermark URL, or `ResolverError` when CI would refuse the URL."""
    expected = "expected http://<bucket>.cos.<region>.myqcloud.com/<key> (or .pic./.tencentcos.cn)"
    if any(ord(character) < 0x21 for character in url):
        raise _invalid(f"watermark URL {url!r} contains spaces or control characters; {expected}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise _invalid(f"watermark URL {url!r} is malformed ({error}); {expected}") from error
    if parts.scheme.lower() != "http":
        raise _invalid(
            f"watermark URL {url!r} must start with http:// (CI refuses https:// and bare "
            f"hosts); {expected}"
        )
    if parts.username is not None or parts.password is not None or port not in (None, 80):
        raise _invalid(f"watermark URL {url!r} may not carry credentials or a port; {expected}")
    host = (parts.hostname or "").rstrip(".")
    match = next((m for m in (p.match(host) for p in _WATERMARK_HOSTS) if m), None)
    if match is None:
        raise _invalid(f"watermark host {host!r} is not a COS domain; {expected}")
    return match["bucket"], _checked_key(unquote(parts.path), url)


def _checked_key(path: str, url: str) -> str:
    if not path.startswith("/") or path == "/":
        raise _invalid(f"watermark URL {url!r} names no object key")
    key = path[1:]
    segments = key.split("/")
    if (
        key.startswith("/")
        or "\\" in key
        or "\x00" in key
        or any(segment in ("", ".", "..") for segment in segments)
        or any(segment.startswith(SERVER_TEMP_PREFIX) for segment in segments)
    ):
        raise _invalid(
            f"watermark key {key!r} is not a plain object key: no empty, '.' or '..' segments, "
            "no leading '/', no backslashes"
        )
    return key


class BucketRootResolver:
    """`url -> bytes` for watermark URLs, read from `<root>/<bucket>/<key>`.

    `bucket`, when given, is the input's bucket: CI requires the watermark to be stored in the
    same bucket (addendum ruling 20), so other buckets are refused.
    """

    def __init__(self, root: Path | str, *, bucket: str | None = None) -> None:
        self.root = Path(root)
        self.bucket = bucket

    def __repr__(self) -> str:
        return f"BucketRootResolver({str(self.root)!r}, bucket={self.bucket!r})"

    def path_for(self, url: str) -> Path:
        """The file a URL names, checked to lie inside the root (symlinks resolved)."""
        bucket, key = split_watermark_url(url)
        if self.bucket is not None and bucket != self.bucket:
            raise _invalid(
                f"watermark bucket {bucket!r} is not the input's bucket {self.bucket!r}; "
                "CI requires the watermark in the same bucket"
            )
        root = self.root.resolve()
        candidate = root / bucket / key
        try:
            resolved = candidate.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError) as error:
            raise ResolverError(
                f"watermark object {key!r} does not exist in bucket {bucket!r}"
            ) from error
        except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop
            # The local path stays out of the message: it may reach an HTTP client.
            raise ResolverError(f"watermark object {key!r} cannot be opened") from error
        if not resolved.is_relative_to(root / bucket):
            raise ResolverError(f"watermark object {key!r} points outside bucket {bucket!r}")
        return resolved

    def __call__(self, url: str) -> bytes:
        path = self.path_for(url)
        try:
            # O_NONBLOCK: opening a FIFO planted in the bucket must not wait for a writer.
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as error:
            raise ResolverError(
                f"watermark object {url!r} cannot be opened ({error.strerror})"
            ) from error
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_OBJECT_BYTES:
            os.close(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise ResolverError(f"watermark object {url!r} is not a file")
            raise ResolverError(
                f"watermark object {url!r} is {info.st_size} bytes; "
                f"at most 32 MB ({MAX_OBJECT_BYTES} bytes) is accepted"
            )
        with os.fdopen(descriptor, "rb") as handle:
            # One byte past the limit, so a file that grew after fstat is still refused.
            data = handle.read(MAX_OBJECT_BYTES + 1)
        if len(data) > MAX_OBJECT_BYTES:
            raise ResolverError(f"watermark object {url!r} is larger than 32 MB")
        return data


class RefusingResolver:
    """The resolver used when no bucket folder is configured: every URL is refused."""

    def __call__(self, url: str) -> bytes:
        split_watermark_url(url)  # a malformed URL is reported as such first
        raise ResolverError(
            f"cannot load watermark {url!r}: ciimage never downloads; pass resolver= to "
            f"process(), --bucket-root DIR to the CLI, or set {BUCKET_ROOT_VARIABLE}"
        )


def default_resolver() -> Resolver:
    """A resolver rooted at $CIIMAGE_BUCKET_ROOT, or one that refuses every URL without it."""
    root = os.environ.get(BUCKET_ROOT_VARIABLE)
    if root:
        return BucketRootResolver(Path(root))
    return RefusingResolver()


def fetch_watermark(resolver: Resolver, url: str) -> bytes:
    """The bytes `resolver` gives for a watermark URL; any failure of a caller's resolver is a
    ResolverError (a bad request), never a crash."""
    try:
        data = resolver(url)
    except CIError:
        raise
    except Exception as error:  # a caller's resolver failing is still a bad request, not a crash
        raise ResolverError(f"the watermark {url!r} could not be resolved: {error}") from error
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ResolverError(f"the resolver returned {type(data).__name__} for {url!r}, not bytes")
    return bytes(data)
