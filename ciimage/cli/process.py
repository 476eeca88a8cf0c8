"""`ciimage process INPUT RULE [-o OUTPUT]`: apply a rule to an image file (or stdin)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ciimage.cli.options import (
    add_bucket_root,
    add_verbose,
    read_input,
    refuse_terminal_output,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "process",
        help="apply a processing rule to an image",
        description="Apply a CI processing rule. The output format comes from the rule (or the "
        "input's own format), never from the output file name.",
    )
    parser.add_argument("input", metavar="INPUT", help="image file, or - for stdin")
    parser.add_argument("rule", metavar="RULE", help="a rule, URL or query string")
    parser.add_argument(
        "-o", "--output", metavar="OUTPUT", help="output file (default: stdout, if not a terminal)"
    )
    parser.add_argument(
        "--backend",
        choices=("auto", "vips", "pillow"),
        default="auto",
        help="pixel backend (default: auto, libvips with Pillow where libvips lacks a codec)",
    )
    add_bucket_root(parser)
    parser.add_argument(
        "--styles-from",
        metavar="DIR",
        type=Path,
        help="a `ciimage serve --root` folder whose stored styles `style/NAME` may name "
        "(default: --bucket-root)",
    )
    parser.add_argument(
        "--bucket",
        metavar="NAME",
        help="whose styles to use when the root holds styles of several buckets",
    )
    parser.add_argument(
        "--style",
        action="append",
        default=[],
        metavar="NAME=RULE",
        help="a style for `style/NAME`, without a server (repeatable; wins over stored ones)",
    )
    add_verbose(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.output:
        refuse_terminal_output()
    from ciimage.cli.styles import styles_for

    data = read_input(args.input)
    styles = styles_for(args.rule, args.style, args.styles_from or args.bucket_root, args.bucket)
    resolver = None
    if args.bucket_root:
        from ciimage.watermark.resolver import BucketRootResolver

        resolver = BucketRootResolver(args.bucket_root)
    from ciimage.imaging.process import process

    result = process(data, args.rule, backend=args.backend, resolver=resolver, styles=styles)
    if args.output:
        from ciimage.files import write_atomically

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
