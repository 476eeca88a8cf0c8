"""`ciimage explain RULE --size WxH | --input FILE`: the plan as a table, one row per operation.

With `--size` the plan comes from sizes alone (scrop shows its target; watermarks are not drawn);
with `--input` it is the `ExecutionPlan` that `ciimage process` would run on that file: scrop's
face crop is concrete, watermarks are placed, animated frames and delays are listed. Every row
names the action in CI's words and the output format and quality after its stage.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ciimage.errors import CIError, RuleError
from ciimage.imaging import plan as planner
from ciimage.imaging.describe import describe_action
from ciimage.imaging.output import OutputSettings, resolve_output
from ciimage.rules import ast

Row = tuple[str, str, str, str, str]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show each stage's operations, sizes and output format for an input",
        description="Dry-run a rule: each operation, its effect, the output format and quality "
        "after its stage, and the size after it.",
    )
    parser.add_argument("rule", metavar="RULE", help="a rule, URL or query string")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--size", metavar="WxH", help="input size, e.g. 1200x800")
    source.add_argument("--input", metavar="FILE", help="an image file: explain the real plan")
    parser.add_argument(
        "--format",
        default="jpg",
        metavar="FMT",
        help="input format with --size (default jpg), for the output format and quality",
    )
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


def operation_text(operation: object) -> str:
    try:
        from ciimage.rules.canonical import operation_to_rule

        return operation_to_rule(operation)
    except Exception:  # an operation the canonical printer does not know: say so in CI's terms
        return "operation"


def output_text(settings: OutputSettings | None) -> str:
    if settings is None:
        return "-"
    return settings.format if settings.quality is None else f"{settings.format} q{settings.quality}"


def stage_outputs(
    stages: tuple[ast.Stage, ...], input_format: str, input_quality: int | None
) -> list[OutputSettings | None]:
    """The output settings after each stage (a stage's format and quality as it leaves it)."""
    found: list[OutputSettings | None] = []
    for index in range(len(stages)):
        prefix = ast.Pipeline(stages=stages[: index + 1])
        try:
            found.append(
                resolve_output(prefix, input_format=input_format, input_quality=input_quality)
            )
        except CIError:
            found.append(None)
    return found


def table_rows(
    stages: tuple[planner.StagePlan, ...],
    input_size: tuple[int, int],
    outputs: list[OutputSettings | None],
) -> list[Row]:
    rows: list[Row] = [("", "input", "", "", f"{input_size[0]}x{input_size[1]}")]
    size = input_size
    for index, (stage, output) in enumerate(zip(stages, outputs, strict=True), start=1):
        out = output_text(output)
        size = (stage.width, stage.height)
        if stage.skipped is not None:
            does = f"skipped (ignore-error): {stage.skipped.message}"
            rows.append((str(index), operation_text(stage.stage), does, out, _size(size)))
            continue
        if not stage.steps:
            rows.append(
                (str(index), operation_text(stage.stage), "no pixel change", out, _size(size))
            )
        for step in stage.steps:
            does = "; ".join(describe_action(a) for a in step.actions) or "no pixel change"
            rows.append(
                (
                    str(index),
                    operation_text(step.operation),
                    does,
                    out,
                    _size((step.width, step.height)),
                )
            )
    rows.append(("", "output", "", output_text(outputs[-1] if outputs else None), _size(size)))
    return rows


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def format_table(rows: list[Row]) -> str:
    header = ("stage", "operation", "does", "output", "size")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.input:
        print(explain_file(Path(args.input).read_bytes(), args.rule))
        return 0
    width, height = parse_size(args.size)
    result = planner.plan(args.rule, width, height, orientation=args.orientation)
    stages = tuple(stage.stage for stage in result.stages)
    outputs = stage_outputs(stages, args.format, None)
    print(format_table(table_rows(result.stages, (width, height), outputs)))
    return 0


def explain_file(data: bytes, rule: str) -> str:
    """The ExecutionPlan `process` would run on `data`, as a table and a summary line."""
    from ciimage.imaging.prepare import PIXELS, prepare

    plan = prepare(data, rule)
    if plan.source is None:
        return "the input is returned unchanged (ignore-error/1 on an input over CI's limits)"
    header = plan.source.header
    size = (header.width, header.height)
    if plan.kind != PIXELS:
        return f"{header.format} {_size(size)}: returned as it is ({plan.kind}); no pixel work"
    stages = tuple(stage.stage for stage in plan.stages)
    outputs = stage_outputs(stages, header.format, plan.input_quality)
    lines = [format_table(table_rows(plan.stages, size, outputs))]
    animation = plan.request.animation if plan.request else None
    frames = f"{plan.frames} frames" if animation else "1 frame"
    lines.append(f"backend {plan.backend}; {frames} of {header.frames} decoded and written")
    if animation is not None:
        plays = "forever" if animation.loop == 0 else f"{animation.loop} plays"
        lines.append(f"delays (ms): {', '.join(map(str, animation.delays))}; {plays}")
    return "\n".join(lines)
