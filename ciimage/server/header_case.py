"""Response header names spelled as COS spells them.

Starlette stores header names in lower case; HTTP does not care, but clients that copy headers
into a plain dict do: the official Python SDK returns `dict(response.headers)`, and its users read
`response['ETag']`. uvicorn sends names as the application gives them, so this ASGI wrapper
restores COS's spelling on the way out.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COS_HEADER_NAMES = {
    name.lower().encode("latin-1"): name.encode("latin-1")
    for name in (
        "Accept-Ranges",
        "Cache-Control",
        "Content-Disposition",
        "Content-Encoding",
        "Content-Language",
        "Content-Length",
        "Content-Range",
        "Content-Type",
        "ETag",
        "Expires",
        "Last-Modified",
        "Server",
        "X-ErrNo",
    )
}


class COSHeaderCase:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cos_names(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (COS_HEADER_NAMES.get(name.lower(), name), value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, send_with_cos_names)
