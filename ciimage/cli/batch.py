"""`ciimage batch SRC RULE --out DST`: one rule over every image of a folder, scaled out on Dask.

The engine is the jobs' one (`ciimage.jobs.folder_batch`); this module is the command line: the
progress bar (rich, on a terminal only), the summary and the exit status (1 if anything failed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from ciimage.jobs.folder_batch import BatchCounts


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="apply a rule to every image of a folder (threads or a Dask cluster)",
        description="Apply a CI rule to every file under SRC, writing DST/<name>. Output names "
        "take the job variables ${InputPath}, ${InputName}, ${InputNameAndExt}, ${ext}, ${Jobid}.",
    )
    parser.add_argument("source", metavar="SRC", type=Path, help="folder (or a bucket folder)")
    parser.add_argument("rule", metavar="RULE", help="a CI rule, e.g. imageMogr2/thumbnail/512x512")
    parser.add_argument("--out", required=True, type=Path, metavar="DST", help="output folder")
    parser.add_argument(
        "--name",
        default="${InputPath}/${InputName}.${ext}",
        help="output key template (default ${InputPath}/${InputName}.${ext})",
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip inputs already written for the same rule"
    )
    parser.add_argument(
        "--failures",
        type=Path,
        metavar="FILE",
        help="JSON-lines file of failed inputs (default DST/.ciimage-batch/failures.jsonl)",
    )
    parser.add_argument(
        "--executor", choices=["dask", "threads"], default="dask", help="default: dask"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="LocalCluster processes or threads (default 2)"
    )
    parser.add_argument(
        "--dask-scheduler", metavar="ADDRESS", help="use the Dask cluster at ADDRESS"
    )
    parser.add_argument(
        "--bucket-root",
        metavar="DIR",
        help="folder standing for the bucket: image watermark URLs resolve to files under it",
    )
    parser.set_defaults(func=run)


def _resolver(bucket_root: str | None) -> Callable[[str], bytes]:
    from ciimage.watermark.resolver import BucketRootResolver, default_resolver

    return BucketRootResolver(Path(bucket_root)) if bucket_root else default_resolver()


def run(args: argparse.Namespace) -> int:
    from ciimage.jobs.executors import make_executor
    from ciimage.jobs.folder_batch import FolderBatch, run_folder_batch
    from ciimage.rules import validate

    if not args.source.is_dir():
        print(f"ciimage batch: {args.source} is not a folder", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("ciimage batch: --workers must be at least 1", file=sys.stderr)
        return 2
    pipeline = validate(args.rule)  # a bad rule: one line, exit 2, before any worker starts
    batch = FolderBatch(
        source=args.source,
        rule=args.rule,
        pipeline=pipeline,
        out=args.out,
        name=args.name,
        resume=args.resume,
        failures_path=args.failures,
    )
    executor = make_executor(args.executor, args.workers, args.dask_scheduler)
    resolver = _resolver(args.bucket_root)
    with _Progress() as progress:
        executor.start()
        try:
            counts = run_folder_batch(batch, executor, resolver, progress.update)
        finally:
            executor.close()
    rate = counts.done / counts.elapsed if counts.elapsed > 0 else 0.0
    summary = (
        f"ciimage batch: {counts.done} done, {counts.failed} failed, {counts.skipped} skipped "
        f"of {counts.total} in {counts.elapsed:.1f} s ({rate:.1f} images/s)"
    )
    if counts.failed:
        summary += f"; failures in {batch.failures_file}"
    print(summary, file=sys.stderr)
    return 1 if counts.failed else 0


class _Progress:
    """A rich progress bar on a terminal (done/failed/rate/ETA); nothing when not a TTY."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> _Progress:
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("done {task.fields[done]}  failed {task.fields[failed]}"),
                TextColumn("{task.fields[rate]:.1f} img/s"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("batch", total=None, done=0, failed=0, rate=0.0)
        return self

    def update(self, counts: BatchCounts) -> None:
        if self._progress is None or self._task is None:
            return
        finished = counts.done + counts.failed + counts.skipped
        rate = counts.done / counts.elapsed if counts.elapsed > 0 else 0.0
        self._progress.update(
            self._task,
            total=counts.total,
            completed=finished,
            done=counts.done,
            failed=counts.failed,
            rate=rate,
        )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
