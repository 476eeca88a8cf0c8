"""`ciimage info INPUT [--exif | --ave | --inspect]`: print what CI answers about an image."""

from __future__ import annotations

import argparse
import sys

from ciimage.cli.options import add_verbose, read_input


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "info",
        help="print imageInfo, exif, imageAve or ImageInspect JSON for an image",
        description="Print the JSON CI answers about an image (imageInfo by default: format, "
        "width, height, size, orientation).",
    )
    parser.add_argument("input", metavar="INPUT", help="image file, or - for standard input")
    query = parser.add_mutually_exclusive_group()
    query.add_argument(
        "--exif",
        dest="query",
        action="store_const",
        const="exif",
        help="the EXIF tags, as CI's ?exif answers them",
    )
    query.add_argument(
        "--ave",
        dest="query",
        action="store_const",
        const="ave",
        help='the average colour, as CI\'s ?imageAve answers it ({"RGB": "0xrrggbb"})',
    )
    query.add_argument(
        "--inspect",
        dest="query",
        action="store_const",
        const="inspect",
        help="whether a video stream (MPEG-TS) is hidden in the image, as CI's "
        "?ci-process=ImageInspect answers it",
    )
    add_verbose(parser)
    parser.set_defaults(func=run, query="info")


def run(args: argparse.Namespace) -> int:
    from ciimage.info import answer_query
    from ciimage.rules.ast import Exif, ImageAve, ImageInfo, ImageInspect

    stages = {"info": ImageInfo, "exif": Exif, "ave": ImageAve, "inspect": ImageInspect}
    body = answer_query(read_input(args.input), stages[args.query]())
    sys.stdout.buffer.write(body + b"\n")
    sys.stdout.flush()
    return 0
