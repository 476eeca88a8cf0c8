"""The exact JSON bytes CI sends for a query stage, shared by the executor and the server."""

from __future__ import annotations

import json
from typing import Any

from ciimage.info.average import image_ave
from ciimage.info.basic import image_info
from ciimage.info.exif_tags import NO_EXIF, exif
from ciimage.info.inspection import inspect
from ciimage.rules.ast import Exif, ImageAve, ImageInfo, ImageInspect, QueryStage

# The documentation prints the no-EXIF answer with a space on both sides of the colon; it is
# returned byte for byte as documented.
NO_EXIF_BYTES = b'{"error" : "no exif data"}'
JSON_CONTENT_TYPE = "application/json"


def answer_query(data: bytes, stage: QueryStage) -> bytes:
    """JSON for `imageInfo`, `exif`, `imageAve` or `ImageInspect`, compact as in rulings 21-24."""
    if isinstance(stage, ImageInfo):
        return _dumps(image_info(data))
    if isinstance(stage, Exif):
        tags = exif(data)
        return NO_EXIF_BYTES if tags == NO_EXIF else _dumps(tags)
    if isinstance(stage, ImageAve):
        return _dumps(image_ave(data))
    if isinstance(stage, ImageInspect):
        return _dumps(inspect(data))
    raise TypeError(f"not a query stage: {type(stage).__name__}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
