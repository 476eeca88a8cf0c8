"""`ciimage info INPUT [--exif | --ave | --inspect]`: print what CI answers about an image."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ciimage.info import answer_query
from ciimage.rules.ast import Exif, ImageAve, ImageInfo, ImageInspect, QueryStage


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "info",
        help="print imageInfo, exif, imageAve or ImageInspect JSON for an image",
        description="Print the JSON CI answers about an image (imageInfo by default).",
    )
    parser.add_argument("input", metavar="INPUT", help="image file, or - for standard input")
    query = parser.add_mutually_exclusive_group()
    query.add_argument("--exif", dest="query", action="store_const", const="exif")
    query.add_argument("--ave", dest="query", action="store_const", const="ave")
    query.add_argument("--inspect", dest="query", action="store_const", const="inspect")
    parser.set_defaults(func=run, query="info")


_STAGES: dict[str, QueryStage] = {
    "info": ImageInfo(),
    "exif": Exif(),
    "ave": ImageAve(),
    "inspect": ImageInspect(),
}


def run(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.input == "-" else Path(args.input).read_bytes()
    body = answer_query(data, _STAGES[args.query])
    sys.stdout.buffer.write(body + b"\n")
    sys.stdout.flush()
    return 0
