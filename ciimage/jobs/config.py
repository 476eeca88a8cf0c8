"""How `ciimage serve` runs jobs: the executor, the timeout and the callback allow-list."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_JOB_TIMEOUT = 300.0  # ruling A8
DEFAULT_CALLBACK_HOSTS = ("127.0.0.1", "::1", "localhost")  # ruling A19: loopback only


@dataclass(frozen=True)
class JobsConfig:
    """`executor` is `dask` (a LocalCluster of `workers` processes, or the cluster at
    `dask_scheduler`) or `threads` (`workers` threads in the server). `served` is False in a
    server of several processes (`--workers N`): one root has one dispatcher, so job calls are
    refused there rather than split between processes that cannot all dispatch."""

    executor: str = "threads"
    workers: int = 2
    dask_scheduler: str | None = None
    job_timeout: float = DEFAULT_JOB_TIMEOUT
    callback_allow: frozenset[str] = frozenset(DEFAULT_CALLBACK_HOSTS)
    served: bool = True

    def __post_init__(self) -> None:
        if self.executor not in ("dask", "threads"):
            raise ValueError(f"executor must be dask or threads, not {self.executor!r}")
        if self.workers < 1:
            raise ValueError("the job executor needs at least 1 worker")
        if self.job_timeout <= 0:
            raise ValueError("the job timeout must be positive")
