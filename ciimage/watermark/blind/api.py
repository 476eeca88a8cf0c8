"""Blind watermarks by type, with CI's refusals; and `extract_watermark` on encoded bytes."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ciimage.errors import CIError, ImageError, RuleError, UnsupportedFormatError
from ciimage.header import read_checked_header
from ciimage.rules.ast import BlindWatermark, BlindWatermarkExtract
from ciimage.watermark.blind import core, marks
from ciimage.watermark.blind.carrier import DEFAULT_KEY, TILE
from ciimage.watermark.resolver import Resolver, default_resolver

# WatermarkStatus from the detection z (template correlation in noise deviations): unmarked
# images stay below z 5 (100 measured, every offset and scale tried), so z 7 is status 59.
_Z_POINTS = (0.0, 7.0, 10.0, 18.0)
_STATUS_POINTS = (0.0, 59.0, 75.0, 100.0)
_TEXT = re.compile(r"[0-9A-Za-z]*")
INVALID = -60998  # CI's code for an invalid processing parameter


@dataclass(frozen=True)
class WatermarkExtraction:
    """What `watermark/4` finds: `status` 0-100 (> 75 present, 60-75 suspected, < 60 absent),
    `text` for type 3 (None when absent), `image` (PNG of the recovered mark) for types 1, 2."""

    type: int
    status: int
    text: str | None = None
    image: bytes | None = None


def status_of(z: float) -> int:
    return round(float(np.interp(z, _Z_POINTS, _STATUS_POINTS)))


def check_text(text: str | None) -> str:
    """The text of a type 3 mark, or RuleError saying what CI accepts."""
    if not text:
        raise RuleError("watermark type 3 needs text (base64 of UTF-8 text)", parameter="text")
    if not _TEXT.fullmatch(text):
        raise RuleError(
            f"blind watermark text {text!r} may contain only digits and letters [0-9A-Za-z]",
            parameter="text",
        )
    if len(text) > core.TEXT_CHARS:
        raise RuleError(
            f"blind watermark text is {len(text)} characters; the frame holds at most "
            f"{core.TEXT_CHARS}",
            parameter="text",
        )
    return text


def check_mark_size(mark: np.ndarray, pixels: np.ndarray) -> None:
    """CI: the mark's width and height are each at most 1/8 of the input's."""
    mark_h, mark_w = mark.shape[:2]
    height, width = pixels.shape[:2]
    if mark_w * 8 > width or mark_h * 8 > height:
        raise CIError(
            f"the blind watermark image is {mark_w}x{mark_h}; CI accepts at most 1/8 of the "
            f"input's width and height ({width // 8}x{height // 8} for {width}x{height})",
            code=INVALID,
        )


def _check_input(pixels: np.ndarray) -> None:
    height, width = pixels.shape[:2]
    if height < TILE or width < TILE:
        raise CIError(
            f"blind watermarks need at least {TILE}x{TILE} pixels, got {width}x{height}",
            code=INVALID,
        )


def _needs(reference: np.ndarray | None, what: str, type_: int) -> np.ndarray:
    if reference is None:
        raise RuleError(f"watermark type {type_} needs image ({what})", parameter="image")
    return reference


def embed(
    pixels: np.ndarray,
    mark: str | np.ndarray | None,
    *,
    type: int,
    key: str = DEFAULT_KEY,
    level: int = 1,
) -> np.ndarray:
    """`pixels` (uint8 H x W, or H x W x 3/4) with a blind watermark of `type` added.

    Types 1 and 2: `mark` is the mark's pixels (white on black, at most 1/8 of the input's
    sides). Type 3: `mark` is the text. `level` (1-3) applies to type 2, as in CI.
    """
    _check_input(pixels)
    if type == 3:
        text = check_text(mark if isinstance(mark, str) else None)
        return core.embed_text(pixels, text, key=key)
    picture = _needs(None if isinstance(mark, str) else mark, "the mark", type)
    check_mark_size(picture, pixels)
    bits = marks.mark_bits(picture, marks.MARK_SIDE[type])
    if type == 1:
        return core.embed_semi(pixels, bits, key=key)
    return core.embed_mark(pixels, bits, key=key, level=level)


def extract(
    pixels: np.ndarray,
    *,
    type: int,
    reference: np.ndarray | None = None,
    key: str = DEFAULT_KEY,
) -> WatermarkExtraction:
    """What a blind watermark of `type` says in `pixels`.

    `reference` is the original image for type 1 and the mark for type 2; type 3 needs none.
    """
    if type == 3:
        text, z = core.extract_text(pixels, key=key)
        status = status_of(z)
        status = max(status, 76) if text is not None else min(status, 59)
        return WatermarkExtraction(3, status, text, None)
    side = marks.MARK_SIDE[type]
    if type == 1:
        original = _needs(reference, "the original image", 1)
        bits, z = core.extract_semi(pixels, original, side, key=key)
        size = (original.shape[1] // 8 or 1, original.shape[0] // 8 or 1)
    else:
        mark = _needs(reference, "the mark", 2)
        expected = marks.mark_bits(mark, side)
        detection = core.locate_mark(pixels, expected, key=key)
        if detection is None:
            return WatermarkExtraction(2, 0, None, None)
        bits, z = core.recovered_bits(detection, expected, key=key), detection.z
        size = (mark.shape[1], mark.shape[0])
    image = marks.mark_png(bits, side, size) if bits is not None else None
    return WatermarkExtraction(type, status_of(z), None, image)


def decode_still(data: bytes, what: str = "input") -> np.ndarray:
    """RGB(A) uint8 pixels of a still image, EXIF orientation applied; animated input refused."""
    header = read_checked_header(data)
    if header.animated:
        raise UnsupportedFormatError(
            f"the {what} is an animated {header.format} with {header.frames} frames; CI adds and "
            "extracts blind watermarks on still images only"
        )
    import pillow_heif

    pillow_heif.register_heif_opener()
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
            return np.asarray(image.convert(mode), dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ImageError(f"the {what} ({header.format}) cannot be decoded: {error}") from error


def _resolve(url: str | None, resolver: Resolver, what: str, type_: int) -> np.ndarray:
    from ciimage.watermark.resolver import fetch_watermark

    if url is None:
        raise RuleError(f"watermark type {type_} needs image ({what})", parameter="image")
    return decode_still(fetch_watermark(resolver, url), f"blind watermark {what}")


def embed_blind(
    pixels: np.ndarray, node: BlindWatermark, mark_bytes: bytes | None, key: str = DEFAULT_KEY
) -> np.ndarray:
    """The executor's entry for `watermark/3`: `mark_bytes` is the resolved `node.image`
    (types 1, 2; None for type 3). Returns new pixels of the same shape and dtype."""
    if node.type == 3:
        return embed(pixels, node.text, type=3, key=key)
    if mark_bytes is None:
        raise RuleError(f"watermark type {node.type} needs image", parameter="image")
    mark = decode_still(mark_bytes, "blind watermark image")
    return embed(pixels, mark, type=node.type, key=key, level=node.level)


def extract_blind(
    pixels: np.ndarray,
    node: BlindWatermarkExtract,
    reference_bytes: bytes | None,
    key: str = DEFAULT_KEY,
) -> WatermarkExtraction:
    """The executor's entry for `watermark/4`: `reference_bytes` is the resolved `node.image`."""
    reference = None
    if node.type in (1, 2):
        what = "original image" if node.type == 1 else "image"
        if reference_bytes is None:
            raise RuleError(f"watermark type {node.type} needs image", parameter="image")
        reference = decode_still(reference_bytes, f"blind watermark {what}")
    return extract(pixels, type=node.type, reference=reference, key=key)


def extract_watermark(
    data: bytes, rule: str, *, resolver: Resolver | None = None, key: str = DEFAULT_KEY
) -> WatermarkExtraction:
    """Run a `watermark/4/type/<t>[/image/<b64>]` rule on encoded image bytes.

    `image` is resolved like image watermarks' (`resolver`, default: $CIIMAGE_BUCKET_ROOT).
    """
    from ciimage.rules import validate

    stages = validate(rule).stages
    if len(stages) != 1 or not isinstance(stages[0], BlindWatermarkExtract):
        raise RuleError(
            f"extract_watermark takes one watermark/4 stage, got {rule!r}", parameter="watermark"
        )
    return extract_node(data, stages[0], resolver=resolver, key=key)


def extract_node(
    data: bytes,
    node: BlindWatermarkExtract,
    *,
    resolver: Resolver | None = None,
    key: str = DEFAULT_KEY,
) -> WatermarkExtraction:
    """`extract_watermark` for a parsed `watermark/4` node."""
    pixels = decode_still(data)
    reference = None
    if node.type in (1, 2):
        what = "original image" if node.type == 1 else "image"
        reference = _resolve(node.image, resolver or default_resolver(), what, node.type)
    return extract(pixels, type=node.type, reference=reference, key=key)
