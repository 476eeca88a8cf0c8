"""Pixel backends: libvips first, Pillow where libvips lacks a codec. Same actions, same plan.

`auto` also hands a run to Pillow where measurement (benchmarks/bench_ops.py, 6000x4000 JPEG)
shows Pillow faster for the whole run: JPEG in, JPEG or WebP out, only cheap geometric actions,
and either WebP output (Pillow's libwebp build encodes faster) or a first resize that JPEG DCT
scaling reaches exactly (1/2, 1/4, 1/8) or shrinks by 8 or more (Pillow's `draft` then leaves
almost nothing to resample), or an everyday-sized input (bench_overhead.py, see below).
Everything else (filters, PNG output, free rotation, moderate shrinks) is faster on libvips.
"""

from __future__ import annotations

from collections.abc import Sequence

from ciimage.errors import CIError, UnsupportedFormatError
from ciimage.imaging import formats
from ciimage.imaging.actions import (
    Action,
    Composite,
    Embed,
    Extract,
    Mirror,
    Orient,
    Overlay,
    Resize,
    Turn,
)
from ciimage.imaging.backends.base import Backend

BACKEND_NAMES = ("auto", "vips", "pillow")
_CHEAP_ACTIONS = (Resize, Extract, Embed, Mirror, Orient)
_DCT_SCALES = (2, 4, 8)
# Small inputs (bench_overhead.py, 640x427 to 1280x853): Pillow's one thread beats libvips'
# pipeline set-up for cheap geometric work, with no resize or a first resize that shrinks (draft
# where a DCT scale fits, then a small resample; 640x427 fitted into 512x512: 11.0-12.1 against
# 12.9-13.7 ms CPU). An enlargement stays on libvips. At 2000x1500 libvips' threads win the wall
# clock (the server benchmark's fit-in 512 ran 40 % slower on Pillow), as they do at 6000x4000
# (bench_ops).
_SMALL_INPUT_PIXELS = 1_300_000
_SMALL_INPUT_SHRINK = 1.0
# Watermarks too, at those sizes: Pillow blends the tile's box alone, where libvips' composite
# blends every pixel of the image (640x427 text watermark: 5.6 against 14.1 ms CPU).
_WATERMARKS = (Overlay, Composite)
_SMALL_INPUT_ACTIONS = (*_CHEAP_ACTIONS, *_WATERMARKS)
# A plan of watermarks alone (no resize) runs on Pillow up to a mid-size photo: the same decode
# and encode, a blend of the tile's box alone (2000x1500 text watermark: 37 against 61 ms CPU).
# Above it libvips' streaming keeps memory flat.
_WATERMARK_ONLY_PIXELS = 4_000_000
_WATERMARK_ONLY_ACTIONS = (*_WATERMARKS, Orient)


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
    # Asked first, so that such a run never imports pyvips (~55 ms of a `ciimage process`).
    if _pillow_is_faster(input_format, output_format, actions, input_size):
        return "pillow"
    vips_codecs = formats.can_decode(formats.VIPS, input_format) and formats.can_encode(
        formats.VIPS, output_format
    )
    if not vips_codecs:
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
    first = actions[0] if actions else None
    if _everyday_size_favours_pillow(first, actions, input_size):
        return True
    if _watermarks_only(actions, input_size):
        return True
    if not all(_cheap(action, _CHEAP_ACTIONS) for action in actions):
        return False
    if output_format == "webp":
        return True
    if input_size is None:
        return False
    if not isinstance(first, Resize):
        return False
    width, height = input_size
    if any(first.width * d == width and first.height * d == height for d in _DCT_SCALES):
        return True
    return first.width * 8 <= width and first.height * 8 <= height


def _watermarks_only(actions: Sequence[Action], input_size: tuple[int, int] | None) -> bool:
    if input_size is None or input_size[0] * input_size[1] > _WATERMARK_ONLY_PIXELS:
        return False
    return any(isinstance(action, _WATERMARKS) for action in actions) and all(
        isinstance(action, _WATERMARK_ONLY_ACTIONS) for action in actions
    )


def _cheap(action: Action, kinds: tuple[type, ...]) -> bool:
    return isinstance(action, kinds) or (isinstance(action, Turn) and action.degrees % 90 == 0)


def _everyday_size_favours_pillow(
    first: Action | None, actions: Sequence[Action], input_size: tuple[int, int] | None
) -> bool:
    if input_size is None or input_size[0] * input_size[1] > _SMALL_INPUT_PIXELS:
        return False
    if not all(_cheap(action, _SMALL_INPUT_ACTIONS) for action in actions):
        return False
    width, height = input_size
    if not any(isinstance(action, Resize) for action in actions):
        return True
    if not isinstance(first, Resize):
        return False
    return min(width / first.width, height / first.height) >= _SMALL_INPUT_SHRINK
