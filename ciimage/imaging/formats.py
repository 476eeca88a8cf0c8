"""The one table of which library decodes and which encodes each format.

libvips (pyvips-binary) is preferred where it has the codec; it has no BMP loader or saver (no
ImageMagick built in) and its libheif has no HEVC decoder or encoder (AVIF works), so BMP and HEIF
go through Pillow and pillow-heif. Every module that decodes or encodes asks here; where pyvips
cannot be imported at all, everything Pillow can do still works.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from ciimage.header import ImageHeader

VIPS = "vips"
PILLOW = "pillow"
AVIF_SEQUENCE = "avif-sequence"


@dataclass(frozen=True)
class Codec:
    """Libraries able to decode / encode one format, in order of preference."""

    decoders: tuple[str, ...]
    encoders: tuple[str, ...]


CODECS: dict[str, Codec] = {
    "jpg": Codec((VIPS, PILLOW), (VIPS, PILLOW)),
    "png": Codec((VIPS, PILLOW), (VIPS, PILLOW)),
    "gif": Codec((VIPS, PILLOW), (VIPS, PILLOW)),
    "webp": Codec((VIPS, PILLOW), (VIPS, PILLOW)),
    "avif": Codec((VIPS, PILLOW), (VIPS, PILLOW)),
    "bmp": Codec((PILLOW,), (PILLOW,)),
    "heif": Codec((PILLOW,), (PILLOW,)),
    "svg": Codec((VIPS,), ()),
    # An AVIF image sequence (brand avis): libvips' heifload reads only still items here.
    AVIF_SEQUENCE: Codec((PILLOW,), ()),
}
# Formats that can carry more than one frame on output (ruling 18).
ANIMATED_OUTPUTS = frozenset({"gif", "webp"})


@cache
def vips_available() -> bool:
    try:
        import pyvips  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def decode_key(header: ImageHeader) -> str:
    """The row of the table that decodes this input (an animated AVIF has its own)."""
    return AVIF_SEQUENCE if header.format == "avif" and header.animated else header.format


def _available(libraries: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(lib for lib in libraries if lib != VIPS or vips_available())


def decoder(fmt: str) -> str | None:
    """The library that decodes `fmt` here, or None when none can."""
    found = _available(CODECS[fmt].decoders) if fmt in CODECS else ()
    return found[0] if found else None


def encoder(fmt: str) -> str | None:
    found = _available(CODECS[fmt].encoders) if fmt in CODECS else ()
    return found[0] if found else None


def can_decode(library: str, fmt: str) -> bool:
    return fmt in CODECS and library in CODECS[fmt].decoders and _available((library,)) != ()


def can_encode(library: str, fmt: str) -> bool:
    return fmt in CODECS and library in CODECS[fmt].encoders and _available((library,)) != ()


def open_with_pillow(data: bytes) -> PILImage.Image:
    """`PIL.Image.open` on bytes, with HEIF (pillow-heif) registered."""
    import io

    from PIL import Image

    if data[4:8] == b"ftyp":  # HEIF and AVIF are ISO-BMFF; importing pillow-heif costs ~10 ms
        register_heif()
    return Image.open(io.BytesIO(data))


@cache
def register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
