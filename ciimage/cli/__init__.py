"""`ciimage` command line: one module per subcommand, each with `register(subparsers)`.

Every subcommand module sets `func(args) -> int` on its parser. A `CIError` becomes one readable
line on stderr and exit status 2; a file that cannot be read or written, exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ciimage.errors import CIError

SUBCOMMANDS = ("validate", "process", "explain", "demo", "info", "serve", "extract-watermark")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ciimage", description="Tencent Cloud Infinite image processing, offline."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"ciimage.cli.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ciimage.cli.{name.replace('-', '_')}":
                continue  # not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CIError as exc:
        print(f"error {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
