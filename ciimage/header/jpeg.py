"""JPEG: walk the marker segments up to the first scan."""

from __future__ import annotations

import re

from ciimage.errors import ImageError
from ciimage.header.binary import WalkBudget, u16be
from ciimage.header.model import ImageHeader
from ciimage.header.tiff import TiffFacts, tiff_facts

# Start-of-frame markers; C4 (DHT), C8 (JPG extension) and CC (DAC) share the range.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_PROGRESSIVE_SOF = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_NOT_FILL = re.compile(rb"[^\xff]")


def read_jpeg(b: memoryview) -> ImageHeader:
    pos, end = 2, len(b)
    budget = WalkBudget("JPEG marker segments before the image data", 10_000)
    sof: tuple[int, int, int, int, int] | None = None  # marker, precision, height, width, comps
    jfif_dpi: tuple[float, float] | None = None
    tiff: TiffFacts | None = None
    while pos < end:
        if b[pos] != 0xFF:
            raise ImageError("JPEG marker structure is corrupt")
        budget.spend()
        after_fill = _NOT_FILL.search(b, pos)  # any number of 0xFF fill bytes may precede a marker
        if after_fill is None:
            break
        pos = after_fill.start()
        marker = b[pos]
        pos += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            continue
        if marker == 0xD9:
            break
        length = u16be(b, pos)
        if length < 2 or pos + length > end:
            raise ImageError("JPEG segment runs past the end of the file")
        segment = b[pos + 2 : pos + length]
        if marker in _JPEG_SOF:
            precision = segment[0]
            sof = (marker, precision, u16be(segment, 1), u16be(segment, 3), segment[5])
        elif marker == 0xE0 and bytes(segment[:5]) == b"JFIF\x00" and len(segment) >= 12:
            units, x_density, y_density = segment[7], u16be(segment, 8), u16be(segment, 10)
            if units in (1, 2) and x_density and y_density:
                scale = 2.54 if units == 2 else 1.0
                jfif_dpi = (x_density * scale, y_density * scale)
        elif marker == 0xE1 and bytes(segment[:6]) == b"Exif\x00\x00" and tiff is None:
            tiff = tiff_facts(segment[6:])
        if marker == 0xDA:
            break
        pos += length
    if sof is None:
        raise ImageError("JPEG has no frame header (SOF) before its image data")
    marker, precision, height, width, components = sof
    if height == 0:
        raise ImageError("JPEG frame header gives height 0 (DNL-defined heights are not supported)")
    return ImageHeader(
        format="jpg",
        width=width,
        height=height,
        bands=components,
        bit_depth=precision,
        orientation=tiff.orientation if tiff else 1,
        dpi=jfif_dpi or (tiff.dpi if tiff else None),
        progressive=marker in _JPEG_PROGRESSIVE_SOF,
        exif=tiff.block if tiff else None,
    )
