"""The dispatcher: Submitted -> Running -> Success/Failed, in one thread of the server.

Each turn it collects finished tasks (output written, state and callback committed), fails the
ones past `--job-timeout`, then claims as many Submitted jobs as the executor has slots for
(highest JobLevel first) and ships them. A job is Running only while it holds a slot, so what is
in flight, and the memory it takes, is bounded by the cluster's size, not the backlog's. On start
it re-queues jobs left Running by a crash or a SIGKILL: outputs are written atomically, so
running one again is safe.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from ciimage.errors import CIError, ProcessingTimeoutError
from ciimage.jobs.callbacks import CallbackSender
from ciimage.jobs.config import DEFAULT_JOB_TIMEOUT
from ciimage.jobs.executors import PREFETCH_PER_SLOT, JobExecutor, shipments
from ciimage.jobs.runner import JobRunner
from ciimage.jobs.store import JobRow
from ciimage.jobs.worker import PicTask, TaskFailure, TaskOutcome

logger = logging.getLogger("ciimage.jobs")

_IDLE_WAIT = 0.5
_RESTART_WAIT = 5.0


@dataclass
class _InFlight:
    job: JobRow
    future: Future[TaskOutcome]
    deadline: float


class JobDispatcher:
    def __init__(
        self,
        runner: JobRunner,
        executor: JobExecutor,
        callbacks: CallbackSender,
        job_timeout: float = DEFAULT_JOB_TIMEOUT,
    ) -> None:
        self.runner = runner
        self.executor = executor
        self.callbacks = callbacks
        self.job_timeout = job_timeout
        self._in_flight: dict[str, _InFlight] = {}
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self.ready = threading.Event()  # set once the executor has started
        self._thread = threading.Thread(target=self._run, name="ciimage-jobs", daemon=True)

    def start(self) -> None:
        recovered = self.runner.store.recover()
        if recovered:
            logger.warning("re-queued %d job(s) left Running by the last server", len(recovered))
            self.runner.sweep_half_written(recovered)
        self.callbacks.start()
        self._thread.start()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        self._thread.join(timeout=30)
        self.callbacks.stop()

    def _start_executor(self) -> bool:
        """Started on the first runnable job, so a server that never runs one never starts a
        LocalCluster (seconds of CPU and two processes)."""
        if self.ready.is_set():
            return True
        if not self.runner.store.has_runnable():
            return False
        try:
            self.executor.start()
        except Exception:
            logger.exception("the %s executor did not start; retrying", self.executor.name)
            self._stopping.wait(_RESTART_WAIT)
            return False
        self.ready.set()
        logger.info("jobs run on %s", self.executor.name)
        return True

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    if self._start_executor():
                        self._turn()
                except Exception:  # a bug in one turn must not stop every job for good
                    logger.exception("job dispatcher turn failed")
                    self._stopping.wait(1.0)
                self._wakeup.wait(_IDLE_WAIT)
                self._wakeup.clear()
        finally:
            if self.ready.is_set():
                self.executor.close()

    def _turn(self) -> None:
        finished = 0
        now = time.monotonic()
        for job_id, item in list(self._in_flight.items()):
            if item.future.done():
                del self._in_flight[job_id]
                finished += self._record(item.job, item.future)
            elif now > item.deadline:
                # Its slot is free now (see `abandon`); a late result is dropped.
                del self._in_flight[job_id]
                self.executor.abandon([item.future])
                finished += self.runner.record(item.job, self._timed_out())
        free = self.executor.slots() - len(self._in_flight)
        if self._in_flight:  # full shipments while others run (a shipment ends all at once)
            free -= free % self.executor.shipment
        finished += self._launch(self.runner.store.claim_runnable(free))
        if finished:
            self.callbacks.wake()

    def _timed_out(self) -> TaskFailure:
        return TaskFailure(
            ProcessingTimeoutError.cos_code,
            ProcessingTimeoutError.code,
            f"the job ran over --job-timeout ({self.job_timeout:g} s)",
        )

    def _launch(self, claimed: list[JobRow]) -> int:
        """Prepare the claimed jobs and ship them in the executor's shipment size; returns how
        many ended before shipping (a missing input, a bad rule)."""
        failed = 0
        jobs: dict[str, JobRow] = {}
        tasks: list[PicTask] = []
        for job in claimed:
            try:
                tasks.append(self.runner.task_for(job, timeout=self.job_timeout))
            except CIError as exc:
                failed += self.runner.record(job, TaskFailure(exc.cos_code, exc.code, exc.message))
                continue
            jobs[job.job_id] = job
        for group in shipments(tasks, self._shipment_size(len(tasks))):
            level = max(jobs[task.job_id].job_level for task in group)
            futures = self.executor.submit(group, priority=level)
            deadline = time.monotonic() + self.job_timeout
            for task, future in zip(group, futures, strict=True):
                future.add_done_callback(lambda _: self._wakeup.set())
                self._in_flight[task.job_id] = _InFlight(jobs[task.job_id], future, deadline)
        return failed

    def _shipment_size(self, count: int) -> int:
        """The executor's shipment; when nothing runs, smaller if that spreads `count` tasks
        over every worker thread (20 jobs on 2 workers go as 10 + 10, not 16 + 4). While
        others run, claims are whole shipments and go whole (each costs Dask ~10 messages)."""
        size = self.executor.shipment
        if self._in_flight or size <= 1:
            return size
        threads = max(1, self.executor.slots() // (size * PREFETCH_PER_SLOT))
        return max(1, min(size, -(-count // threads)))

    def _record(self, job: JobRow, future: Future[TaskOutcome]) -> int:
        try:
            outcome: TaskOutcome | TaskFailure = future.result()
        except Exception as exc:  # a worker lost, a task that could not be shipped
            logger.warning("job %s: %s: %s", job.job_id, type(exc).__name__, exc)
            outcome = TaskFailure("InternalError", -103, f"the worker failed: {type(exc).__name__}")
        return self.runner.record(job, outcome)
