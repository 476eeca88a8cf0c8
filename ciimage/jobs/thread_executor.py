"""The thread executor: tasks in this process's threads (tests, small machines, no processes).

A job past `--job-timeout` cannot be interrupted (libvips computes the whole graph in one
encoder call), so `abandon` frees its slot for real instead: a task not started yet is
cancelled, and the thread still running one is replaced by a new thread, which takes the next
task while the abandoned one finishes its computation and exits. At most one abandoned
computation per timed-out job runs past its time, and each ends on its own.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from ciimage.jobs.worker import PicTask, TaskOutcome, run_pic_task

_Item = tuple[Future[TaskOutcome], PicTask] | None  # None: a thread's signal to stop


class ThreadExecutor:
    """`workers` threads; `prefetch` tasks per thread are worth keeping in flight."""

    name = "threads"
    shipment = 1

    def __init__(self, workers: int, prefetch: int = 2) -> None:
        self.workers = max(1, workers)
        self.prefetch = prefetch
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running: dict[Future[TaskOutcome], threading.Thread] = {}
        self._abandoned: set[threading.Thread] = set()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for _ in range(self.workers):
            self._spawn()

    def _spawn(self) -> None:
        thread = threading.Thread(target=self._work, name="ciimage-job", daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        me = threading.current_thread()
        while (item := self._queue.get()) is not None:
            future, task = item
            if not future.set_running_or_notify_cancel():
                continue
            with self._lock:
                self._running[future] = me
            try:
                future.set_result(run_pic_task(task))
            except BaseException as exc:
                future.set_exception(exc)
            with self._lock:
                self._running.pop(future, None)
                if me in self._abandoned:  # a replacement took this thread's place
                    self._abandoned.discard(me)
                    self._threads.remove(me)
                    return

    def slots(self) -> int:
        return self.workers * self.prefetch

    def submit(self, tasks: Sequence[PicTask], priority: int = 0) -> list[Future[TaskOutcome]]:
        futures: list[Future[TaskOutcome]] = []
        for task in tasks:
            future: Future[TaskOutcome] = Future()
            self._queue.put((future, task))
            futures.append(future)
        return futures

    def abandon(self, futures: Sequence[Future[TaskOutcome]]) -> None:
        """The caller gave up on these (a timeout): their threads are the caller's again."""
        for future in futures:
            if future.cancel():
                continue  # not started: it never runs
            with self._lock:
                thread = self._running.get(future)
                replace = thread is not None and thread not in self._abandoned
                if replace:
                    self._abandoned.add(thread)
            if replace:
                self._spawn()

    def close(self) -> None:
        """Tasks not started are cancelled; the running ones finish."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            if thread not in self._abandoned:
                thread.join()
