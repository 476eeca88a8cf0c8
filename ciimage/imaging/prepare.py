"""prepare: every piece of I/O and every data-dependent decision, once, into an `ExecutionPlan`.

`prepare(data, rule, ...)` reads the header (refusing input over CI's limits before any pixel is
decoded), resolves the output settings, plans every operation from the sizes (`plan.py`), and
settles what sizes alone cannot: watermark files are read and their tiles built, scrop's face is
found on the first frame (after the operations before it) and written down as the crop it
becomes, animation delays and cgif's frame selection are computed, the backend is chosen and the
deadline fixed. The result is frozen and picklable: `execute(plan, data)` needs nothing else, so a
job worker on another machine can run it from (plan, input bytes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

from ciimage.errors import (
    ImageTooLargeError,
    OutputTooLargeError,
    ResolutionExceededError,
    RuleError,
    UnsupportedFormatError,
)
from ciimage.header import ImageHeader, read_checked_header
from ciimage.imaging import actions as act
from ciimage.imaging import plan as planner
from ciimage.imaging.backends import backend_name, get_backend
from ciimage.imaging.backends.base import Animation, Backend, EncodeRequest, Frame, Source
from ciimage.imaging.context import Limits
from ciimage.imaging.formats import ANIMATED_OUTPUTS, decode_key
from ciimage.imaging.metadata import NO_METADATA, Metadata
from ciimage.imaging.output import OutputSettings
from ciimage.rules import ast

# Failures `ignore-error/1` turns into "return the stage's input" (addendum 25).
IGNORABLE_ERRORS = (RuleError, OutputTooLargeError, ImageTooLargeError, ResolutionExceededError)
# Actions that read their input top to bottom once, so libvips may decode sequentially.
SEQUENTIAL_ACTIONS = (act.Resize, act.Extract, act.Embed, act.Mask, act.Adjust, act.Composite)
# Actions that only move or copy pixels: a GIF of them keeps each frame's exact colours.
PIXEL_MOVES = (act.Extract, act.Mirror, act.Orient)

BLIND_WATERMARKS = (ast.BlindWatermark, ast.BlindWatermarkExtract)
PIXELS, ORIGINAL, SVGC = "pixels", "original", "svgc"
# cgif/1 means "CI's default frame count" (imageMogr2 Converting Format chapter).
CGIF_DEFAULT_FRAMES = 30


@dataclass(frozen=True)
class ExecutionPlan:
    """What `execute` runs: the input's description, concrete actions, the output settings.

    `kind` is `pixels` (decode, run `actions` on every frame, encode), `original` (nothing to
    change: the input is the output) or `svgc` (SVG text optimised). `query`, when set, is the
    final imageInfo/exif/imageAve/imageInspect stage answered about the result. `stages` is the
    plan per stage with every action concrete, for `ciimage explain`.
    """

    kind: str
    source: Source | None
    actions: tuple[act.Action, ...] = ()
    output: OutputSettings | None = None
    request: EncodeRequest | None = None
    backend: str = "vips"
    width: int = 0
    height: int = 0
    deadline: float | None = None
    timeout: float = 0.0
    query: ast.Stage | None = None
    input_quality: int | None = None
    stages: tuple[planner.StagePlan, ...] = field(default=(), repr=False)

    @property
    def frames(self) -> int:
        """Output frames."""
        if self.source is None:
            return 1
        if self.kind != PIXELS:
            return self.source.header.frames
        return len(self.source.frame_indices) if self.request and self.request.animation else 1


@dataclass
class _Probe:
    """The first frame, decoded only when scrop needs pixels, with the actions so far applied."""

    backend: Backend
    data: bytes
    source: Source
    frame: Frame = None
    applied: int = 0

    def at(self, done: list[act.Action]) -> Frame:
        if self.frame is None:
            self.frame = self.backend.load(self.data, self.source)[0]
        for action in done[self.applied :]:
            self.frame = self.backend.apply(self.frame, action)
        self.applied = len(done)
        return self.frame


def prepare(
    data: bytes,
    rule: str | ast.Pipeline,
    *,
    backend: str = "auto",
    limits: Limits | None = None,
    styles: Mapping[str, str] | None = None,
    resolver: Callable[[str], bytes] | None = None,
    watermark_key: str | None = None,
) -> ExecutionPlan:
    """Turn a rule and the input bytes into an `ExecutionPlan`; every bad input is a CIError.

    `watermark_key` keys blind watermarks (default: ciimage.watermark.blind.DEFAULT_KEY)."""
    data = bytes(data)
    limits = limits or Limits()
    deadline = None if limits.timeout is None else time.time() + limits.timeout
    pipeline = _resolve_styles(planner.to_pipeline(rule), styles)
    stages = pipeline.stages
    image_stages = tuple(s for s in stages if not isinstance(s, ast.QUERY_STAGE_TYPES))
    query = stages[-1] if pipeline.is_query else None
    try:
        header = read_checked_header(data)
    except (ImageTooLargeError, ResolutionExceededError):
        if not (stages and getattr(stages[0], "ignore_error", False)):
            raise
        return ExecutionPlan(ORIGINAL, None, query=query)
    untouched = ExecutionPlan(ORIGINAL, Source(header), query=query)
    if not image_stages:
        return untouched
    preparer = _Preparer(data, header, limits, deadline, backend, resolver)
    preparer.watermark_key = watermark_key
    return preparer.run(image_stages, query, untouched)


class _Preparer:
    def __init__(
        self,
        data: bytes,
        header: ImageHeader,
        limits: Limits,
        deadline: float | None,
        backend: str,
        resolver: Callable[[str], bytes] | None,
    ) -> None:
        self.data, self.header, self.deadline = data, header, deadline
        self.timeout = limits.timeout or 0.0
        self.backend_choice, self.resolver = backend, resolver
        self.watermark_key: str | None = None
        self.probe: _Probe | None = None

    def run(
        self, stages: tuple[ast.Stage, ...], query: ast.Stage | None, untouched: ExecutionPlan
    ) -> ExecutionPlan:
        from ciimage.imaging.jpeg_quality import estimate_jpeg_quality

        header = self.header
        if header.animated and any(isinstance(s, BLIND_WATERMARKS) for s in stages):
            raise UnsupportedFormatError(
                f"blind watermarks are refused on animated input (this {header.format} has "
                f"{header.frames} frames); CI adds them to still images only"
            )
        input_quality = estimate_jpeg_quality(self.data) if header.format == "jpg" else None
        decided = _decide(
            stages,
            input_format=header.format,
            decoded_as=decode_key(header),
            size=(header.width, header.height),
            orientation=header.orientation,
            animated_input=header.animated,
            input_quality=input_quality,
            backend_choice=self.backend_choice,
        )
        if decided is None:
            return untouched
        settings, animated, dry, active, name = decided
        if settings.format == "svgc":
            return ExecutionPlan(SVGC, Source(header), query=query)
        planned = dry.actions
        if len(active) == len(stages) and not any(type(a) in RESOLVERS for a in planned):
            # Nothing to settle from pixels or files: the dry run is the plan (planned once).
            done, size = list(planned), (dry.width, dry.height)
            return self._plan(
                list(dry.stages), done, size, settings, animated, name, query, input_quality
            )
        context = planner.PlanContext(header.orientation, animated, header.format)
        self.probe = _Probe(get_backend(name), self.data, Source(header))
        stage_plans, done, size = self._stages(stages, context)
        return self._plan(stage_plans, done, size, settings, animated, name, query, input_quality)

    def _plan(
        self,
        stage_plans: list[planner.StagePlan],
        done: list[act.Action],
        size: tuple[int, int],
        settings: OutputSettings,
        animated: bool,
        name: str,
        query: ast.Stage | None,
        input_quality: int | None,
    ) -> ExecutionPlan:
        header = self.header
        animation, indices = None, (0,)
        if animated:
            indices, delays = select_frames(header, settings.cgif)
            # Exact palettes only where the input's colours already fit one (a GIF's frames).
            moves = all(isinstance(a, PIXEL_MOVES) or _quarter_turn(a) for a in done)
            exact = header.format == "gif" and moves
            animation = Animation(delays, header.loop, exact_palette=exact)
        first = done[0] if done and isinstance(done[0], act.Resize) else None
        sequential = all(isinstance(a, SEQUENTIAL_ACTIONS) for a in done)
        whole_strip = animated and indices == tuple(range(len(indices)))
        whole_strip = whole_strip and all(_strip_safe(a, i, header) for i, a in enumerate(done))
        if whole_strip:
            done = [_on_strip(a, len(indices)) for a in done]
        source = Source(header, indices, first, sequential, whole_strip)
        request = EncodeRequest(
            settings=settings,
            metadata=_metadata(self.data, settings),
            source_format=header.format,
            orientation_applied=any(isinstance(a, act.Orient) for a in done),
            animation=animation,
        )
        return ExecutionPlan(
            PIXELS,
            source,
            tuple(done),
            settings,
            request,
            backend=name,
            width=size[0],
            height=size[1],
            deadline=self.deadline,
            timeout=self.timeout,
            query=query,
            input_quality=input_quality,
            stages=tuple(stage_plans),
        )

    def _stages(
        self, stages: tuple[ast.Stage, ...], context: planner.PlanContext
    ) -> tuple[list[planner.StagePlan], list[act.Action], tuple[int, int]]:
        size = (self.header.width, self.header.height)
        done: list[act.Action] = []
        plans: list[planner.StagePlan] = []
        for stage in stages:
            kept = len(done)
            try:
                steps = []
                for operation in planner.stage_operations(stage):
                    actions, size_after = planner.plan_operation(operation, size, context)
                    concrete, size = self._resolve(actions, size, done)
                    if size != size_after:  # no face found: later sizes follow the real one
                        planner.check_output(size, operation)
                    steps.append(planner.Step(operation, concrete, size[0], size[1]))
            except IGNORABLE_ERRORS as error:
                if not getattr(stage, "ignore_error", False):
                    raise
                del done[kept:]
                size = (plans[-1].width, plans[-1].height) if plans else _input_size(self.header)
                plans.append(planner.StagePlan(stage, (), size[0], size[1], skipped=error))
                self.probe = _Probe(self.probe.backend, self.data, Source(self.header))
                continue
            plans.append(planner.StagePlan(stage, tuple(steps), size[0], size[1]))
        return plans, done, size

    def _resolve(
        self, actions: tuple[act.Action, ...], size: tuple[int, int], done: list[act.Action]
    ) -> tuple[tuple[act.Action, ...], tuple[int, int]]:
        """Concrete actions for `actions` on a frame of `size`, appended to `done`."""
        concrete: list[act.Action] = []
        for action in actions:
            resolver = RESOLVERS.get(type(action))
            found = resolver(self, action, size, done) if resolver else (action,)
            for item in found:
                concrete.append(item)
                done.append(item)
                size = item.size_after(size)
        return tuple(concrete), size

    def face_crop(
        self, action: act.Action, size: tuple[int, int], done: list[act.Action]
    ) -> tuple[act.Action, ...]:
        from ciimage.imaging.steps.scrop import (
            DETECT_SIDE,
            detect_face,
            face_crop_actions,
            scale_box,
        )

        assert isinstance(action, act.FaceCrop) and self.probe is not None
        frame = self.probe.at(done)
        rgb, factor = self.probe.backend.rgb_array(frame, DETECT_SIDE)
        face = detect_face(rgb)
        if face is None:
            return ()
        return face_crop_actions(size, scale_box(face, 1 / factor), action)

    def overlay(
        self, action: act.Action, size: tuple[int, int], done: list[act.Action]
    ) -> tuple[act.Action, ...]:
        from ciimage.imaging.steps.watermark import visible_positions

        assert isinstance(action, act.Overlay)
        overlay = _build_overlay(action, size, self.resolver)
        tile_size = (overlay.tile.shape[1], overlay.tile.shape[0])
        positions = visible_positions(overlay.positions, tile_size, size)
        if not positions:
            return ()
        return (act.Composite(overlay.tile, positions),)

    def blind_mark(
        self, action: act.Action, size: tuple[int, int], done: list[act.Action]
    ) -> tuple[act.Action, ...]:
        """watermark/3: the mark (types 1, 2) is read once, here; embedding runs on numpy."""
        from ciimage.watermark.blind import DEFAULT_KEY, check_text
        from ciimage.watermark.resolver import fetch_watermark

        assert isinstance(action, act.BlindMark)
        node, mark = action.node, None
        if node.type == 3:
            check_text(node.text)  # refused before any pixel is decoded
        elif node.image is not None:
            resolver = self.resolver
            if resolver is None:
                from ciimage.watermark.resolver import default_resolver

                resolver = default_resolver()
            mark = fetch_watermark(resolver, node.image)
        return (act.BlindEmbed(node, mark, self.watermark_key or DEFAULT_KEY),)


# Actions whose concrete form `prepare` settles. Each takes (preparer, action, size, done).
RESOLVERS: dict[type, Callable[..., tuple[act.Action, ...]]] = {
    act.FaceCrop: _Preparer.face_crop,
    act.Overlay: _Preparer.overlay,
    act.BlindMark: _Preparer.blind_mark,
}


def select_frames(header: ImageHeader, cgif: int | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Input frames kept and their delays (ruling 18).

    `cgif/1` keeps the first 30 frames as they are; `cgif/N` keeps N frames chosen
    evenly, each kept frame's delay extended over the frames dropped after it, so the total
    duration stays; an input with N frames or fewer is unchanged.
    """
    count = header.frames
    delays = header.delays or (100,) * count
    if cgif is None or count <= (CGIF_DEFAULT_FRAMES if cgif == 1 else cgif):
        return tuple(range(count)), tuple(delays)
    if cgif == 1:
        return tuple(range(CGIF_DEFAULT_FRAMES)), tuple(delays[:CGIF_DEFAULT_FRAMES])
    indices = tuple(int(Fraction(i * count, cgif)) for i in range(cgif))
    ends = (*indices[1:], count)
    return indices, tuple(sum(delays[a:b]) for a, b in zip(indices, ends, strict=True))


def _strip_safe(action: act.Action, index: int, header: ImageHeader) -> bool:
    """Whether `action` gives the same pixels on the strip of all frames as on each frame."""
    if isinstance(action, act.Resize):
        # The first resize, shrinking both sides, is done by the loader, page by page.
        return index == 0 and action.width < header.width and action.height < header.height
    if isinstance(action, act.Adjust):
        return isinstance(action.operation, (ast.Bright, ast.Contrast, ast.Grayscale))
    if isinstance(action, act.Composite):
        return True  # the libvips step places the tile on every frame of the strip
    return isinstance(action, act.Mirror) and action.direction is ast.FlipDirection.HORIZONTAL


def _on_strip(action: act.Action, frames: int) -> act.Action:
    """A watermark run once over the strip of all frames places its tile on each of them."""
    if isinstance(action, act.Composite):
        return replace(action, frames=frames)
    return action


def _quarter_turn(action: act.Action) -> bool:
    return isinstance(action, act.Turn) and action.degrees % 90 == 0


def _input_size(header: ImageHeader) -> tuple[int, int]:
    return header.width, header.height


class _Decided(NamedTuple):
    settings: OutputSettings
    animated: bool
    dry: planner.Plan
    active: tuple[ast.Stage, ...]
    backend: str


@lru_cache(maxsize=256)
def _decide(
    stages: tuple[ast.Stage, ...],
    *,
    input_format: str,
    decoded_as: str,
    size: tuple[int, int],
    orientation: int,
    animated_input: bool,
    input_quality: int | None,
    backend_choice: str,
) -> _Decided | None:
    """(settings, animated, dry run, active stages, backend) for an input of this shape; None when
    every stage is skipped. Only the arguments decide (no bytes), so a batch of same-sized photos
    or a hot object under one style pays ~0.1 ms once, not per image (issue 14).

    AST equality ignores source positions, so two spellings of one rule (plain and the SDK's
    percent-encoded form) share an entry and its nodes: positions only serve the errors raised
    while parsing and validating, which happen before this and are never cached."""
    settings = _settings(stages, input_format, input_quality)
    animated = animated_input and settings.format in ANIMATED_OUTPUTS
    dry = planner.plan(
        ast.Pipeline(stages=stages),
        size[0],
        size[1],
        orientation=orientation,
        animated=animated,
        input_format=input_format,
    )
    active = tuple(p.stage for p in dry.stages if p.skipped is None)
    if not active:
        return None
    if len(active) < len(stages):  # skipped stages set nothing
        settings = _settings(active, input_format, input_quality)
        animated = animated_input and settings.format in ANIMATED_OUTPUTS
    name = backend_name(backend_choice, decoded_as, settings.format, dry.actions, size)
    return _Decided(settings, animated, dry, active, name)


def _settings(
    stages: tuple[ast.Stage, ...], input_format: str, input_quality: int | None
) -> OutputSettings:
    from ciimage.imaging.output import resolve_output

    return resolve_output(
        ast.Pipeline(stages=stages), input_format=input_format, input_quality=input_quality
    )


def _metadata(data: bytes, settings: OutputSettings) -> Metadata:
    if settings.strip:
        return NO_METADATA
    from ciimage.imaging.metadata import read_metadata

    return read_metadata(data)


def _build_overlay(action: act.Overlay, size: tuple[int, int], resolver: Any) -> Any:
    from ciimage.watermark import build_overlay

    if resolver is None:
        from ciimage.watermark.resolver import default_resolver

        resolver = default_resolver()
    return build_overlay(action.node, size[0], size[1], resolver)


def _resolve_styles(pipeline: ast.Pipeline, styles: Mapping[str, str] | None) -> ast.Pipeline:
    if styles is None and not any(isinstance(s, ast.StyleRef) for s in pipeline.stages):
        return pipeline
    from ciimage.rules import resolve_styles

    return resolve_styles(pipeline, styles or {})
