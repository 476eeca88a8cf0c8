"""execute: run an `ExecutionPlan` on the input bytes. A plain loop, no decisions, no I/O.

For each frame, for each action, `backend.apply`; the deadline is checked between actions; then
the frames are joined and encoded. Everything the loop needs is in the plan (`prepare.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ciimage.errors import ProcessingTimeoutError
from ciimage.imaging.actions import Action
from ciimage.imaging.backends import get_backend
from ciimage.imaging.prepare import ORIGINAL, SVGC, ExecutionPlan
from ciimage.rules import ast


@dataclass(frozen=True)
class Result:
    """The output file and what it is. `frames` is the output's frame count."""

    data: bytes
    format: str
    width: int
    height: int
    quality: int | None = None
    frames: int = 1


def execute(plan: ExecutionPlan, data: bytes, backend: str | None = None) -> Result:
    """Run `plan` on `data` (the bytes `prepare` saw); `backend` overrides the plan's choice."""
    data = bytes(data)
    if plan.kind == ORIGINAL:
        return _answer(plan.query, _original(plan, data))
    if plan.kind == SVGC:
        from ciimage.imaging.encode import compress_svg

        assert plan.source is not None
        svg = compress_svg(data)
        header = plan.source.header
        return _answer(plan.query, Result(svg.data, svg.format, header.width, header.height))
    assert plan.source is not None and plan.request is not None
    chosen = get_backend(backend or plan.backend)
    frames = chosen.load(data, plan.source)
    done = []
    for frame in frames:
        for action in plan.actions:
            check_deadline(plan, action)
            frame = chosen.apply(frame, action)
        done.append(frame)
    check_deadline(plan, "encoding")
    encoded = chosen.encode(chosen.join(done, plan.request.animation), plan.request, data)
    header = plan.source.header
    if encoded.data is data:  # size-limit's `!` kept the input
        result = Result(data, header.format, header.width, header.height, plan.input_quality)
    else:
        animation = plan.request.animation
        frames_out = len(animation.delays) if animation else 1
        result = Result(
            encoded.data, encoded.format, plan.width, plan.height, encoded.quality, frames_out
        )
    return _answer(plan.query, result)


def check_deadline(plan: ExecutionPlan, doing: Action | str) -> None:
    """Stop between actions once the plan's absolute deadline (wall clock) has passed."""
    if plan.deadline is None or time.time() <= plan.deadline:
        return
    if not isinstance(doing, str):
        from ciimage.imaging.describe import describe_action

        doing = describe_action(doing)
    raise ProcessingTimeoutError(
        f"processing took longer than {plan.timeout:g} s (stopped before {doing})"
    )


def _original(plan: ExecutionPlan, data: bytes) -> Result:
    if plan.source is None:
        from ciimage.header import sniff_format

        return Result(data, sniff_format(data), 0, 0)
    header = plan.source.header
    estimate = None
    if plan.query is None and header.format == "jpg":
        from ciimage.imaging.jpeg_quality import estimate_jpeg_quality

        estimate = estimate_jpeg_quality(data)
    return Result(data, header.format, header.width, header.height, estimate, header.frames)


def _answer(query: ast.Stage | None, result: Result) -> Result:
    if query is None:
        return result
    from ciimage.info import answer_query

    return Result(answer_query(result.data, query), "json", result.width, result.height)
