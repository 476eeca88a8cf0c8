"""`ciimage serve --workers N`: N server processes accepting on one listening socket.

One Python process decodes, resizes and encodes in libvips threads, but its HTTP handling, rule
parsing and planning hold the GIL; on a machine with several cores, several processes sharing the
port let that part run in parallel too. The socket is bound once, before forking, so `--port 0`
still reports one port and the kernel hands each connection to whichever process accepts first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable


def serve_in_processes(
    serve: Callable[[socket.socket], None], listener: socket.socket, count: int
) -> int:
    """Run `serve(listener)` in `count` forked children; SIGTERM/SIGINT here stop them all.

    Each child builds its own app and thread pools after the fork (`serve` does), so nothing
    with threads crosses it. Returns 0 when every child exited cleanly, else 1.
    """
    children: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    # Installed before forking, so a stop that arrives meanwhile still reaches every child.
    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            _run_child(serve, listener, previous)
        children.append(pid)
    listener.close()
    failed = False
    for pid in children:
        _, status = os.waitpid(pid, 0)
        failed = failed or os.waitstatus_to_exitcode(status) != 0
    return 1 if failed else 0


def _run_child(
    serve: Callable[[socket.socket], None],
    listener: socket.socket,
    handlers: dict[signal.Signals, object],
) -> None:
    """Serve until told to stop, then leave the process (never returning into the fork loop)."""
    for signum, handler in handlers.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]
    code = 0
    try:
        serve(listener)
    except BaseException:  # the child must not unwind into the parent's code
        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)
