"""`ciimage` command line: one module per subcommand, each with `register(subparsers)`.

Every subcommand module sets `func(args) -> int` on its parser and keeps its heavy imports
(numpy, pyvips, starlette) inside that function. Start-up stays fast because `main` imports only
the module of the subcommand being run: the others appear in `ciimage --help` from the one-line
summaries below, without their modules being imported.

Adding a subcommand: write `ciimage/cli/NAME.py` with `register`, add NAME to `SUBCOMMANDS` and
its summary to `SUMMARIES` (a name without a summary still works: its module is then imported to
build the parser, which costs its import time on every call).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ciimage import __version__
from ciimage.cli.options import EXIT_CODES
from ciimage.errors import CIError, escape_controls

SUBCOMMANDS = (
    "validate",
    "process",
    "explain",
    "demo",
    "info",
    "serve",
    "batch",
    "extract-watermark",
)

SUMMARIES: dict[str, str] = {
    "validate": "check rules and print their canonical form",
    "process": "apply a processing rule to an image",
    "explain": "show each stage's operations and sizes for an input size",
    "demo": "process sample photographs with the spec's example rules into an HTML page",
    "info": "print imageInfo, exif, imageAve or ImageInspect JSON for an image",
    "serve": "run a local COS + CI server over a folder of buckets",
    "batch": "apply a rule to every image of a folder, on threads or a Dask cluster",
    "extract-watermark": "extract a blind watermark (watermark/4) from an image",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv`, only the subcommand it names is fully registered."""
    parser = argparse.ArgumentParser(
        prog="ciimage",
        description="Tencent Cloud Infinite image processing, offline.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"ciimage {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = None if argv is None else _chosen_command(argv)
    for name in SUBCOMMANDS:
        if argv is not None and name != chosen and name in SUMMARIES:
            subparsers.add_parser(name, help=SUMMARIES[name], add_help=False)
            continue
        try:
            module = importlib.import_module(f"ciimage.cli.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ciimage.cli.{name.replace('-', '_')}":
                continue  # not built yet
            raise
        module.register(subparsers)
        registered = subparsers.choices.get(name)
        if registered is not None and not registered.epilog:
            registered.epilog = EXIT_CODES  # the same three codes for every subcommand
    return parser


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The first word that is not an option: the top-level parser has no option taking a value."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(words).parse_args(words)
    verbose = bool(getattr(args, "verbose", False))
    try:
        return int(args.func(args) or 0)
    except CIError as exc:
        print(f"error {exc.code}: {escape_controls(exc.message)}", file=sys.stderr)
        detail = getattr(exc, "detail", None)
        if verbose and detail:
            print(f"  library said: {detail}", file=sys.stderr)
        return 2
    except OSError as exc:
        from ciimage.files import describe_os_error

        print(f"error: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
