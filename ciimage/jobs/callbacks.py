"""Callback delivery from the outbox: at least once, also across restarts (rulings A20, A21).

A job's callback row is written in the same transaction as its final state, so a crash between
the two cannot lose it; this sender POSTs every pending row until a 2xx answer, with a 5 s
timeout and retries after 1, 2 and 4 s, then gives up. `http.client` never follows redirects:
a 3xx is an answer that is not 2xx, retried like any other.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from urllib.parse import urlsplit

from ciimage.jobs.store import DueCallback, JobStore

logger = logging.getLogger("ciimage.jobs")

TIMEOUT_SECONDS = 5.0
RETRY_DELAYS = (1.0, 2.0, 4.0)


def post(url: str, content_type: str, body: bytes, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST `body`; the HTTP status, or 0 when the receiver could not be reached."""
    parts = urlsplit(url)
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_type(parts.hostname or "", parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST", path, body=body, headers={"Content-Type": content_type, "User-Agent": "ciimage"}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        logger.info("callback to %s failed: %s", url, exc)
        return 0
    finally:
        connection.close()


class CallbackSender:
    """One thread draining the outbox; `wake()` after a job finishes."""

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ciimage-callbacks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        self._thread.join(timeout=TIMEOUT_SECONDS + 1)

    def _deliver(self, callback: DueCallback) -> None:
        status = post(callback.url, callback.content_type, callback.body)
        if 200 <= status < 300:
            self.store.callback_sent(callback.id)
            return
        retry = callback.attempts < len(RETRY_DELAYS)
        next_at = time.time() + RETRY_DELAYS[callback.attempts] if retry else None
        if next_at is None:
            logger.warning("callback for job %s to %s: gave up", callback.job_id, callback.url)
        self.store.callback_failed(callback.id, next_at)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                due = self.store.due_callbacks(time.time())
                for callback in due:
                    if self._stopping.is_set():
                        return
                    self._deliver(callback)
                if due:
                    continue
                next_at = self.store.next_callback_at()
            except Exception:  # a store error must not end delivery for good
                logger.exception("callback sender")
                next_at = None
            wait = 1.0 if next_at is None else min(1.0, max(0.0, next_at - time.time()))
            self._wakeup.wait(wait)
            self._wakeup.clear()
