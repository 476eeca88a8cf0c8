"""WebP: the first chunk gives the size, the rest are counted (ANMF) or read (EXIF)."""

from __future__ import annotations

from ciimage.errors import ImageError
from ciimage.header.binary import WalkBudget, u16le, u24le, u32le
from ciimage.header.model import ImageHeader
from ciimage.header.tiff import TiffFacts, tiff_facts


def read_webp(b: memoryview) -> ImageHeader:
    kind, size = bytes(b[12:16]), u32le(b, 16)
    payload = b[20 : 20 + size]
    frames, animated = 1, False
    delays: list[int] = []
    loop = 0
    if kind == b"VP8 ":
        if bytes(payload[3:6]) != b"\x9d\x01\x2a":
            raise ImageError("WebP VP8 frame has no start code")
        width, height = u16le(payload, 6) & 0x3FFF, u16le(payload, 8) & 0x3FFF
        has_alpha = False
    elif kind == b"VP8L":
        if payload[0] != 0x2F:
            raise ImageError("WebP VP8L stream has no signature")
        bits = u32le(payload, 1)
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        has_alpha = bool(bits >> 28 & 1)
    elif kind == b"VP8X":
        flags = payload[0]
        width, height = u24le(payload, 4) + 1, u24le(payload, 7) + 1
        has_alpha, animated = bool(flags & 0x10), bool(flags & 0x02)
    else:
        raise ImageError(f"WebP starts with an unknown chunk {kind!r}")
    tiff: TiffFacts | None = None
    if kind == b"VP8X":
        anmf = 0
        pos, end = 20 + size + (size & 1), len(b)
        budget = WalkBudget("WebP chunks", 100_000)
        while pos + 8 <= end:
            budget.spend()
            chunk, length = bytes(b[pos : pos + 4]), u32le(b, pos + 4)
            if chunk == b"ANMF":
                anmf += 1
                delays.append(u24le(b, pos + 8 + 12))
            elif chunk == b"ANIM":
                loop = u16le(b, pos + 8 + 4)
            elif chunk == b"EXIF":
                body = b[pos + 8 : pos + 8 + length]
                # Some writers keep JPEG's "Exif\0\0" prefix in front of the TIFF block.
                tiff = tiff_facts(body[6:] if bytes(body[:6]) == b"Exif\x00\x00" else body)
            pos += 8 + length + (length & 1)
        if animated:
            frames = max(anmf, 1)
    return ImageHeader(
        format="webp",
        width=width,
        height=height,
        frames=frames,
        has_alpha=has_alpha,
        bands=4 if has_alpha else 3,
        orientation=tiff.orientation if tiff else 1,
        exif=tiff.block if tiff else None,
        delays=tuple(delays) if frames > 1 else (),
        loop=loop,
    )
