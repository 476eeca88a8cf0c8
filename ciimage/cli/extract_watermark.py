"""`ciimage extract-watermark INPUT RULE [--json] [--watermark-key K]`: read a blind watermark."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from ciimage.cli.options import add_bucket_root
from ciimage.watermark.blind import DEFAULT_KEY


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "extract-watermark",
        help="extract a blind watermark (watermark/4) from an image",
        description="Run a watermark/4/type/<1|2|3>[/image/<b64 URL>] rule on an image and print "
        "WatermarkStatus (0-100: > 75 present, 60-75 suspected, < 60 absent) and, for type 3, the "
        "text.",
    )
    parser.add_argument("input", metavar="INPUT", help="image file, or - for stdin")
    parser.add_argument("rule", metavar="RULE", help="a watermark/4 rule")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--watermark-key",
        metavar="KEY",
        default=DEFAULT_KEY,
        help="the key the mark was added with (default: ciimage's documented key)",
    )
    add_bucket_root(parser)
    parser.add_argument(
        "-o", "--output", metavar="PNG", help="write the recovered mark (types 1, 2) here"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ciimage.files import write_atomically
    from ciimage.watermark.blind import extract_watermark

    data = sys.stdin.buffer.read() if args.input == "-" else Path(args.input).read_bytes()
    resolver = None
    if args.bucket_root:
        from ciimage.watermark.resolver import BucketRootResolver

        resolver = BucketRootResolver(Path(args.bucket_root))
    found = extract_watermark(data, args.rule, resolver=resolver, key=args.watermark_key)
    if args.output and found.image is not None:
        write_atomically(Path(args.output), found.image)
    if args.json:
        answer = {"type": found.type, "WatermarkStatus": found.status, "text": found.text}
        if found.image is not None:
            answer["image"] = base64.b64encode(found.image).decode()
        print(json.dumps(answer))
    else:
        print(f"WatermarkStatus {found.status}")
        if found.type == 3:
            print(f"text {found.text if found.text is not None else '(none)'}")
    return 0
