"""Text drawn once into an RGBA tile with Pillow's FreeType renderer.

Both backends composite this same tile, so text looks and sits the same whichever executes the
plan, and the glyphs come only from the bundled fonts (pyvips' text goes through fontconfig,
which would pick whatever fonts the host has).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ciimage.errors import RuleError
from ciimage.watermark.cmap import CharacterMap
from ciimage.watermark.fonts import BundledFace, coverage, face_chain, load_font
from ciimage.watermark.geometry import shadow_offset
from ciimage.watermark.raster import RGBA

SHADOW_COLOUR = (0, 0, 0)

# Text is drawn whole before placement; these bound the memory that takes (an L mask, then
# RGBA). The side matches CI's 30,000 px input limit; 20 Mpx holds e.g. 100 CJK characters at
# 200 px or a dozen at the largest fontsize, 1000.
MAX_TEXT_SIDE = 30_000
MAX_TEXT_PIXELS = 20_000_000


@dataclass(frozen=True)
class TextRun:
    """Consecutive characters of one line drawn in the same face."""

    face: BundledFace
    text: str


def parse_fill(fill: str) -> tuple[int, int, int]:
    """`#RRGGBB` (or `RRGGBB`) to an RGB triple."""
    digits = fill.removeprefix("#")
    if len(digits) != 6:
        raise ValueError(f"fill must be #RRGGBB, not {fill!r}")
    value = int(digits, 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def _face_for_character(
    character: str, chain: tuple[BundledFace, ...], maps: tuple[CharacterMap, ...]
) -> BundledFace:
    if character.isspace():
        return chain[0]
    codepoint = ord(character)
    for face, characters in zip(chain, maps, strict=True):
        if codepoint in characters:
            return face
    # No bundled font has it: the requested font's own .notdef box is the honest rendering.
    return chain[0]


def split_runs(line: str, font_name: str) -> list[TextRun]:
    """A line cut into runs, each in the first face of the font's chain that has its glyphs."""
    chain = face_chain(font_name)
    maps = tuple(coverage(face) for face in chain)
    faces = [_face_for_character(character, chain, maps) for character in line]
    runs: list[TextRun] = []
    start = 0
    for index in range(1, len(line) + 1):
        if index == len(line) or faces[index] != faces[start]:
            runs.append(TextRun(faces[start], line[start:index]))
            start = index
    return runs


def _line_runs(text: str, font_name: str) -> Iterator[list[TextRun]]:
    for line in text.replace("\r\n", "\n").split("\n"):
        yield split_runs(line, font_name)


def render_coverage(text: str, font_name: str, size: int) -> np.ndarray:
    """Glyph coverage (uint8, 0-255) of `text` in `font_name` at `size` px, cut to its ink.

    Lines (separated by newlines) stack at the primary font's line height and start flush left;
    runs in fallback fonts share the line's baseline. The array is read-only: a server draws the
    same watermark text on every image, so small masks are kept (`_recent_coverage`).
    """
    key = (text, font_name, size)
    mask = _recent_coverage.get(key)
    if mask is not None:
        return mask
    mask = _draw_coverage(text, font_name, size)
    mask.flags.writeable = False
    if mask.size <= CACHED_MASK_PIXELS:
        with _recent_lock:  # the server prepares images in several threads
            if len(_recent_coverage) >= CACHED_MASKS:
                _recent_coverage.pop(next(iter(_recent_coverage)))  # the oldest
            _recent_coverage[key] = mask
    return mask


# Text masks kept between calls: at most CACHED_MASKS of at most CACHED_MASK_PIXELS bytes each
# (4 MB in all); larger texts are drawn every time.
CACHED_MASKS = 16
CACHED_MASK_PIXELS = 256 * 1024
_recent_coverage: dict[tuple[str, str, int], np.ndarray] = {}
_recent_lock = threading.Lock()


def _draw_coverage(text: str, font_name: str, size: int) -> np.ndarray:
    lines = list(_line_runs(text, font_name))
    primary = load_font(face_chain(font_name)[0], size)
    ascent, descent = primary.getmetrics()
    line_height = ascent + descent
    advances = [[load_font(run.face, size).getlength(run.text) for run in line] for line in lines]
    widths = [sum(line) for line in advances]
    # A margin of one em on every side holds overhanging glyphs and tall fallback faces.
    margin = size
    canvas_width = int(max(widths, default=0)) + 2 * margin + 1
    canvas_height = line_height * len(lines) + 2 * margin
    _check_text_size(canvas_width - 2 * margin, canvas_height - 2 * margin)
    canvas = Image.new("L", (canvas_width, canvas_height), 0)
    draw = ImageDraw.Draw(canvas)
    for index, line in enumerate(lines):
        x = float(margin)
        baseline = margin + index * line_height + ascent
        for run, advance in zip(line, advances[index], strict=True):
            font: ImageFont.FreeTypeFont = load_font(run.face, size)
            draw.text((x, baseline), run.text, fill=255, font=font, anchor="ls")
            x += advance
    mask = np.asarray(canvas, dtype=np.uint8)
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return np.zeros((1, 1), dtype=np.uint8)
    columns = np.flatnonzero(mask.any(axis=0))
    return np.ascontiguousarray(mask[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1])


def _check_text_size(width: int, height: int) -> None:
    if width > MAX_TEXT_SIDE or height > MAX_TEXT_SIDE or width * height > MAX_TEXT_PIXELS:
        raise RuleError(
            f"the watermark text would be {width}x{height} px; text watermarks may be at most "
            f"{MAX_TEXT_SIDE} px a side and {MAX_TEXT_PIXELS} pixels: use a smaller fontsize "
            "or shorter text",
            parameter="text",
        )


def _coloured(mask: np.ndarray, colour: tuple[int, int, int]) -> RGBA:
    tile = np.empty((*mask.shape, 4), dtype=np.uint8)
    # One 32-bit store per pixel: assigning the 3-channel slice costs ~12x more.
    tile.view(np.uint32)[..., 0] = np.frombuffer(bytes((*colour, 0)), np.uint32)[0]
    tile[..., 3] = mask
    return tile


def render_text(text: str, font_name: str, size: int, fill: str, shadow: int) -> RGBA:
    """Opaque text in `fill`, with a drop shadow of `shadow` percent opacity (0 = none).

    The shadow (addendum ruling 19 leaves its look to us) is black, offset right and down by
    about a twelfth of the font size; the tile grows by that offset.
    """
    mask = render_coverage(text, font_name, size)
    colour = parse_fill(fill)
    if shadow <= 0:
        return _coloured(mask, colour)
    offset = shadow_offset(size)
    height, width = mask.shape
    glyph_alpha = np.zeros((height + offset, width + offset), dtype=np.float32)
    glyph_alpha[:height, :width] = mask
    glyph_alpha /= 255
    shadow_alpha = np.zeros_like(glyph_alpha)
    shadow_alpha[offset:, offset:] = mask
    shadow_alpha *= shadow / 100 / 255
    # Text "over" a black shadow: alpha adds up, and since the shadow is black the colour is
    # the fill weighted by the text's share of that alpha (2-D float arrays only, so a large
    # text costs a few bytes per pixel rather than a full RGBA float image).
    alpha = glyph_alpha + shadow_alpha * (1 - glyph_alpha)
    share = np.divide(glyph_alpha, alpha, out=np.zeros_like(alpha), where=alpha > 0)
    tile = np.empty((*alpha.shape, 4), dtype=np.uint8)
    for channel, value in enumerate(colour):
        tile[..., channel] = np.rint(share * value)
    tile[..., 3] = np.rint(alpha * 255)
    return tile
