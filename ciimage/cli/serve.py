"""`ciimage serve`: a local COS + CI endpoint that the official COS SDKs use unmodified."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

from ciimage.jobs.config import DEFAULT_CALLBACK_HOSTS, DEFAULT_JOB_TIMEOUT, JobsConfig
from ciimage.server.config import (
    DEFAULT_MAX_QUEUE,
    DEFAULT_STYLE_SEPARATORS,
    ServerConfig,
    default_concurrency,
)

SECRET_ID_VARIABLE = "CIIMAGE_SECRET_ID"
SECRET_KEY_VARIABLE = "CIIMAGE_SECRET_KEY"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run a local COS + CI server over a folder of buckets",
        description=(
            "Serve DIR/<bucket>/<key> as COS objects with CI image processing. Point a COS SDK "
            "at it with CosConfig(..., Scheme='http', IP='127.0.0.1', Port=PORT). One line per "
            "request goes to standard error (--quiet: none)."
        ),
    )
    parser.add_argument(
        "--root", required=True, type=Path, help="folder holding one folder per bucket"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=8080,
        help="port 1-65535 (default 8080; 0 picks a free one)",
    )
    parser.add_argument(
        "--secret-id", default=os.environ.get(SECRET_ID_VARIABLE), help=f"or ${SECRET_ID_VARIABLE}"
    )
    parser.add_argument(
        "--secret-key",
        default=os.environ.get(SECRET_KEY_VARIABLE),
        help=f"or ${SECRET_KEY_VARIABLE}; with a key pair every request must be signed",
    )
    parser.add_argument(
        "--default-bucket",
        help="bucket for requests whose Host is an IP or localhost (default: the only bucket)",
    )
    parser.add_argument(
        "--bucket",
        action="append",
        default=[],
        metavar="NAME",
        help="create bucket NAME (a folder under --root) at start if missing; repeatable",
    )
    parser.add_argument(
        "--style-separators",
        default=DEFAULT_STYLE_SEPARATORS,
        help=f"characters that start a style name in a URL (default {DEFAULT_STYLE_SEPARATORS!r})",
    )
    parser.add_argument(
        "--max-concurrency",
        type=int,
        default=default_concurrency(),
        help="images processed at once (default: CPU count)",
    )
    parser.add_argument(
        "--max-queue",
        type=int,
        default=DEFAULT_MAX_QUEUE,
        help=f"requests that may wait beyond those, then 503 (default {DEFAULT_MAX_QUEUE})",
    )
    parser.add_argument(
        "--watermark-key",
        metavar="KEY",
        help="key of blind watermarks (watermark/3, /4); default: ciimage's documented key",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="uvicorn's own messages (default info)",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log line per request")
    parser.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="access log lines as text (default) or one JSON object per line",
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="server processes sharing the port (default 1; see docs/semantics.md)",
    )
    add_job_arguments(parser)
    parser.set_defaults(func=run)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def port_number(text: str) -> int:
    """A TCP port, 1-65535, or 0 for any free one."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: ports are 1-65535 (0: any free)")
    return port


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    jobs = parser.add_argument_group("jobs (CreatePicJobs, inventory-triggered batches)")
    jobs.add_argument(
        "--executor",
        choices=["dask", "threads"],
        default="dask",
        help="where jobs run: Dask workers (default) or threads in the server",
    )
    jobs.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="use the Dask cluster at ADDRESS (tcp://host:8786) instead of a LocalCluster",
    )
    jobs.add_argument(
        "--job-workers",
        type=int,
        default=2,
        help="LocalCluster worker processes, or threads with --executor threads (default 2)",
    )
    jobs.add_argument(
        "--job-timeout",
        type=float,
        default=DEFAULT_JOB_TIMEOUT,
        help=f"seconds a job may run before it fails (default {DEFAULT_JOB_TIMEOUT:g})",
    )
    jobs.add_argument(
        "--callback-allow",
        action="append",
        metavar="HOST[:PORT]",
        help="a host job callbacks may go to (repeatable; default: loopback only)",
    )


def jobs_config_from_args(args: argparse.Namespace) -> JobsConfig:
    allowed = args.callback_allow or DEFAULT_CALLBACK_HOSTS
    try:
        return JobsConfig(
            executor="dask" if args.dask_scheduler else args.executor,
            workers=args.job_workers,
            dask_scheduler=args.dask_scheduler,
            job_timeout=args.job_timeout,
            callback_allow=frozenset(host.lower() for host in allowed),
            served=args.workers == 1,
        )
    except ValueError as exc:
        raise SystemExit(f"ciimage serve: {exc}") from None


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    try:
        return ServerConfig(
            root=args.root,
            secret_id=args.secret_id or None,
            secret_key=args.secret_key or None,
            default_bucket=args.default_bucket,
            style_separators=args.style_separators,
            max_concurrency=args.max_concurrency,
            max_queue=args.max_queue,
            watermark_key=args.watermark_key,
        )
    except ValueError as exc:
        raise SystemExit(f"ciimage serve: {exc}") from None


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ciimage.errors import CIError
    from ciimage.server import create_app
    from ciimage.server.listen import bind_listener
    from ciimage.server.storage import BucketStore

    config = config_from_args(args)
    jobs = jobs_config_from_args(args)
    one_libvips_thread_per_image()
    problem = root_problem(config.root)
    if problem:
        print(f"ciimage serve: {problem}", file=sys.stderr)
        return 1
    store = BucketStore(config.root)
    try:
        for name in [*args.bucket, *filter(None, [config.default_bucket])]:
            store.create_bucket(name, exist_ok=True)
    except CIError as exc:
        print(f"ciimage serve: {exc}", file=sys.stderr)
        return 1
    # Binding here, not in uvicorn, lets `--port 0` report the port it got before serving.
    try:
        listener = bind_listener(args.host, args.port)
    except OSError as exc:
        print(
            f"ciimage serve: cannot listen on {args.host}:{args.port}: {bind_problem(exc)}",
            file=sys.stderr,
        )
        return 1
    host, port = listener.getsockname()[:2]
    buckets = ", ".join(store.buckets()) or "none yet"
    print(
        f"ciimage serve: http://{host}:{port}  root {store.root}  buckets: {buckets}",
        file=sys.stderr,
    )
    if config.signatures_required:
        print(
            f"ciimage serve: COS v5 signatures required (SecretId {config.secret_id})",
            file=sys.stderr,
        )
    else:
        print(
            "ciimage serve: WARNING no --secret-id/--secret-key: anonymous access, "
            "every request is accepted unsigned",
            file=sys.stderr,
        )
    sys.stderr.flush()

    _log_to_stderr(args.log_level)

    def serve(listening: socket.socket) -> None:
        # Built in each worker (after the fork when --workers > 1): no threads cross a fork.
        app = create_app(config, jobs=jobs)
        served = app if args.quiet else with_access_log(app, args.log_format == "json")
        server = uvicorn.Server(
            uvicorn.Config(served, log_level=args.log_level, access_log=False, server_header=False)
        )
        server.run(sockets=[listening])

    if args.workers > 1:
        from ciimage.server.workers import serve_in_processes

        return serve_in_processes(serve, listener, args.workers)
    serve(listener)
    return 0


def one_libvips_thread_per_image() -> None:
    """The server already runs `--max-concurrency` images at once (one per core by default);
    libvips' own thread pool inside each image oversubscribes the cores. Measured on 2 cores,
    fit-in 512x512 of 2000x1500 JPEGs: 35.1 req/s with libvips' default, 45.8 with one thread
    per image. An explicit VIPS_CONCURRENCY still decides."""
    if "VIPS_CONCURRENCY" in os.environ:
        return
    import pyvips

    pyvips.concurrency_set(1)


def root_problem(root: Path) -> str | None:
    """Why `root` cannot be the server's folder of buckets, or None."""
    if root.is_dir():
        return None
    if root.exists():
        return f"--root {root} is a file; give the folder that holds the bucket folders"
    return f"--root folder {root} does not exist (create it, or give the folder of buckets)"


def bind_problem(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "the address is already in use (another server? pick --port, or 0 for any)"
    if exc.errno == errno.EACCES:
        return "permission denied (ports below 1024 need privileges; pick --port 8080)"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return "no such local address (--host is an address of this machine, e.g. 127.0.0.1)"
    return exc.strerror or str(exc)


def with_access_log(app: Any, json_lines: bool) -> Any:
    """`app` wrapped so that every request writes one line to standard error."""
    from ciimage.server.access_log import AccessLog
    from ciimage.server.hosts import parse_host

    state = app.state.ciimage
    return AccessLog(
        app,
        sys.stderr,
        json_lines=json_lines,
        bucket_of=lambda host: state.bucket_for(parse_host(host)),
    )


def _log_to_stderr(level: str) -> None:
    """ciimage's own loggers (jobs, server) on stderr, as uvicorn's are."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger = logging.getLogger("ciimage")
    logger.addHandler(handler)
    logger.setLevel(level.upper())
