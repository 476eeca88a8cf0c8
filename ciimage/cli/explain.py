"""`ciimage explain RULE --size WxH`: the plan as a table, one row per operation."""

from __future__ import annotations

import argparse
import re

from ciimage.errors import RuleError
from ciimage.imaging import plan as planner


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show each stage's operations and sizes for an input size",
        description="Dry-run a rule on an input size: each operation, its effect, the size after.",
    )
    parser.add_argument("rule", metavar="RULE", help="a rule, URL or query string")
    parser.add_argument("--size", required=True, metavar="WxH", help="input size, e.g. 1200x800")
    parser.add_argument(
        "--orientation",
        type=int,
        default=1,
        choices=range(1, 9),
        metavar="N",
        help="EXIF orientation of the input (1-8), for auto-orient",
    )
    parser.set_defaults(func=run)


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise RuleError(f"--size {text!r} must be WIDTHxHEIGHT in pixels, e.g. 1200x800")
    return int(match[1]), int(match[2])


def describe_action(action: planner.Action) -> str:
    match action:
        case planner.Resize(width=w, height=h):
            return f"resize to {w}x{h}"
        case planner.Extract(left=x, top=y, width=w, height=h):
            return f"extract {w}x{h} at ({x}, {y})"
        case planner.Embed(width=w, height=h, left=x, top=y, color=c):
            return f"pad to {w}x{h} with {c}, image at ({x}, {y})"
        case planner.Mask(shape=shape, radius=r):
            return f"{shape} mask, radius {r}"
        case planner.Turn(degrees=d, width=w, height=h):
            return f"rotate {d} deg clockwise onto {w}x{h}"
        case planner.Orient(orientation=o):
            return f"apply EXIF orientation {o}"
        case planner.Mirror(direction=d):
            return f"flip {d.value}"
        case planner.Adjust(operation=op):
            return f"{type(op).__name__.lower()} filter"
        case planner.FaceCrop(width=w, height=h):
            return f"cover {w}x{h}, crop around the largest face (unchanged without one)"
        case planner.Overlay(node=node):
            return f"composite {type(node).__name__}"
    return type(action).__name__


def operation_text(operation: object) -> str:
    try:
        from ciimage.rules.canonical import operation_to_rule

        return operation_to_rule(operation)
    except Exception:  # an operation the canonical printer does not know: show its type
        return type(operation).__name__


def table_rows(result: planner.Plan) -> list[tuple[str, str, str, str]]:
    rows = [("", "input", "", f"{result.input_width}x{result.input_height}")]
    for index, stage in enumerate(result.stages, start=1):
        if stage.skipped is not None:
            rows.append(
                (
                    str(index),
                    operation_text(stage.stage),
                    f"skipped (ignore-error): {stage.skipped.message}",
                    f"{stage.width}x{stage.height}",
                )
            )
            continue
        if not stage.steps:
            rows.append(
                (
                    str(index),
                    operation_text(stage.stage),
                    "no pixel change",
                    f"{stage.width}x{stage.height}",
                )
            )
        for step in stage.steps:
            actions = "; ".join(describe_action(a) for a in step.actions) or "no pixel change"
            rows.append(
                (str(index), operation_text(step.operation), actions, f"{step.width}x{step.height}")
            )
    rows.append(("", "output", "", f"{result.width}x{result.height}"))
    return rows


def format_table(rows: list[tuple[str, str, str, str]]) -> str:
    header = ("stage", "operation", "does", "size")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    width, height = parse_size(args.size)
    result = planner.plan(args.rule, width, height, orientation=args.orientation)
    print(format_table(table_rows(result)))
    return 0
