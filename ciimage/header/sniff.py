"""Which format a byte string is, from its magic bytes alone."""

from __future__ import annotations

from ciimage.errors import ImageError
from ciimage.header.heif import isobmff_format
from ciimage.header.png import PNG_SIGNATURE
from ciimage.header.svg import looks_like_svg


def sniff_format(data: bytes) -> str:
    """CI's short format name for `data`, from its magic bytes alone."""
    head = bytes(data[:64])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"BM" and len(head) >= 18:
        return "bmp"
    if head[:3] == b"TPG":
        return "tpg"
    if head[4:8] == b"ftyp":
        brand = isobmff_format(data)
        if brand is not None:
            return brand
    if looks_like_svg(data):
        return "svg"
    raise ImageError(
        "input is not an image CI reads: expected JPG, PNG, GIF, WebP, BMP, HEIF, AVIF or SVG"
    )
