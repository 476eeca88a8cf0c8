"""The styles API: PUT, GET and DELETE `/?style` with CI's XML bodies."""

from __future__ import annotations

import anyio.to_thread
from starlette.responses import Response

from ciimage.errors import RuleError
from ciimage.rules.ast import StyleRef
from ciimage.server.bodies import read_body
from ciimage.server.context import RequestContext
from ciimage.server.cosxml import parse_add_style, parse_style_name, style_list
from ciimage.server.errors import MalformedXMLError, MethodNotAllowedError
from ciimage.server.state import ServerState

# Style requests are a few hundred bytes; a small cap keeps XML parsing cheap.
MAX_STYLE_BODY_BYTES = 64 * 1024


async def styles_api(state: ServerState, ctx: RequestContext) -> Response:
    method = ctx.request.method
    state.store.bucket_path(ctx.bucket)
    body = await read_body(ctx.request, MAX_STYLE_BODY_BYTES)
    if method == "PUT":
        name, rule = parse_add_style(body)
        # The store checks the name. The rule is checked here, when stored, so a broken style
        # never reaches a download; styles do not nest.
        pipeline = state.engine.validate(rule)
        if any(isinstance(stage, StyleRef) for stage in pipeline.stages):
            raise RuleError(f"style {name!r} refers to another style; styles do not nest")
        await anyio.to_thread.run_sync(state.styles.put, ctx.bucket, name, rule)
        return Response(status_code=200, headers=ctx.common_headers())
    if method == "GET":
        wanted = parse_style_name(body, "GetStyle")
        styles = state.styles.all(ctx.bucket)
        selected = [
            (name, rule) for name, rule in styles.items() if wanted is None or name == wanted
        ]
        return Response(
            content=style_list(selected),
            media_type="application/xml",
            headers=ctx.common_headers(),
        )
    if method == "DELETE":
        name = parse_style_name(body, "DeleteStyle")
        if name is None:
            raise MalformedXMLError("DELETE /?style needs a <DeleteStyle> body naming a style")
        await anyio.to_thread.run_sync(state.styles.delete, ctx.bucket, name)
        return Response(status_code=200, headers=ctx.common_headers())
    raise MethodNotAllowedError(f"{method} /?style is not an operation; use PUT, GET or DELETE")
