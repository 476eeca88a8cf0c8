"""Where tasks run: a thread pool, or Dask `distributed` (a LocalCluster, or an existing cluster).

One small interface, so the dispatcher and `ciimage batch` never know which one they drive:
`start()`, `slots()` (how many tasks are worth keeping in flight), `shipment` (how many tasks to
hand over at once), `submit(tasks, priority)` -> one `concurrent.futures.Future[TaskOutcome]`
per task, and `close()`. Workers receive `PicTask` values (bytes and a frozen plan), never paths,
so a remote Dask worker needs no shared file system.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Protocol

import ciimage
from ciimage.jobs.thread_executor import ThreadExecutor
from ciimage.jobs.worker import PicTask, TaskOutcome, run_pic_tasks, worker_version

if TYPE_CHECKING:
    from distributed import Client, LocalCluster
    from distributed import Future as DaskFuture

logger = logging.getLogger("ciimage.jobs")

# Shipments kept in flight per worker thread: one running, one shipped and waiting, so a worker
# never idles while the next input crosses the network; memory stays bounded by the cluster's
# size, not the batch's.
PREFETCH_PER_SLOT = 2
# Tasks per Dask shipment, up to SHIPMENT_BYTES of input: Dask's fixed cost per task (scatter,
# update_graph, task-finished, gather, release: ~10 messages through the scheduler) was ~15 ms of
# client CPU per image, taken from the workers on a 2-core machine. The cost is per message, not
# per byte (a 2-worker LocalCluster, no-op task: 4.5 ms of client CPU per image with 4 tasks per
# shipment whether the inputs are 10 bytes or 750 kB; 2.9 with 8, 2.0 with 16; the server's IO
# loop 4.6 -> 3.5 ms/image from 8 to 16). Sixteen 750 kB photos per shipment keep 64 photos
# (~48 MB) in flight on 2 workers; a claim made while nothing runs is spread over every worker
# thread (the dispatcher's `_shipment_size`), so small batches still use every worker.
TASKS_PER_SHIPMENT = 16
SHIPMENT_BYTES = 16 * 1024 * 1024
_VERSION_RECHECK_SECONDS = 5.0
_SLOTS_RECHECK_SECONDS = 1.0
# Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers (good for numpy-heavy graphs);
# setting it turns off glibc's dynamic mmap threshold, so every multi-megabyte image buffer is a
# fresh mmap and page-faulted in again: measured 1.2-2x slower thumbnails. Our LocalCluster keeps
# Dask's other defaults (single-threaded BLAS/OpenMP: one task per worker thread).
_WORKER_ENVIRON = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
# One worker thread runs one image at a time; libvips' own pool (one thread per core by default)
# would put 2 workers x 2 threads on 2 cores. One libvips thread per worker thread, as
# `ciimage serve` does for its requests; an explicit VIPS_CONCURRENCY still decides.
_WORKER_VIPS_CONCURRENCY = 1
# What each worker (and nanny) does besides tasks, for a dashboard a LocalCluster started here does
# not serve: the statistical profiler samples every thread 100 times a second, the system monitor
# reads /proc twice a second, the memory monitor 10 times a second (what is in flight is bounded
# by the slots, so once a second is enough). Measured on the 2-core benchmark: about 4 ms of
# worker CPU per image.
_WORKER_CONFIG = {
    # tasks are placed on a worker by `_place` and restricted to it: nothing to steal
    "distributed.scheduler.work-stealing": False,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


class JobExecutor(Protocol):
    name: str
    shipment: int  # tasks worth handing to `submit` at once

    def start(self) -> None: ...

    def slots(self) -> int: ...

    def submit(self, tasks: Sequence[PicTask], priority: int = 0) -> list[Future[TaskOutcome]]: ...

    def abandon(self, futures: Sequence[Future[TaskOutcome]]) -> None: ...

    def close(self) -> None: ...


def shipments(tasks: Sequence[PicTask], size: int) -> list[list[PicTask]]:
    """`tasks` in order, grouped by `size` and at most SHIPMENT_BYTES of input per group (a
    single larger input goes alone)."""
    groups: list[list[PicTask]] = []
    current: list[PicTask] = []
    weight = 0
    for task in tasks:
        if current and (len(current) >= size or weight + len(task.data) > SHIPMENT_BYTES):
            groups.append(current)
            current, weight = [], 0
        current.append(task)
        weight += len(task.data)
    if current:
        groups.append(current)
    return groups


class WorkerVersionError(RuntimeError):
    """No Dask worker runs this ciimage version."""


class DaskExecutor:
    """Tasks on Dask workers: `scheduler` None starts a LocalCluster of `workers` processes."""

    name = "dask"
    shipment = TASKS_PER_SHIPMENT

    def __init__(
        self, scheduler: str | None = None, workers: int = 2, *, processes: bool = True
    ) -> None:
        self.scheduler = scheduler
        self.workers = max(1, workers)
        self.processes = processes
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        self._allowed: list[str] | None = None  # None: every worker runs our version
        self._refused: set[str] = set()
        self._checked_at = 0.0
        self._slots, self._slots_at = 0, -_SLOTS_RECHECK_SECONDS
        self._threads: dict[str, int] = {}  # allowed worker -> threads
        self._outstanding: collections.Counter[str] = collections.Counter()  # shipments
        self._lock = threading.Lock()

    def start(self) -> None:
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            environ = {**_WORKER_ENVIRON, "VIPS_CONCURRENCY": _WORKER_VIPS_CONCURRENCY}
            environ.update({k: v for k, v in os.environ.items() if k == "VIPS_CONCURRENCY"})
            settings = {**_WORKER_CONFIG, "distributed.nanny.pre-spawn-environ": environ}
            with dask.config.set(settings):
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                    silence_logs=logging.WARNING,
                )
            self._client = Client(self._cluster, set_as_default=False)
        else:
            self._client = Client(self.scheduler, set_as_default=False, timeout=30)
            self._client.wait_for_workers(1, timeout=60)
        self._check_versions(force=True)

    @property
    def client(self) -> Client:
        assert self._client is not None, "start() the executor first"
        return self._client

    def _check_versions(self, force: bool = False) -> None:
        """Refuse workers that run another ciimage: tasks go only to the matching ones."""
        now = time.monotonic()
        if not force and now - self._checked_at < _VERSION_RECHECK_SECONDS:
            return
        self._checked_at = now
        # on_error="return": a worker that cannot even import ciimage answers an exception,
        # which is "another version" too.
        answers = self.client.run(worker_version, on_error="return")
        versions = {
            address: answer if isinstance(answer, str) else f"unknown ({answer!r})"
            for address, answer in answers.items()
        }
        matching = [
            address for address, version in versions.items() if version == ciimage.__version__
        ]
        refused = {address for address in versions if address not in matching}
        for address in sorted(refused - self._refused):
            logger.warning(
                "refusing Dask worker %s: it runs ciimage %s, this server %s",
                address,
                versions[address],
                ciimage.__version__,
            )
        self._refused = refused
        if not matching:
            raise WorkerVersionError(
                f"no Dask worker runs ciimage {ciimage.__version__} (found "
                f"{sorted(set(versions.values())) or 'no workers'}); install the same version "
                "on the workers"
            )
        self._allowed = None if not refused else matching

    def _refresh(self) -> None:
        """The allowed workers' threads, asked of the scheduler at most once a second (the
        dispatcher asks for slots every turn). Called with the lock held."""
        now = time.monotonic()
        if now - self._slots_at < _SLOTS_RECHECK_SECONDS:
            return
        self._slots_at = now
        try:
            self._check_versions()
        except WorkerVersionError:
            logger.exception("no usable Dask worker")
            self._threads, self._slots = {}, 0
            return
        allowed = self._allowed
        self._threads = {
            address: count
            for address, count in self.client.nthreads().items()
            if allowed is None or address in allowed
        }
        self._slots = sum(self._threads.values()) * PREFETCH_PER_SLOT * self.shipment

    def slots(self) -> int:
        """Worker threads of the allowed workers, times the prefetch, in tasks."""
        with self._lock:
            self._refresh()
            return self._slots

    def _place(self) -> str | None:
        """The allowed worker with the fewest of our shipments per thread. Dask's scatter
        places round-robin, whatever each worker already holds, so a worker that finished
        early could idle while the next shipments queue at the other."""
        with self._lock:
            self._refresh()
            if not self._threads:
                return None
            address = min(
                self._threads, key=lambda key: self._outstanding[key] / self._threads[key]
            )
            self._outstanding[address] += 1
            return address

    def _placed_done(self, address: str | None) -> None:
        if address is not None:
            with self._lock:
                self._outstanding[address] -= 1

    def submit(self, tasks: Sequence[PicTask], priority: int = 0) -> list[Future[TaskOutcome]]:
        """One Dask task for all of `tasks` (callers group them by `shipment`)."""
        outcomes: list[Future[TaskOutcome]] = [Future() for _ in tasks]
        address = self._place()
        workers = self._allowed if address is None else [address]
        # Scattered straight to a worker: the input bytes never sit in the scheduler's graph.
        [shipped] = self.client.scatter([tuple(tasks)], direct=True, hash=False, workers=workers)
        remote = self.client.submit(
            run_pic_tasks,
            shipped,
            key=f"ciimage-{tasks[0].job_id}-{time.monotonic_ns()}",
            pure=False,
            priority=priority,
            workers=workers,
            allow_other_workers=False,
        )

        def settle(done: DaskFuture) -> None:
            # `done`, not `remote`: a closure over its own future is a reference cycle that
            # keeps the task (and its input bytes) in the scheduler until a GC pass.
            try:
                for outcome, result in zip(outcomes, done.result(), strict=True):
                    outcome.set_result(result)
            except BaseException as exc:  # a lost worker, a cancelled future
                for outcome in outcomes:
                    if not outcome.done():
                        outcome.set_exception(exc)
            finally:
                done.release()
                shipped.release()
                self._placed_done(address)

        remote.add_done_callback(settle)
        return outcomes

    def abandon(self, futures: Sequence[Future[TaskOutcome]]) -> None:
        """Nothing to free: Dask cannot stop a running task, and a task whose plan deadline
        (the same timeout) passed before it started stops before its first action."""

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


__all__ = ["DaskExecutor", "JobExecutor", "ThreadExecutor", "make_executor", "shipments"]


def make_executor(kind: str, workers: int, scheduler: str | None = None) -> JobExecutor:
    """`threads` or `dask` (a LocalCluster, or the cluster at `scheduler`)."""
    if kind == "threads" and scheduler is None:
        return ThreadExecutor(workers, PREFETCH_PER_SLOT)
    return DaskExecutor(scheduler, workers)
