"""The dry run: every stage's geometry and output size, computed from the input size alone.

`plan(rule, width, height)` folds the pipeline's operations over the size. Each operation becomes
a short list of actions (`ciimage.imaging.actions`: resize to WxH, extract this rectangle, pad,
mask, turn, ...) that both backends execute the same way. It is pure: `prepare` calls it, settles
the two actions that need pixels or files (scrop's face, watermark tiles) and freezes the result
into an `ExecutionPlan`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from ciimage.errors import CIError, OutputTooLargeError, RuleError, StyleNotFoundError
from ciimage.imaging import actions, geometry
from ciimage.imaging.geometry import Size
from ciimage.rules import ast

MAX_OUTPUT_SIDE = 9999


# The actions live in ciimage.imaging.actions; they are re-exported here for callers of the plan.
Action = actions.Action
Resize, Extract, Embed, Mask = actions.Resize, actions.Extract, actions.Embed, actions.Mask
Turn, Orient, Mirror, Adjust = actions.Turn, actions.Orient, actions.Mirror, actions.Adjust
FaceCrop, Overlay, Composite = actions.FaceCrop, actions.Overlay, actions.Composite


# ---- the plan ----


@dataclass(frozen=True)
class PlanContext:
    """What planning needs beyond the size: EXIF orientation (auto-orient), whether the output
    stays animated (never enlarged, addendum 9) and the input format (no iradius on GIF)."""

    orientation: int = 1
    animated: bool = False
    input_format: str = ""


@dataclass(frozen=True)
class Step:
    """One operation of a stage, the actions it became and the size after it."""

    operation: object
    actions: tuple[Action, ...]
    width: int
    height: int


@dataclass(frozen=True)
class StagePlan:
    stage: ast.Stage
    steps: tuple[Step, ...]
    width: int
    height: int
    skipped: CIError | None = None

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(action for step in self.steps for action in step.actions)


@dataclass(frozen=True)
class Plan:
    input_width: int
    input_height: int
    stages: tuple[StagePlan, ...] = field(default_factory=tuple)

    @property
    def width(self) -> int:
        return self.stages[-1].width if self.stages else self.input_width

    @property
    def height(self) -> int:
        return self.stages[-1].height if self.stages else self.input_height

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(a for stage in self.stages if stage.skipped is None for a in stage.actions)


def to_pipeline(rule: str | ast.Pipeline) -> ast.Pipeline:
    if isinstance(rule, ast.Pipeline):
        return rule
    from ciimage.rules import validate

    return validate(rule)


def plan(
    rule: str | ast.Pipeline,
    width: int,
    height: int,
    *,
    orientation: int = 1,
    animated: bool = False,
    input_format: str = "",
) -> Plan:
    """Every stage's output size for an input of `width` x `height`, without pixels.

    Raises `OutputTooLargeError` when a side would pass 9,999 px and a `RuleError` when an
    operation's limits depend on the image (crop outside it, a radius over half the shorter side),
    unless the stage carries `ignore-error/1`: then the stage is marked skipped (addendum 25).
    """
    pipeline = to_pipeline(rule)
    context = PlanContext(orientation=orientation, animated=animated, input_format=input_format)
    size: Size = (width, height)
    stages: list[StagePlan] = []
    for stage in pipeline.stages:
        stage_plan = plan_stage(stage, size, context)
        stages.append(stage_plan)
        size = (stage_plan.width, stage_plan.height)
    return Plan(input_width=width, input_height=height, stages=tuple(stages))


def plan_thumbnail(
    node: ast.Thumbnail, width: int, height: int, *, allow_enlarge: bool = True
) -> tuple[Action, ...]:
    """thumbnail (+ pad/color): a resize, then a centred pad for the box forms with pad/1."""
    new_w, new_h = geometry.thumbnail_size(node.geometry, width, height)
    if not allow_enlarge and (new_w > width or new_h > height):
        # Animated images are never enlarged (addendum 9): keep the aspect, cap at the input.
        factor = min(Fraction(width, new_w), Fraction(height, new_h), Fraction(1))
        new_w, new_h = geometry.scale_size(new_w, new_h, factor)
    actions: list[Action] = []
    if (new_w, new_h) != (width, height):
        actions.append(Resize(new_w, new_h))
    box = node.geometry
    if node.pad and box.kind in PADDED_KINDS and box.width and box.height:
        canvas = (max(box.width, new_w), max(box.height, new_h))
        if canvas != (new_w, new_h):
            left, top = geometry.gravity_offset(ast.Gravity.CENTER, canvas, (new_w, new_h))
            actions.append(Embed(canvas[0], canvas[1], left, top, node.color))
    return tuple(actions)


PADDED_KINDS = frozenset({ast.GeometryKind.FIT, ast.GeometryKind.SHRINK, ast.GeometryKind.ENLARGE})


def plan_stage(stage: ast.Stage, size: Size, context: PlanContext) -> StagePlan:
    try:
        steps = _stage_steps(stage, size, context)
    except (RuleError, OutputTooLargeError) as error:
        if getattr(stage, "ignore_error", False):
            return StagePlan(stage, (), size[0], size[1], skipped=error)
        raise
    final = (steps[-1].width, steps[-1].height) if steps else size
    return StagePlan(stage, tuple(steps), final[0], final[1])


def _stage_steps(stage: ast.Stage, size: Size, context: PlanContext) -> list[Step]:
    steps: list[Step] = []
    for operation in stage_operations(stage):
        actions, size = plan_operation(operation, size, context)
        steps.append(Step(operation, actions, size[0], size[1]))
    return steps


def stage_operations(stage: ast.Stage) -> tuple[object, ...]:
    """The operations a stage applies in order (none for query stages); refuses what ciimage
    cannot run (an unresolved style, blind watermarks)."""
    if isinstance(stage, ast.MogrStage):
        operations: tuple[object, ...] = stage.operations
    elif isinstance(stage, ast.ViewStage):
        operations = (stage,)
    elif isinstance(stage, ast.StyleRef):
        raise StyleNotFoundError(f"style {stage.name!r} was not resolved: pass styles= with it")
    elif isinstance(stage, ast.BlindWatermarkExtract):
        raise CIError(
            "watermark/4 extracts a blind watermark: call ciimage.extract_watermark (CLI: "
            "ciimage extract-watermark)"
        )
    elif isinstance(stage, (ast.ImageWatermark, ast.TextWatermark, ast.BlindWatermark)):
        operations = (stage,)
    else:  # query stages change no pixels
        return ()
    return operations


def plan_operation(
    operation: object, size: Size, context: PlanContext
) -> tuple[tuple[Action, ...], Size]:
    """The actions one operation becomes on an image of `size`, and the size after them."""
    planner = _PLANNERS.get(type(operation))
    actions = planner(operation, size, context) if planner else ()
    for action in actions:
        size = action.size_after(size)
        check_output(size, operation)
    return actions, size


def check_output(size: Size, operation: object) -> None:
    if size[0] > MAX_OUTPUT_SIDE or size[1] > MAX_OUTPUT_SIDE:
        name = type(operation).__name__.lower()
        raise OutputTooLargeError(
            f"{name} would make a {size[0]}x{size[1]} image; output sides must be at most "
            f"{MAX_OUTPUT_SIDE} px"
        )


# ---- one planner per operation family ----


def _thumbnail(node: ast.Thumbnail, size: Size, context: PlanContext) -> tuple[Action, ...]:
    return plan_thumbnail(node, size[0], size[1], allow_enlarge=not context.animated)


def _cut(node: ast.Cut, size: Size, context: PlanContext) -> tuple[Action, ...]:
    if node.dx >= size[0] or node.dy >= size[1]:
        raise RuleError(
            f"cut offset ({node.dx}, {node.dy}) must lie inside the {size[0]}x{size[1]} image",
            parameter="cut",
        )
    rect = geometry.clip_rectangle(node.dx, node.dy, node.width, node.height, size)
    return _extract_if_smaller(rect, size)


def _crop(node: ast.Crop, size: Size, context: PlanContext) -> tuple[Action, ...]:
    want_w = min(node.width or size[0], size[0])
    want_h = min(node.height or size[1], size[1])
    if node.advanced:
        width = node.width or size[0]
        height = node.height or size[1]
        left, top = geometry.gravity_offset(
            node.gravity, size, (width, height), node.dx, node.dy, ignore_axes=False
        )
        rect = geometry.clip_rectangle(left, top, width, height, size)
    else:
        left, top = geometry.gravity_offset(node.gravity, size, (want_w, want_h), node.dx, node.dy)
        rect = geometry.clip_rectangle(left, top, want_w, want_h, size)
    return _extract_if_smaller(rect, size)


def _extract_if_smaller(rect: tuple[int, ...], size: Size) -> tuple[Action, ...]:
    left, top, width, height = rect
    if (width, height) == size:
        return ()
    return (Extract(left, top, width, height),)


def _check_radius(radius: int, size: Size, name: str) -> None:
    if radius <= 0 or 2 * radius >= min(size):
        raise RuleError(
            f"{name} {radius} must be greater than 0 and less than half the shorter side "
            f"({min(size)} px) of the image",
            parameter=name,
        )


def _refuse_on_gif(name: str, context: PlanContext) -> None:
    # CI's iradius and rradius chapters exclude GIF (ruling 18): an error, not a silent no-op.
    if context.input_format == "gif":
        raise RuleError(
            f"{name} is not supported on GIF input (CI's {name} chapter excludes GIF)",
            parameter=name,
        )


def _iradius(node: ast.IRadius, size: Size, context: PlanContext) -> tuple[Action, ...]:
    _refuse_on_gif("iradius", context)
    _check_radius(node.radius, size, "iradius")
    side = 2 * node.radius
    left, top = geometry.gravity_offset(ast.Gravity.CENTER, size, (side, side))
    return Extract(left, top, side, side), Mask("circle", node.radius)


def _rradius(node: ast.RRadius, size: Size, context: PlanContext) -> tuple[Action, ...]:
    _refuse_on_gif("rradius", context)
    _check_radius(node.radius, size, "rradius")
    return (Mask("rounded", node.radius),)


def _scrop(node: ast.SCrop, size: Size, context: PlanContext) -> tuple[Action, ...]:
    return (FaceCrop(node.width, node.height),)


def _rotate(node: ast.Rotate, size: Size, context: PlanContext) -> tuple[Action, ...]:
    if node.degrees % 360 == 0:
        return ()
    width, height = geometry.rotated_size(size[0], size[1], node.degrees)
    return (Turn(node.degrees % 360, width, height),)


def _auto_orient(node: ast.AutoOrient, size: Size, context: PlanContext) -> tuple[Action, ...]:
    if context.orientation in (2, 3, 4, 5, 6, 7, 8):
        return (Orient(context.orientation),)
    return ()


def _flip(node: ast.Flip, size: Size, context: PlanContext) -> tuple[Action, ...]:
    return (Mirror(node.direction),)


def _adjust(node: object, size: Size, context: PlanContext) -> tuple[Action, ...]:
    if isinstance(node, (ast.Bright, ast.Contrast)) and node.value == 0:
        return ()
    if isinstance(node, ast.Grayscale) and not node.enabled:
        return ()
    return (Adjust(node),)  # type: ignore[arg-type]


def _view(node: ast.ViewStage, size: Size, context: PlanContext) -> tuple[Action, ...]:
    if node.mode is None:
        return ()
    scaled, final = geometry.view_geometry(node.mode, node.width, node.height, size)
    actions: list[Action] = []
    if scaled != size:
        actions.append(Resize(*scaled))
    if final != scaled:
        left, top = geometry.gravity_offset(ast.Gravity.CENTER, scaled, final)
        actions.append(Extract(left, top, *final))
    return tuple(actions)


def _watermark(node: object, size: Size, context: PlanContext) -> tuple[Action, ...]:
    return (Overlay(node),)  # type: ignore[arg-type]


def _blind(node: ast.BlindWatermark, size: Size, context: PlanContext) -> tuple[Action, ...]:
    return (actions.BlindMark(node),)


_PLANNERS: dict[type, Callable[..., tuple[Action, ...]]] = {
    ast.Thumbnail: _thumbnail,
    ast.Cut: _cut,
    ast.Crop: _crop,
    ast.IRadius: _iradius,
    ast.RRadius: _rradius,
    ast.SCrop: _scrop,
    ast.Rotate: _rotate,
    ast.AutoOrient: _auto_orient,
    ast.Flip: _flip,
    ast.Blur: _adjust,
    ast.Bright: _adjust,
    ast.Contrast: _adjust,
    ast.Sharpen: _adjust,
    ast.Grayscale: _adjust,
    ast.ViewStage: _view,
    ast.ImageWatermark: _watermark,
    ast.TextWatermark: _watermark,
    ast.BlindWatermark: _blind,
}
