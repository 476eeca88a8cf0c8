"""PNG: IHDR, then the chunk list (lengths only; nothing is inflated)."""

from __future__ import annotations

from ciimage.errors import ImageError
from ciimage.header.binary import dpi_from_ppm, u32be
from ciimage.header.model import ImageHeader
from ciimage.header.tiff import TiffFacts, tiff_facts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_BANDS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}
_PNG_MAX_HEADER_CHUNKS = 10_000


def read_png(b: memoryview) -> ImageHeader:
    if u32be(b, 8) != 13 or bytes(b[12:16]) != b"IHDR":
        raise ImageError("PNG does not start with an IHDR chunk")
    width, height = u32be(b, 16), u32be(b, 20)
    depth, colour_type, interlace = b[24], b[25], b[28]
    if colour_type not in _PNG_BANDS:
        raise ImageError(f"PNG colour type {colour_type} is not one of 0, 2, 3, 4, 6")
    has_alpha = colour_type in (4, 6)
    dpi: tuple[float, float] | None = None
    tiff: TiffFacts | None = None
    pos, end = 33, len(b)
    frames = 1
    # Everything read here must precede IDAT (PNG 3rd edition, chunk ordering), so the walk stops
    # there; the chunk cap keeps a file of millions of empty chunks from stalling it.
    for _ in range(_PNG_MAX_HEADER_CHUNKS):
        if pos + 8 > end:
            break
        length, kind = u32be(b, pos), bytes(b[pos + 4 : pos + 8])
        body = pos + 8
        if body + length > end:
            break  # truncated after the header: the decoder reports it if pixels are needed
        if kind == b"tRNS":
            has_alpha = True
        elif kind == b"acTL" and length >= 8:  # APNG: the animation control chunk
            frames = max(1, u32be(b, body))
        elif kind == b"pHYs" and length >= 9 and b[body + 8] == 1:
            dpi = dpi_from_ppm(u32be(b, body), u32be(b, body + 4))
        elif kind == b"eXIf":
            tiff = tiff_facts(b[body : body + length])
        elif kind in (b"IDAT", b"IEND"):
            break
        pos = body + length + 4
    bands = _PNG_BANDS[colour_type] + (1 if has_alpha and colour_type in (0, 2, 3) else 0)
    return ImageHeader(
        format="png",
        width=width,
        height=height,
        frames=frames,
        has_alpha=has_alpha,
        bands=bands,
        bit_depth=8 if colour_type == 3 else depth,
        orientation=tiff.orientation if tiff else 1,
        dpi=dpi,
        progressive=interlace == 1,
        exif=tiff.block if tiff else None,
    )
