"""Sniff, dispatch to the format's header reader, and apply CI's input limits."""

from __future__ import annotations

import struct
from collections.abc import Callable

from ciimage.errors import ImageError
from ciimage.header.bmp import read_bmp
from ciimage.header.gif import read_gif
from ciimage.header.heif import read_isobmff
from ciimage.header.jpeg import read_jpeg
from ciimage.header.model import ImageHeader, check_input_limits, check_input_size
from ciimage.header.png import read_png
from ciimage.header.sniff import sniff_format
from ciimage.header.svg import read_svg
from ciimage.header.webp import read_webp

_READERS: dict[str, Callable[[memoryview], ImageHeader]] = {
    "jpg": read_jpeg,
    "png": read_png,
    "gif": read_gif,
    "webp": read_webp,
    "bmp": read_bmp,
    "heif": read_isobmff,
    "avif": read_isobmff,
    "svg": read_svg,
}


def read_header(data: bytes) -> ImageHeader:
    """Parse the header of `data`; raises `ImageError` for anything unreadable."""
    fmt = sniff_format(data)
    if fmt == "tpg":
        raise ImageError("TPG is Tencent's proprietary format; ciimage cannot read it")
    reader = _READERS[fmt]
    try:
        header = reader(memoryview(data).toreadonly())
    except ImageError:
        raise
    except (IndexError, ValueError, struct.error, OverflowError) as exc:
        raise ImageError(f"{fmt} header is truncated or corrupt") from exc
    if header.width <= 0 or header.height <= 0:
        raise ImageError(f"{fmt} header gives an empty size {header.width}x{header.height}")
    return header


def read_checked_header(data: bytes) -> ImageHeader:
    """`read_header` plus `check_input_limits`, refusing oversize input before parsing it."""
    check_input_size(len(data))
    header = read_header(data)
    check_input_limits(header, len(data))
    return header
