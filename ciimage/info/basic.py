"""`?imageInfo`: format, size, byte count, md5 and frame count, from the header alone."""

from __future__ import annotations

import hashlib

from ciimage.header import ImageHeader, read_checked_header
from ciimage.info.average import mean_rgb, rgb_hex

# CI's names in imageInfo's `format` (its example answers "jpeg" for a .jpeg object).
INFO_FORMAT_NAMES = {
    "jpg": "jpeg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "bmp": "bmp",
    "heif": "heif",
    "avif": "avif",
    "svg": "svg",
}


def image_info(data: bytes, *, photo_rgb: bool = False) -> dict[str, str]:
    """imageInfo's answer, every value a string (addendum ruling 21).

    `photo_rgb` (the mean colour, as imageAve computes it) is the only value that needs the
    pixels, so it is computed only on request.
    """
    header = read_checked_header(data)
    info = {
        "format": INFO_FORMAT_NAMES[header.format],
        "width": str(header.width),
        "height": str(header.height),
        "size": str(len(data)),
        "md5": hashlib.md5(data).hexdigest(),
        "frame_count": str(header.frames),
        "bit_depth": str(header.bit_depth),
    }
    info.update(_dpi_fields(header))
    if photo_rgb:
        info["photo_rgb"] = rgb_hex(mean_rgb(data, header))
    return info


def _dpi_fields(header: ImageHeader) -> dict[str, str]:
    if header.dpi is None:
        return {}
    horizontal, vertical = header.dpi
    # pHYs stores pixels per metre, so 72 dpi comes back as 72.009: report whole dots per inch.
    return {"vertical_dpi": str(round(vertical)), "horizontal_dpi": str(round(horizontal))}
