"""Pixel backends: libvips first, Pillow where libvips lacks a codec. Same actions, same plan.

`auto` also hands a run to Pillow where measurement (benchmarks/bench_ops.py, 6000x4000 JPEG)
shows Pillow faster for the whole run: JPEG in, JPEG or WebP out, only cheap geometric actions,
and either WebP output (Pillow's libwebp build encodes faster) or a first resize that JPEG DCT
scaling reaches exactly (1/2, 1/4, 1/8) or shrinks by 8 or more (Pillow's `draft` then leaves
almost nothing to resample). Everything else (filters, PNG output, free rotation, moderate
shrinks) is faster on libvips.
"""

from __future__ import annotations

from collections.abc import Sequence

from ciimage.errors import CIError, UnsupportedFormatError
from ciimage.imaging import formats
from ciimage.imaging.actions import Action, Embed, Extract, Mirror, Orient, Resize, Turn
from ciimage.imaging.backends.base import Backend

BACKEND_NAMES = ("auto", "vips", "pillow")
_CHEAP_ACTIONS = (Resize, Extract, Embed, Mirror, Orient)
_DCT_SCALES = (2, 4, 8)


def backend_name(
    name: str,
    input_format: str,
    output_format: str,
    actions: Sequence[Action] = (),
    input_size: tuple[int, int] | None = None,
) -> str:
    """The backend (`vips` or `pillow`) that runs this plan; `auto` picks by the codec table
    (`ciimage.imaging.formats`) and by measured speed."""
    if name not in BACKEND_NAMES:
        raise CIError(f"backend {name!r} is not one of {', '.join(BACKEND_NAMES)}")
    if name == "vips" and not formats.vips_available():
        raise UnsupportedFormatError("the vips backend needs pyvips, which cannot be imported")
    if name != "auto":
        return name
    vips_codecs = formats.can_decode(formats.VIPS, input_format) and formats.can_encode(
        formats.VIPS, output_format
    )
    if not vips_codecs or _pillow_is_faster(input_format, output_format, actions, input_size):
        return "pillow"
    return "vips"


def get_backend(name: str) -> Backend:
    if name == "vips":
        from ciimage.imaging.backends.vips import VipsBackend

        return VipsBackend()
    from ciimage.imaging.backends.pillow import PillowBackend

    return PillowBackend()


def choose_backend(
    name: str,
    input_format: str,
    output_format: str,
    actions: Sequence[Action] = (),
    input_size: tuple[int, int] | None = None,
) -> Backend:
    return get_backend(backend_name(name, input_format, output_format, actions, input_size))


def _pillow_is_faster(
    input_format: str,
    output_format: str,
    actions: Sequence[Action],
    input_size: tuple[int, int] | None,
) -> bool:
    if input_format != "jpg" or output_format not in ("jpg", "webp"):
        return False
    for action in actions:
        quarter_turn = isinstance(action, Turn) and action.degrees % 90 == 0
        if not (isinstance(action, _CHEAP_ACTIONS) or quarter_turn):
            return False
    if output_format == "webp":
        return True
    first = actions[0] if actions else None
    if not isinstance(first, Resize) or input_size is None:
        return False
    width, height = input_size
    if any(first.width * d == width and first.height * d == height for d in _DCT_SCALES):
        return True
    return first.width * 8 <= width and first.height * 8 <= height
