"""Orientation and resolution from an EXIF (TIFF) block, as JPEG, PNG and WebP embed it."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class TiffFacts:
    block: bytes
    orientation: int = 1
    dpi: tuple[float, float] | None = None


def tiff_facts(tiff: bytes | memoryview) -> TiffFacts:
    """Orientation and resolution from IFD0 of an EXIF (TIFF) block; a bad block says nothing."""
    b = memoryview(tiff)
    block = bytes(b)
    try:
        order = bytes(b[:2])
        if order == b"II":
            endian = "<"
        elif order == b"MM":
            endian = ">"
        else:
            return TiffFacts(block)
        ifd = int(struct.unpack_from(endian + "I", b, 4)[0])
        count = int(struct.unpack_from(endian + "H", b, ifd)[0])
        values: dict[int, float] = {}
        for index in range(count):
            entry = ifd + 2 + 12 * index
            tag, kind = struct.unpack_from(endian + "HH", b, entry)
            if kind == 3:  # SHORT, stored in the entry itself
                values[tag] = int(struct.unpack_from(endian + "H", b, entry + 8)[0])
            elif kind == 4:  # LONG
                values[tag] = int(struct.unpack_from(endian + "I", b, entry + 8)[0])
            elif kind == 5:  # RATIONAL, stored at an offset
                offset = int(struct.unpack_from(endian + "I", b, entry + 8)[0])
                num, den = struct.unpack_from(endian + "II", b, offset)
                if den:
                    values[tag] = num / den
    except (struct.error, IndexError, ValueError):
        return TiffFacts(block)
    orientation = int(values.get(0x0112, 1))
    if not 1 <= orientation <= 8:
        orientation = 1
    dpi = None
    x_res, y_res = values.get(0x011A), values.get(0x011B)
    unit = int(values.get(0x0128, 2))
    if x_res and y_res and unit in (2, 3):
        scale = 2.54 if unit == 3 else 1.0
        dpi = (x_res * scale, y_res * scale)
    return TiffFacts(block, orientation=orientation, dpi=dpi)
