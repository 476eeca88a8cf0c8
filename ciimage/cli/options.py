"""Flags and checks several subcommands share, so each says the same thing the same way."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_CODES = (
    "exit status: 0 done, 1 file or system error, 2 rule or image error (CI's code shown) or "
    "a usage error"
)


def add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="after an image error, also print what the decoding library said",
    )


def add_bucket_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bucket-root",
        metavar="DIR",
        type=Path,
        help="the folder that holds the bucket folders (as `ciimage serve --root`): watermark URL "
        "http://BUCKET.cos.REGION.myqcloud.com/KEY reads DIR/BUCKET/KEY",
    )


class TerminalOutputError(OSError):
    """Image bytes would go to a terminal."""


def refuse_terminal_output() -> None:
    """Refuse to write binary image data to a terminal, as curl does."""
    if sys.stdout.isatty():
        raise TerminalOutputError(
            "standard output is a terminal; write the image with -o FILE or pipe it "
            "(| display, > out.jpg)"
        )


def read_input(name: str) -> bytes:
    """The bytes of INPUT (`-` for standard input)."""
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    if path.is_dir():
        raise IsADirectoryError(21, "is a folder, not an image file", name)
    return path.read_bytes()
