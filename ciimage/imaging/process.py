"""`process(data, rule)`: prepare an execution plan, execute it. The whole pipeline, top-down:

1. `prepare.py`: header and limits (before any pixel is decoded), output settings, the dry run of
   `plan.py`, watermark tiles, scrop's face, animation frames and delays, the backend, a deadline:
   all frozen into an `ExecutionPlan` (picklable, no paths, no resolver).
2. `execute.py`: for each frame, for each action, `backend.apply`; join the frames.
3. `encode.py`: write the output file as the plan's output settings say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ciimage.imaging.context import Limits
from ciimage.imaging.execute import Result, execute
from ciimage.imaging.prepare import ExecutionPlan, prepare
from ciimage.rules import ast

__all__ = ["ExecutionPlan", "Limits", "Result", "execute", "prepare", "process"]


def process(
    data: bytes,
    rule: str | ast.Pipeline,
    *,
    backend: str = "auto",
    limits: Limits | None = None,
    styles: Mapping[str, str] | None = None,
    resolver: Callable[[str], bytes] | None = None,
    watermark_key: str | None = None,
) -> Result:
    """Apply `rule` to the image `data` as CI would; every bad input raises a `CIError`.

    `watermark_key` keys `watermark/3` (default: ciimage.watermark.blind.DEFAULT_KEY). A rule
    that is one `watermark/4` stage of type 1 or 2 returns the recovered mark as PNG."""
    from ciimage.imaging.plan import to_pipeline

    pipeline = to_pipeline(rule)
    stages = pipeline.stages
    if len(stages) == 1 and isinstance(stages[0], ast.BlindWatermarkExtract):
        return _recovered_mark(data, stages[0], resolver, watermark_key)
    plan = prepare(
        data,
        pipeline,
        backend=backend,
        limits=limits,
        styles=styles,
        resolver=resolver,
        watermark_key=watermark_key,
    )
    return execute(plan, data)


def _recovered_mark(
    data: bytes,
    node: ast.BlindWatermarkExtract,
    resolver: Callable[[str], bytes] | None,
    key: str | None,
) -> Result:
    from ciimage.errors import CIError
    from ciimage.watermark.blind import DEFAULT_KEY, extract_node

    if node.type == 3:
        raise CIError(
            "watermark/4 type 3 finds text, not an image: call ciimage.extract_watermark "
            "(CLI: ciimage extract-watermark)",
            code=-60998,
        )
    found = extract_node(bytes(data), node, resolver=resolver, key=key or DEFAULT_KEY)
    png = found.image or b""
    size = (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
    return Result(png, "png", size[0], size[1])
