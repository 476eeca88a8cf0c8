"""Actions and operations in CI's words, for `ciimage explain` and error messages."""

from __future__ import annotations

from ciimage.imaging import actions as act
from ciimage.rules import ast

# CI's parameter names for the filters an Adjust action runs.
_FILTER_NAMES = {
    ast.Blur: "blur",
    ast.Bright: "bright",
    ast.Contrast: "contrast",
    ast.Sharpen: "sharpen",
    ast.Grayscale: "grayscale",
}


def describe_action(action: act.Action) -> str:
    match action:
        case act.Resize(width=w, height=h):
            return f"scale to {w}x{h}"
        case act.Extract(left=x, top=y, width=w, height=h):
            return f"crop {w}x{h} at ({x}, {y})"
        case act.Embed(width=w, height=h, left=x, top=y, color=c):
            return f"pad to {w}x{h} with {c}, image at ({x}, {y})"
        case act.Mask(shape="circle", radius=r):
            return f"iradius {r}: transparent outside the circle"
        case act.Mask(radius=r):
            return f"rradius {r}: rounded corners"
        case act.Turn(degrees=d, width=w, height=h):
            return f"rotate {d} degrees clockwise onto {w}x{h}"
        case act.Orient(orientation=o):
            return f"auto-orient (EXIF orientation {o})"
        case act.Mirror(direction=d):
            return f"flip {d.value}"
        case act.Adjust(operation=op):
            return _FILTER_NAMES.get(type(op), "filter")
        case act.FaceCrop(width=w, height=h):
            return f"scrop {w}x{h}: crop around the largest face (unchanged without one)"
        case act.Overlay(node=node):
            return "text watermark" if isinstance(node, ast.TextWatermark) else "image watermark"
        case act.Composite(positions=positions):
            count = len(positions)
            return f"watermark at {count} place{'s' if count != 1 else ''}"
    return getattr(action, "ci_name", "custom action")
