"""Blind watermarks (CI's watermark/3 and watermark/4) on numpy pixel arrays.

- `embed(pixels, mark, type=..., key=..., level=...)`: type 1 and 2 take the mark's pixels (a
  white-on-black image), type 3 a text of at most `TEXT_CHARS` characters from [0-9A-Za-z].
- `extract(pixels, type=..., reference=..., key=...) -> WatermarkExtraction`: type 1 takes the
  original as `reference`, type 2 the mark, type 3 nothing.
- `embed_blind(pixels, node, mark_bytes, key)` and `extract_blind(...)`: the same from a parsed
  `watermark/3` / `watermark/4` node and the resolved image bytes; what the executor calls.

`DEFAULT_KEY` is used when no key is given: marks made with it are readable by anyone with
ciimage. Pass a key of your own (`key=`, `--watermark-key`) to make a team's marks its own.
The algorithm is described in docs/semantics.md, "Blind watermarks".
"""

from __future__ import annotations

from ciimage.watermark.blind.api import (
    WatermarkExtraction,
    check_mark_size,
    check_text,
    embed,
    embed_blind,
    extract,
    extract_blind,
    extract_node,
    extract_watermark,
)
from ciimage.watermark.blind.carrier import DEFAULT_KEY
from ciimage.watermark.blind.core import TEXT_CHARS

__all__ = [
    "DEFAULT_KEY",
    "TEXT_CHARS",
    "WatermarkExtraction",
    "check_mark_size",
    "check_text",
    "embed",
    "embed_blind",
    "extract",
    "extract_blind",
    "extract_node",
    "extract_watermark",
]
