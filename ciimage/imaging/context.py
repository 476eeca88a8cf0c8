"""What every step of one `process()` call may need to know, carried in one object.

The frame count travels here so that animation support can be added without changing signatures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ciimage.errors import ProcessingTimeoutError
from ciimage.header import ImageHeader


@dataclass(frozen=True)
class Limits:
    """Per-call limits beyond CI's fixed input limits. `timeout` is seconds of wall time."""

    timeout: float | None = 60.0


@dataclass
class ExecutionContext:
    header: ImageHeader
    source: bytes
    output_has_alpha: bool
    resolver: Any = None
    metadata: Any = None
    limits: Limits = field(default_factory=Limits)
    frames: int = 1
    orientation_applied: bool = False
    started: float = field(default_factory=time.monotonic)

    def check_deadline(self, doing: str) -> None:
        timeout = self.limits.timeout
        if timeout is not None and time.monotonic() - self.started > timeout:
            raise ProcessingTimeoutError(
                f"processing took longer than {timeout:g} s (stopped before {doing})"
            )
