"""The ASGI application: Host routing, signature check, dispatch, and COS-style error answers."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ciimage.errors import CIError
from ciimage.jobs.config import JobsConfig
from ciimage.server import (
    bucket_routes,
    ci_paths,
    ci_routes,
    copying,
    multipart_routes,
    objects,
    processing,
    style_routes,
)
from ciimage.server.config import ServerConfig
from ciimage.server.context import RequestContext
from ciimage.server.cosxml import error_body
from ciimage.server.engine import Engine, ciimage_engine
from ciimage.server.errors import MethodNotAllowedError, NotImplementedByServerError
from ciimage.server.header_case import COSHeaderCase
from ciimage.server.hosts import Service, parse_host
from ciimage.server.state import ServerState

logger = logging.getLogger("ciimage.server")

# Every method a client may try reaches the dispatcher, so that even an unserved one gets COS's
# XML answer rather than Starlette's plain-text 405.
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]

# COS sub-resources this server does not implement. Refused by name, because treating, say, an
# `?append` upload or an ACL change as a plain PUT would silently replace the object.
UNSERVED_SUBRESOURCES = frozenset(
    {
        "append", "acl", "tagging", "restore", "select", "cors", "lifecycle", "policy",
        "versioning", "versions", "website", "referer", "logging", "inventory", "replication",
        "encryption", "domain", "origin", "intelligenttiering", "object-lock", "list-type",
    }
)  # fmt: skip


def _request_id(request: Request) -> str:
    existing = getattr(request.state, "request_id", None)
    if existing is None:
        existing = uuid.uuid4().hex
        request.state.request_id = existing
    return str(existing)


def _path(request: Request) -> str:
    """The URL-decoded path as the server received it.

    Not `request.url.path`: that re-parses the decoded path as a URL, so a key holding `?` or `#`
    (sent as `%3F`, `%23`) would be cut short.
    """
    return str(request.scope.get("path", "/"))


def _raw_query(request: Request) -> str:
    return request.scope.get("query_string", b"").decode("utf-8", errors="replace")


def error_response(request: Request, exc: CIError) -> Response:
    request_id = _request_id(request)
    body = error_body(exc.cos_code, exc.message, _path(request), request_id)
    headers = {
        "X-ErrNo": str(exc.code),
        "x-cos-request-id": request_id,
        "Server": "ciimage",
        **getattr(exc, "extra_headers", {}),
    }
    if request.method == "HEAD":
        return Response(status_code=exc.http_status, headers=headers)
    return Response(
        content=body, status_code=exc.http_status, media_type="application/xml", headers=headers
    )


async def _ci_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CIError)
    logger.info("%s %s -> %s %s", request.method, _path(request), exc.code, exc.message)
    return error_response(request, exc)


def _internal_error(request: Request, exc: Exception) -> Response:
    logger.exception("unexpected error on %s %s", request.method, _path(request))
    failure = CIError(
        f"internal error ({type(exc).__name__}); the server log has the details",
        code=-103,
        cos_code="InternalError",
        http_status=500,
    )
    return error_response(request, failure)


class Dispatcher:
    """One endpoint for every path: COS routes by Host, method and query, not by path shape."""

    def __init__(self, state: ServerState, jobs: ci_routes.JobsHolder) -> None:
        self.state = state
        self.jobs = jobs

    async def handle(self, request: Request) -> Response:
        try:
            return await self._dispatch(request)
        except CIError:
            raise
        except Exception as exc:  # a bug must still answer COS XML, not a traceback
            return _internal_error(request, exc)

    def _context(self, request: Request) -> RequestContext:
        target = parse_host(request.headers.get("host"))
        raw_query = _raw_query(request)
        query_pairs = tuple(parse_qsl(raw_query, keep_blank_values=True))
        if self.state.verifier is not None:
            self.state.verifier.verify(
                method=request.method,
                path=_path(request),
                query_pairs=query_pairs,
                headers=[(k, v) for k, v in request.headers.items()],
                authorization_header=request.headers.get("authorization"),
            )
        bucket = request.state.bucket = self.state.bucket_for(target)  # also for the access log
        return RequestContext(
            request=request,
            request_id=_request_id(request),
            target=target,
            bucket=bucket,
            key=_path(request)[1:],
            raw_query=raw_query,
            query_pairs=query_pairs,
        )

    async def _dispatch(self, request: Request) -> Response:
        ctx = self._context(request)
        state = self.state
        ci_route = ci_paths.recognise(
            request.method,
            ctx.key,
            {name.lower() for name, _ in ctx.query_pairs},
            ci_host=ctx.target.service is Service.CI,
            object_exists=lambda key: state.store.exists(ctx.bucket, key),
        )
        if ci_route is not None:
            return await ci_routes.handle(state, self.jobs, ctx, ci_route)
        unserved = sorted({key.lower() for key, _ in ctx.query_pairs} & UNSERVED_SUBRESOURCES)
        if unserved:
            raise NotImplementedByServerError(
                f"{', '.join(unserved)} is not implemented by this server: it serves buckets, "
                "listing, uploads (simple and multipart), copy, downloads, HEAD, DELETE, batch "
                "delete, styles and image processing"
            )
        if ctx.key == "":
            return await self._bucket_level(ctx)
        if ctx.has_param("uploads") or ctx.has_param("uploadid"):
            return await self._multipart(ctx)
        return await self._object_level(ctx)

    async def _object_level(self, ctx: RequestContext) -> Response:
        state, method = self.state, ctx.request.method
        if method == "PUT":
            if "x-cos-copy-source" in ctx.request.headers:
                return await copying.copy_object(state, ctx)
            if "pic-operations" in ctx.request.headers:
                return await processing.put_with_operations(state, ctx)
            return await objects.put_object(state, ctx)
        if method in ("GET", "HEAD"):
            wanted = processing.download_request(state, ctx) if method == "GET" else None
            if wanted is not None:
                return await processing.download(state, ctx, wanted)
            if method == "HEAD":
                return await objects.head_object(state, ctx)
            return await objects.get_object(state, ctx)
        if method == "DELETE":
            return await objects.delete_object(state, ctx)
        if method == "POST" and ctx.has_param("image_process"):
            return await processing.process_stored(state, ctx)
        raise MethodNotAllowedError(
            f"{method} /{ctx.key} is not served; objects take PUT, GET, HEAD, DELETE, "
            "POST ?image_process and the multipart calls"
        )

    async def _multipart(self, ctx: RequestContext) -> Response:
        state, method = self.state, ctx.request.method
        if ctx.has_param("uploads") and method == "POST":
            return await multipart_routes.initiate(state, ctx)
        if ctx.has_param("uploadid"):
            if method == "PUT" and "x-cos-copy-source" in ctx.request.headers:
                raise NotImplementedByServerError(
                    "Upload Part - Copy is not implemented by this server; use copy_object"
                )
            handler = {
                "PUT": multipart_routes.upload_part,
                "GET": multipart_routes.list_parts,
                "POST": multipart_routes.complete,
                "DELETE": multipart_routes.abort,
            }.get(method)
            if handler is not None:
                return await handler(state, ctx)
        raise MethodNotAllowedError(
            f"{method} /{ctx.key} with ?uploads/?uploadId is not a multipart call"
        )

    async def _bucket_level(self, ctx: RequestContext) -> Response:
        state, method = self.state, ctx.request.method
        if ctx.has_param("style"):
            return await style_routes.styles_api(state, ctx)
        if method == "GET" and ctx.has_param("uploads"):
            return await bucket_routes.list_uploads(state, ctx)
        if method == "POST" and ctx.has_param("delete"):
            return await bucket_routes.delete_objects(state, ctx)
        handler = {
            "PUT": bucket_routes.create_bucket,
            "HEAD": bucket_routes.head_bucket,
            "GET": bucket_routes.list_objects,
            "DELETE": bucket_routes.delete_bucket,
        }.get(method)
        if handler is None:
            raise MethodNotAllowedError(
                f"{method} on the bucket itself is not served; buckets take PUT, HEAD, GET "
                "(list), DELETE, GET ?uploads, POST ?delete and the ?style calls"
            )
        return await handler(state, ctx)


def create_app(
    config: ServerConfig, engine: Engine | None = None, jobs: JobsConfig | None = None
) -> Starlette:
    """The server's ASGI app; `engine` defaults to ciimage's own rules and executor, `jobs` to
    jobs on threads (started by the lifespan, or by the first job call without one)."""
    state = ServerState.build(config, engine or ciimage_engine(config.watermark_key))
    holder = ci_routes.JobsHolder(jobs or JobsConfig())
    dispatcher = Dispatcher(state, holder)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if holder.config.served:
            holder.service(state)  # resumes jobs left Running, redelivers pending callbacks
        try:
            yield
        finally:
            holder.stop()

    app = Starlette(
        routes=[Route("/{path:path}", dispatcher.handle, methods=METHODS)],
        exception_handlers={CIError: _ci_error_handler},
        middleware=[Middleware(COSHeaderCase)],
        lifespan=lifespan,
    )
    app.state.ciimage = state
    return app
