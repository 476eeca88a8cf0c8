"""Per-call limits beyond CI's fixed input limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """`timeout` is seconds of wall time for one call; `prepare` turns it into a deadline."""

    timeout: float | None = 60.0
