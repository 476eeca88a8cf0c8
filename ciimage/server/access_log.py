"""One console line per request, so that an SDK's failing call can be found and read.

`AccessLog(app, stream, json_lines=False)` wraps the ASGI app `create_app` returns. Each finished
request writes one line:

    2026-12-01T19:50:01.123Z GET photos-1250000000 /cat.jpg "imageMogr2/thumbnail/512x" 200 -
    48213B 23.4ms 5f0c...   (one line)

time (UTC), method, bucket, /key, the processing rule (its first 80 characters: the query string,
or the rules of a Pic-Operations header), status, X-ErrNo (or -), response bytes, milliseconds
and the request id COS SDKs print (x-cos-request-id). With `json_lines` the same fields are one
JSON object per line. The work per request is a few dictionary lookups and one write; the
bucket is the one the app routed the request to, which it leaves in `request.state.bucket`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO
from urllib.parse import unquote

from ciimage.errors import escape_controls

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
BucketOf = Callable[[str | None], str | None]

RULE_CHARACTERS = 80
# One encoder for every line: `json.dumps` with options builds a new one per call (~3 us).
_to_json = json.JSONEncoder(ensure_ascii=False).encode
_SIGNING = re.compile(r"(?:q-|x-cos-security-token=|sign=)", re.IGNORECASE)


class AccessLog:
    """ASGI middleware writing one line per HTTP request to `stream`."""

    def __init__(
        self, app: ASGIApp, stream: TextIO, *, json_lines: bool = False, bucket_of: BucketOf
    ) -> None:
        self.app = app
        self.stream = stream
        self.json_lines = json_lines
        self.bucket_of = bucket_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, wall = time.perf_counter(), time.time()
        status = sent = 0
        errno = request_id = None

        async def observe(message: Message) -> None:
            nonlocal status, sent, errno, request_id
            kind = message["type"]
            if kind == "http.response.body":
                sent += len(message.get("body", b""))
            elif kind == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    lowered = name.lower()
                    if lowered == b"x-errno":
                        errno = value.decode("latin-1")
                    elif lowered == b"x-cos-request-id":
                        request_id = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            record = request_record(scope, self.bucket_of, wall)
            record["status"] = status or 500
            record["errno"] = errno
            record["bytes"] = sent
            record["ms"] = round((time.perf_counter() - started) * 1000, 1)
            record["request_id"] = request_id
            self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        line = _to_json(record) if self.json_lines else text_line(record)
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed console must not fail the request
            pass


def request_record(scope: Scope, bucket_of: BucketOf, wall: float) -> dict[str, Any]:
    """time, method, bucket, key and rule of a request that started at `wall`, from its scope.

    The bucket is the one the app routed the request to (`request.state.bucket`); a request
    refused before routing (a bad signature) has its Host read here instead."""
    headers = _wanted_headers(scope)
    bucket = scope.get("state", {}).get("bucket")
    if bucket is None:
        host = headers.get(b"host")
        try:
            bucket = bucket_of(host.decode("latin-1") if host is not None else None)
        except Exception:  # an unroutable Host is the request's error, answered by the app
            bucket = None
    return {
        "time": _utc_time(wall),
        "method": scope.get("method", ""),
        "bucket": bucket,
        "key": str(scope.get("path", "/"))[1:],
        "rule": _rule(scope, headers),
    }


def _wanted_headers(scope: Scope) -> dict[bytes, bytes]:
    """Host and Pic-Operations, the two request headers a line needs (ASGI names are lowercase)."""
    return {
        name: value
        for name, value in scope.get("headers", ())
        if name == b"host" or name == b"pic-operations"
    }


_second: list[tuple[int, str]] = [(-1, "")]  # the last second formatted: strftime once a second


def _utc_time(now: float) -> str:
    whole = int(now)
    cached_second, text = _second[0]
    if whole != cached_second:
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _second[0] = (whole, text)
    return f"{text}.{int((now - whole) * 1000):03d}Z"


def _rule(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    operations = headers.get(b"pic-operations")
    if operations is not None:
        text = operations.decode("utf-8", errors="replace")
        try:
            rules = [str(rule.get("rule", "")) for rule in json.loads(text).get("rules", ())]
            text = ";".join(rules) or text
        except (ValueError, AttributeError, TypeError):
            pass
    else:
        query = scope.get("query_string", b"")
        if not query:
            return None
        text = query.decode("latin-1")
        if "&" in text:  # presigned URLs carry their signature in the query: it is not the rule
            text = "&".join(part for part in text.split("&") if not _SIGNING.match(part))
        elif _SIGNING.match(text):
            return None
        if not text:
            return None
        if "%" in text:
            text = unquote(text)
    return text[:RULE_CHARACTERS]


def text_line(record: dict[str, Any]) -> str:
    rule = record["rule"]
    shown_rule = _to_json(rule) if rule is not None else "-"
    return (
        f"{record['time']} {record['method']} {record['bucket'] or '-'} "
        f"/{escape_controls(record['key'])} {shown_rule} {record['status']} "
        f"{record['errno'] or '-'} {record['bytes']}B {record['ms']}ms "
        f"{record['request_id'] or '-'}"
    )
