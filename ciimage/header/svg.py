"""SVG: the root element's width/height (or viewBox)."""

from __future__ import annotations

import re

from ciimage.errors import ImageError
from ciimage.header.model import ImageHeader

_SVG_ROOT = re.compile(rb"<svg\b([^>]*)>", re.IGNORECASE)
_SVG_LENGTH = re.compile(rb"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|in|cm|mm)?\s*$")
_SVG_UNIT_PX = {
    b"": 1.0,
    b"px": 1.0,
    b"pt": 96 / 72,
    b"pc": 16.0,
    b"in": 96.0,
    b"cm": 96 / 2.54,
    b"mm": 96 / 25.4,
}


def looks_like_svg(data: bytes | memoryview) -> bool:
    head = bytes(data[:4096]).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] == b"<" and re.search(rb"<svg\b", head, re.IGNORECASE) is not None


def _svg_attribute(attributes: bytes, name: bytes) -> bytes | None:
    match = re.search(rb"(?:^|\s)" + name + rb"\s*=\s*([\"'])(.*?)\1", attributes)
    return match.group(2) if match else None


def _svg_length(value: bytes | None) -> float | None:
    if value is None:
        return None
    match = _SVG_LENGTH.match(value)
    if match is None:
        return None  # percentages and font-relative units: the viewBox decides
    return float(match.group(1)) * _SVG_UNIT_PX[match.group(2) or b""]


def read_svg(b: memoryview) -> ImageHeader:
    root = _SVG_ROOT.search(bytes(b[:65536]))
    if root is None:
        raise ImageError("SVG has no <svg> root element in its first 64 KB")
    attributes = root.group(1)
    width = _svg_length(_svg_attribute(attributes, b"width"))
    height = _svg_length(_svg_attribute(attributes, b"height"))
    view_box = _svg_attribute(attributes, b"viewBox")
    if view_box is not None and (width is None or height is None):
        parts = view_box.replace(b",", b" ").split()
        if len(parts) == 4:
            box_w, box_h = float(parts[2]), float(parts[3])
            if width is None and height is None:
                width, height = box_w, box_h
            elif width is None and box_h and height is not None:
                width = height * box_w / box_h
            elif height is None and box_w and width is not None:
                height = width * box_h / box_w
    if width is None or height is None:
        raise ImageError("SVG gives neither an absolute width/height nor a viewBox")
    return ImageHeader(
        format="svg", width=round(width), height=round(height), has_alpha=True, bands=4
    )
