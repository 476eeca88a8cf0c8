"""`ciimage process INPUT RULE [-o OUTPUT]`: apply a rule to an image file (or stdin)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "process",
        help="apply a processing rule to an image",
        description="Apply a CI processing rule. The output format comes from the rule (or the "
        "input's own format), never from the output file name.",
    )
    parser.add_argument("input", metavar="INPUT", help="image file, or - for stdin")
    parser.add_argument("rule", metavar="RULE", help="a rule, URL or query string")
    parser.add_argument("-o", "--output", metavar="OUTPUT", help="output file (default: stdout)")
    parser.add_argument(
        "--backend",
        choices=("auto", "vips", "pillow"),
        default="auto",
        help="pixel backend (default: auto, libvips with Pillow where libvips lacks a codec)",
    )
    parser.add_argument(
        "--bucket-root",
        metavar="DIR",
        help="folder standing for the bucket: image watermark URLs resolve to files under it",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ciimage.imaging.process import process

    data = sys.stdin.buffer.read() if args.input == "-" else Path(args.input).read_bytes()
    resolver = None
    if args.bucket_root:
        from ciimage.watermark.resolver import BucketRootResolver

        resolver = BucketRootResolver(Path(args.bucket_root))
    result = process(data, args.rule, backend=args.backend, resolver=resolver)
    if args.output:
        write_atomically(Path(args.output), result.data)
        print(
            f"{args.output}: {result.format} {result.width}x{result.height} "
            f"{len(result.data)} bytes",
            file=sys.stderr,
        )
    else:
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
    return 0


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written output."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
