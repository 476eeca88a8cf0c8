"""The `ImageInfo` record of a persistent-processing (Pic-Operations) response.

Shape per the spec's examples and addendum ruling 26: Format (upper case), Width, Height, Quality,
Ave, Orientation, FrameCount, all as the XML text the server writes.
"""

from __future__ import annotations

from ciimage.header import read_checked_header
from ciimage.imaging.jpeg_quality import estimate_jpeg_quality
from ciimage.info.average import mean_rgb, rgb_hex
from ciimage.info.inspection import FORMAT_LABELS

# Addendum ruling 15: a non-JPEG input counts as quality 100.
DEFAULT_QUALITY = 100


def image_info_record(data: bytes) -> dict[str, str]:
    """`{"Format", "Width", "Height", "Quality", "Ave", "Orientation", "FrameCount"}` in order."""
    header = read_checked_header(data)
    quality = estimate_jpeg_quality(data) if header.format == "jpg" else None
    return {
        "Format": FORMAT_LABELS[header.format],
        "Width": str(header.width),
        "Height": str(header.height),
        "Quality": str(quality if quality is not None else DEFAULT_QUALITY),
        "Ave": rgb_hex(mean_rgb(data, header)),
        "Orientation": str(header.orientation),
        "FrameCount": str(header.frames),
    }
