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

    `watermark_key` keys `watermark/3` (default: ciimage.watermark.blind.DEFAULT_KEY)."""
    plan = prepare(
        data,
        rule,
        backend=backend,
        limits=limits,
        styles=styles,
        resolver=resolver,
        watermark_key=watermark_key,
    )
    return execute(plan, data)
