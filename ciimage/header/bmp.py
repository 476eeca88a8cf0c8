"""BMP: file header plus the DIB header."""

from __future__ import annotations

import struct

from ciimage.errors import ImageError
from ciimage.header.binary import dpi_from_ppm, u16le, u32le
from ciimage.header.model import ImageHeader


def read_bmp(b: memoryview) -> ImageHeader:
    dib = u32le(b, 14)
    dpi: tuple[float, float] | None = None
    has_alpha = False
    if dib == 12:  # OS/2 BITMAPCOREHEADER
        width, height, bpp = u16le(b, 18), u16le(b, 20), u16le(b, 24)
    elif dib in (40, 52, 56, 64, 108, 124):
        width, height = struct.unpack_from("<ii", b, 18)
        bpp, compression = u16le(b, 28), u32le(b, 30)
        dpi = dpi_from_ppm(*struct.unpack_from("<ii", b, 38))
        # Pillow (the BMP decoder here) gives alpha only when a bitfield mask names it.
        if bpp == 32 and compression in (3, 6):
            alpha_at = 14 + 52 if dib >= 56 else (14 + 40 + 12 if compression == 6 else None)
            has_alpha = alpha_at is not None and u32le(b, alpha_at) != 0
        height = abs(height)  # negative: rows stored top-down
    else:
        raise ImageError(f"BMP header size {dib} is not a known DIB header")
    if bpp not in (1, 2, 4, 8, 16, 24, 32):
        raise ImageError(f"BMP bit count {bpp} is not 1, 4, 8, 16, 24 or 32")
    return ImageHeader(
        format="bmp",
        width=width,
        height=height,
        has_alpha=has_alpha,
        bands=4 if has_alpha else 3,
        dpi=dpi,
    )
