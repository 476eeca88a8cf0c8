"""CI's font names mapped to the open-licensed fonts bundled in `fonts/`.

CI draws text in 12 proprietary fonts (image-processing.txt, "Supported Fonts") plus its default
`tahoma.ttf`. None can be shipped, so each maps to a free font of the same style: Hei (sans) to
WenQuanYi Micro Hei, Kai and FangSong to AR PL KaitiM GB, Song to AR PL SungtiL GB, the Latin
families to Liberation Sans (metric-compatible with Arial/Helvetica) or DejaVu Sans. A character
the mapped font lacks (Chinese in a Latin font, say) is drawn in the first fallback that has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from ciimage.errors import RuleError
from ciimage.resources import resource_dir
from ciimage.rules.specs import FONTS
from ciimage.watermark.cmap import CharacterMap, character_map


@dataclass(frozen=True)
class BundledFace:
    """One face of a bundled font file (`index` selects the face inside a .ttc collection)."""

    file: str
    index: int = 0

    @property
    def path(self) -> Path:
        return _fonts_dir() / self.file


@lru_cache(maxsize=1)
def _fonts_dir() -> Path:
    # Looked up once: glyph coverage asks for a face's path for every character drawn.
    return resource_dir("fonts")


WQY_MICRO_HEI = BundledFace("wqy-microhei.ttc", 0)
AR_PL_KAITI = BundledFace("gkai00mp.ttf")
AR_PL_SUNGTI = BundledFace("gbsn00lp.ttf")
LIBERATION_SANS = BundledFace("LiberationSans-Regular.ttf")
LIBERATION_SANS_BOLD = BundledFace("LiberationSans-Bold.ttf")
DEJAVU_SANS = BundledFace("DejaVuSans.ttf")
DEJAVU_SANS_BOLD = BundledFace("DejaVuSans-Bold.ttf")

DEFAULT_FONT = "tahoma.ttf"

# Keys are lower-case: CI font names are matched case-insensitively (addendum ruling 5).
FONT_FACES: dict[str, BundledFace] = {
    "simfang.ttf": AR_PL_KAITI,
    "simhei.ttf": WQY_MICRO_HEI,
    "simkai.ttf": AR_PL_KAITI,
    "simsun.ttc": AR_PL_SUNGTI,
    "stheiti-light.ttc": WQY_MICRO_HEI,
    "stheiti-medium.ttc": WQY_MICRO_HEI,
    "youyuan.ttf": WQY_MICRO_HEI,
    "ahronbd.ttf": LIBERATION_SANS_BOLD,
    "arial.ttf": LIBERATION_SANS,
    "ariblk.ttf": DEJAVU_SANS_BOLD,
    "helvetica.dfont": LIBERATION_SANS,
    "helveticaneue.dfont": LIBERATION_SANS,
    "tahoma.ttf": DEJAVU_SANS,
}

# CI's supported font names are declared once, with the rule language.
SUPPORTED_FONT_NAMES = FONTS

# Tried in order for characters the requested font lacks: CJK first, then wide Latin/symbol cover.
FALLBACK_FACES: tuple[BundledFace, ...] = (WQY_MICRO_HEI, DEJAVU_SANS)

BUNDLED_FACES: tuple[BundledFace, ...] = tuple(dict.fromkeys(FONT_FACES.values()))


def face_for(font_name: str) -> BundledFace:
    """The bundled face that stands in for CI font `font_name` (case-insensitive)."""
    face = FONT_FACES.get(font_name.lower())
    if face is None:
        raise RuleError(
            f"font {font_name!r} is not supported; use one of: {', '.join(SUPPORTED_FONT_NAMES)}",
            parameter="font",
        )
    return face


def face_chain(font_name: str) -> tuple[BundledFace, ...]:
    """The requested face followed by the fallbacks, without repeats."""
    return tuple(dict.fromkeys((face_for(font_name), *FALLBACK_FACES)))


@lru_cache(maxsize=64)
def load_font(face: BundledFace, size: int) -> ImageFont.FreeTypeFont:
    """A FreeType font at `size` pixels (1 pt = 1 px, addendum ruling 19), cached per size.

    The basic layout engine is used on purpose: it depends only on FreeType, so the same text
    lays out the same on every installation, with or without libraqm.
    """
    return ImageFont.truetype(
        str(face.path), size=size, index=face.index, layout_engine=ImageFont.Layout.BASIC
    )


@lru_cache(maxsize=len(BUNDLED_FACES) + len(FALLBACK_FACES))
def coverage(face: BundledFace) -> CharacterMap:
    # Cached per face: text layout asks once per character drawn, and building the face's path
    # each time cost more than drawing the text (issue 14).
    return character_map(face.path, face.index)
