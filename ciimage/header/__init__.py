"""Format sniffing and header reading, without decoding a single pixel.

Every size decision (input limits, planning, imageInfo) is made from the header so that a hostile
file claiming 50000x50000 is refused before any decoder allocates memory for it. Each format's
header is parsed in its own module from its own specification; no image library is involved.
"""

from __future__ import annotations

from ciimage.header.model import (
    FORMATS,
    MAX_FRAMES,
    MAX_INPUT_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    ImageHeader,
    check_input_limits,
    check_input_size,
)
from ciimage.header.reader import read_checked_header, read_header
from ciimage.header.sniff import sniff_format

__all__ = [
    "FORMATS",
    "MAX_FRAMES",
    "MAX_INPUT_BYTES",
    "MAX_PIXELS",
    "MAX_SIDE",
    "ImageHeader",
    "check_input_limits",
    "check_input_size",
    "read_checked_header",
    "read_header",
    "sniff_format",
]
