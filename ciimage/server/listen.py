"""The listening socket, bound before uvicorn starts so that `--port 0` can report its port."""

from __future__ import annotations

import socket


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP listener whose `proto` is IPPROTO_TCP.

    asyncio enables TCP_NODELAY only on connections whose socket says IPPROTO_TCP; a socket made
    by `socket.create_server` says 0, and its keep-alive responses then stall ~40 ms on Nagle's
    algorithm meeting the client's delayed ACK.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(512)
    except OSError:
        listener.close()
        raise
    return listener
