"""Everything `ciimage serve` can be told, in one immutable value."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ciimage.header import MAX_INPUT_BYTES

# CI processes images up to 32 MB (persistent processing chapter); the server refuses larger bodies.
MAX_BODY_BYTES = MAX_INPUT_BYTES
DEFAULT_STYLE_SEPARATORS = "-_/!"
# Requests that may wait for a processing slot; the SDKs retry a 503 with back-off beyond that.
DEFAULT_MAX_QUEUE = 32


def default_concurrency() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ServerConfig:
    """How one server instance behaves.

    `secret_id`/`secret_key`: both set means every request must carry a valid COS v5 signature;
    both None means anonymous access. `max_concurrency` processing jobs run at once and at most
    `max_queue` more wait; beyond that the server answers 503 SlowDown.
    """

    root: Path
    secret_id: str | None = None
    secret_key: str | None = None
    default_bucket: str | None = None
    style_separators: str = DEFAULT_STYLE_SEPARATORS
    max_body_bytes: int = MAX_BODY_BYTES
    max_concurrency: int = field(default_factory=default_concurrency)
    max_queue: int = DEFAULT_MAX_QUEUE
    watermark_key: str | None = None  # blind watermarks' key (None: the documented default)

    def __post_init__(self) -> None:
        if (self.secret_id is None) != (self.secret_key is None):
            raise ValueError("give both a secret id and a secret key, or neither")
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.max_queue < 0:
            raise ValueError("max_queue must be 0 or more")
        unknown = set(self.style_separators) - set(DEFAULT_STYLE_SEPARATORS)
        if unknown:
            raise ValueError(
                f"style separators must be taken from {DEFAULT_STYLE_SEPARATORS!r}, "
                f"not {''.join(sorted(unknown))!r}"
            )

    @property
    def signatures_required(self) -> bool:
        return self.secret_key is not None
