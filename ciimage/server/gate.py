"""Bounded processing: N jobs run at once, at most Q more wait, the rest get 503 SlowDown."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from ciimage.server.errors import SlowDownError

T = TypeVar("T")


class ProcessingGate:
    """Admission control in front of a worker-thread limiter.

    Counting happens on the event loop's thread only, so a plain integer is enough. Jobs run in
    worker threads because decoding and encoding images block; the limiter caps those threads at
    `concurrency`, which bounds memory as well as CPU.
    """

    def __init__(self, concurrency: int, queue: int) -> None:
        self.concurrency = concurrency
        self.queue = queue
        self._limiter = anyio.CapacityLimiter(concurrency)
        self._admitted = 0
        self.rejected = 0
        self.completed = 0

    @property
    def admitted(self) -> int:
        """Jobs running or waiting right now."""
        return self._admitted

    def check_room(self) -> None:
        """SlowDown now if a job would be refused, before a client uploads a body for nothing."""
        if self._admitted >= self.concurrency + self.queue:
            self.rejected += 1
            raise SlowDownError(
                f"the server is processing {self.concurrency} images with {self.queue} more "
                "waiting, its configured limit; retry later"
            )

    async def run(self, job: Callable[[], T]) -> T:
        self.check_room()
        self._admitted += 1
        try:
            return await anyio.to_thread.run_sync(job, limiter=self._limiter)
        finally:
            self._admitted -= 1
            self.completed += 1
