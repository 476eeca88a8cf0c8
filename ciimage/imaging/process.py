"""`process(data, rule)`: header, limits, plan, execute on a backend, encode.

1. Sniff and read the header only; refuse input over CI's limits before any pixel is decoded.
2. Plan every stage from the header's size (pure; image-dependent limits are found here).
3. Run each operation's actions on one backend, re-planning from the size actually reached (only
   scrop, which depends on a face, can differ from the dry run), with a deadline between steps.
4. Encode with the settings the whole pipeline asks for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ciimage.errors import (
    ImageTooLargeError,
    OutputTooLargeError,
    ResolutionExceededError,
    RuleError,
    UnsupportedFormatError,
)
from ciimage.header import ImageHeader, read_checked_header
from ciimage.imaging import plan as planner
from ciimage.imaging.backends import choose_backend
from ciimage.imaging.backends.base import Backend
from ciimage.imaging.context import ExecutionContext, Limits
from ciimage.imaging.plan import FaceCrop, Orient, PlanContext, Resize
from ciimage.rules import ast

# Actions that read their input top to bottom once, so libvips may decode sequentially.
SEQUENTIAL_ACTIONS = (
    planner.Resize,
    planner.Extract,
    planner.Embed,
    planner.Mask,
    planner.Adjust,
    planner.Overlay,
)
ANIMATED_FORMATS = frozenset({"gif", "webp"})
# Failures `ignore-error/1` turns into "return the stage's input" (addendum 25).
IGNORABLE_ERRORS = (RuleError, OutputTooLargeError, ImageTooLargeError, ResolutionExceededError)


@dataclass(frozen=True)
class Result:
    data: bytes
    format: str
    width: int
    height: int
    quality: int | None = None
    frames: int = 1


def process(
    data: bytes,
    rule: str | ast.Pipeline,
    *,
    backend: str = "auto",
    limits: Limits | None = None,
    styles: Mapping[str, str] | None = None,
    resolver: Any = None,
) -> Result:
    """Apply `rule` to the image `data` as CI would; every bad input raises a `CIError`."""
    data = bytes(data)
    pipeline = _resolve(planner.to_pipeline(rule), styles)
    stages = pipeline.stages
    image_stages = tuple(s for s in stages if not isinstance(s, ast.QUERY_STAGE_TYPES))
    query = stages[-1] if pipeline.is_query else None
    first_ignores = bool(stages) and bool(getattr(stages[0], "ignore_error", False))

    try:
        header = read_checked_header(data)
    except (ImageTooLargeError, ResolutionExceededError):
        if not first_ignores:
            raise
        return _answer(query, _original(data, None))

    # A query answers from the bytes themselves (ciimage.info estimates quality on its own).
    untouched_quality = query is None
    if not image_stages:
        return _answer(query, _original(data, header, quality=untouched_quality))

    dry_run = planner.plan(
        ast.Pipeline(stages=image_stages),
        header.width,
        header.height,
        orientation=header.orientation,
    )
    active = tuple(p.stage for p in dry_run.stages if p.skipped is None)
    if not active:
        return _answer(query, _original(data, header, quality=untouched_quality))

    from ciimage.imaging.jpeg_quality import estimate_jpeg_quality
    from ciimage.imaging.metadata import NO_METADATA, read_metadata
    from ciimage.imaging.output import resolve_output

    input_quality = estimate_jpeg_quality(data) if header.format == "jpg" else None
    settings = resolve_output(
        ast.Pipeline(stages=active), input_format=header.format, input_quality=input_quality
    )
    if header.animated and settings.format in ANIMATED_FORMATS:
        raise UnsupportedFormatError(
            f"animated {header.format} input ({header.frames} frames) to animated "
            f"{settings.format} output is not supported yet; add format/png or format/jpg "
            "to get the first frame"
        )
    if settings.format == "svgc":
        # svgc optimises the SVG text itself (ruling 16); no pixels are involved.
        from ciimage.imaging.encode import compress_svg

        svg = compress_svg(data)
        return _answer(query, Result(svg.data, svg.format, header.width, header.height))
    context = ExecutionContext(
        header=header,
        source=data,
        output_has_alpha=settings.has_alpha,
        resolver=resolver,
        limits=limits or Limits(),
        frames=1,  # the first frame, until animated output lands
        metadata=NO_METADATA if settings.strip else read_metadata(data),
    )
    actions = dry_run.actions
    chosen = choose_backend(
        backend, header.format, settings.format, actions, (header.width, header.height)
    )
    first_resize = actions[0] if actions and isinstance(actions[0], Resize) else None
    sequential = all(isinstance(a, SEQUENTIAL_ACTIONS) for a in actions)
    image = chosen.load(context, first_resize, sequential)
    image = execute(chosen, image, active, context)
    context.check_deadline("encoding")
    encoded = chosen.encode(image, settings, context)
    if encoded.data is data:  # size-limit's `!` kept the input
        result = Result(data, header.format, header.width, header.height, input_quality)
    else:
        width, height = chosen.size(image)
        result = Result(
            encoded.data, encoded.format, width, height, encoded.quality, frames=context.frames
        )
    return _answer(query, result)


def execute(
    backend: Backend, image: Any, stages: tuple[ast.Stage, ...], context: ExecutionContext
) -> Any:
    """Run each stage's operations; a stage with ignore-error/1 that fails leaves its input."""
    size = (context.header.width, context.header.height)
    plan_context = PlanContext(orientation=context.header.orientation)
    for stage in stages:
        stage_input, stage_size = image, size
        try:
            image, size = _run_stage(backend, image, stage, size, plan_context, context)
        except IGNORABLE_ERRORS:
            if not getattr(stage, "ignore_error", False):
                raise
            image, size = stage_input, stage_size
    return image


def _run_stage(
    backend: Backend,
    image: Any,
    stage: ast.Stage,
    size: tuple[int, int],
    plan_context: PlanContext,
    context: ExecutionContext,
) -> tuple[Any, tuple[int, int]]:
    operations = stage.operations if isinstance(stage, ast.MogrStage) else (stage,)
    for operation in operations:
        actions, size = planner.plan_operation(operation, size, plan_context)
        for action in actions:
            context.check_deadline(type(action).__name__.lower())
            image = backend.apply(image, action, context)
            if isinstance(action, Orient):
                context.orientation_applied = True
            if isinstance(action, FaceCrop):
                size = backend.size(image)  # no face: the input size stands
    return image, size


def _resolve(pipeline: ast.Pipeline, styles: Mapping[str, str] | None) -> ast.Pipeline:
    if styles is None and not any(isinstance(s, ast.StyleRef) for s in pipeline.stages):
        return pipeline
    from ciimage.rules import resolve_styles

    return resolve_styles(pipeline, styles or {})


def _original(data: bytes, header: ImageHeader | None, *, quality: bool = True) -> Result:
    if header is None:
        from ciimage.header import sniff_format

        return Result(data, sniff_format(data), 0, 0)
    from ciimage.imaging.jpeg_quality import estimate_jpeg_quality

    estimate = estimate_jpeg_quality(data) if quality and header.format == "jpg" else None
    return Result(data, header.format, header.width, header.height, estimate, header.frames)


def _answer(query: ast.Stage | None, result: Result) -> Result:
    if query is None:
        return result
    from ciimage.info import answer_query

    return Result(answer_query(result.data, query), "json", result.width, result.height)
