"""`ciimage serve`: a local COS + CI endpoint that the official COS SDKs use unmodified."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

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
            "at it with CosConfig(..., Scheme='http', IP='127.0.0.1', Port=PORT)."
        ),
    )
    parser.add_argument(
        "--root", required=True, type=Path, help="folder holding one folder per bucket"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)"
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
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.set_defaults(func=run)


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

    from ciimage.server import create_app
    from ciimage.server.listen import bind_listener
    from ciimage.server.storage import BucketStore

    config = config_from_args(args)
    if not config.root.is_dir():
        print(f"ciimage serve: root folder {config.root} does not exist", file=sys.stderr)
        return 1
    store = BucketStore(config.root)
    if config.default_bucket:
        store.create_bucket(config.default_bucket)
    # Binding here, not in uvicorn, lets `--port 0` report the port it got before serving.
    listener = bind_listener(args.host, args.port)
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
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config), log_level=args.log_level, access_log=False, server_header=False
        )
    )
    server.run(sockets=[listener])
    return 0
