"""`?exif`: every tag of IFD0, the EXIF IFD and the GPS IFD, formatted as CI answers them.

Pillow's `ImageFileDirectory_v2` reads the TIFF structure: it keeps each tag's stored type
(`tagtype`) and rationals unreduced (`IFDRational.numerator/denominator` are the stored pair),
which is exactly what addendum ruling 23 needs, and Pillow is already a dependency. `exifread`
reduces rationals (its `Ratio` is a `Fraction`), `piexif` is unmaintained, and `exif` wraps
plum-py structures that would need the same type dispatch as here.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from typing import Any

from PIL import ExifTags
from PIL.TiffImagePlugin import IFDRational, ImageFileDirectory_v2

from ciimage.header import ImageHeader, read_checked_header

NO_EXIF: dict[str, str] = {"error": "no exif data"}

_EXIF_IFD, _GPS_IFD, _INTEROP_IFD = 0x8769, 0x8825, 0xA005
_POINTERS = frozenset({_EXIF_IFD, _GPS_IFD, _INTEROP_IFD})
_MAKER_NOTE = 0x927C
_COLOR_SPACE = 0xA001
_COLOR_SPACE_NAMES = {1: "sRGB", 0xFFFF: "Uncalibrated"}

# TIFF field types (TIFF 6.0 section 2, EXIF 2.32 section 4.6.2).
_BYTE, _ASCII, _SHORT, _LONG, _RATIONAL = 1, 2, 3, 4, 5
_SBYTE, _UNDEFINED, _SSHORT, _SLONG, _SRATIONAL, _FLOAT, _DOUBLE = 6, 7, 8, 9, 10, 11, 12
_BYTE_ARRAYS = frozenset({_BYTE, _SBYTE, _UNDEFINED})

# Where Pillow's table departs from the names the EXIF 2.32 standard gives these tags.
_STANDARD_NAMES = {
    0xA002: "PixelXDimension",
    0xA003: "PixelYDimension",
    0x9214: "SubjectArea",
}


def exif(data: bytes) -> dict[str, dict[str, str]] | dict[str, str]:
    """`{"Tag": {"val": "..."}}` sorted by tag name, or `{"error": "no exif data"}`."""
    header = read_checked_header(data)
    block = exif_block(data, header)
    if block is None:
        return dict(NO_EXIF)
    tags = dict(sorted(_tags(block)))
    if not tags:
        return dict(NO_EXIF)
    return {name: {"val": value} for name, value in tags.items()}


def exif_block(data: bytes, header: ImageHeader) -> bytes | None:
    """The TIFF-structured EXIF block of `data`, or None when it has none."""
    if header.exif is not None:
        return header.exif
    if header.format not in ("heif", "avif"):
        return None
    # HEIF keeps EXIF in an item; libheif reads it while loading the header, without decoding.
    import pyvips

    try:
        image = pyvips.Image.new_from_buffer(data, "")
        if "exif-data" not in image.get_fields():
            return None
        blob = bytes(image.get("exif-data"))
    except pyvips.Error:
        return None
    return blob[6:] if blob.startswith(b"Exif\x00\x00") else blob


def _tags(block: bytes) -> Iterator[tuple[str, str]]:
    # Pillow warns (rather than fails) on damaged directories and skips what it cannot read;
    # a damaged tag is simply left out of the answer, so the warnings are noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield from _all_tags(block)


def _all_tags(block: bytes) -> Iterator[tuple[str, str]]:
    ifd0 = _load_ifd(block, None)
    if ifd0 is None:
        return
    yield from _formatted(ifd0, ExifTags.TAGS)
    for pointer, names in ((_EXIF_IFD, ExifTags.TAGS), (_GPS_IFD, ExifTags.GPSTAGS)):
        offset = ifd0.get(pointer)
        if isinstance(offset, int):
            sub = _load_ifd(block, offset)
            if sub is not None:
                yield from _formatted(sub, names)


def _load_ifd(block: bytes, offset: int | None) -> ImageFileDirectory_v2 | None:
    if len(block) < 8 or block[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    try:
        ifd = ImageFileDirectory_v2(ifh=block[:8])
        start = ifd.next if offset is None else offset
        if not 8 <= start < len(block):
            return None
        stream = io.BytesIO(block)
        stream.seek(start)
        ifd.load(stream)
    except (OSError, ValueError, SyntaxError, EOFError, KeyError, TypeError, struct.error):
        # Pillow signals a malformed directory with these; the block then holds no usable tags.
        return None
    return ifd


def _formatted(ifd: ImageFileDirectory_v2, names: dict[int, str]) -> Iterator[tuple[str, str]]:
    for tag in sorted(ifd.keys()):
        if tag in _POINTERS or tag == _MAKER_NOTE:
            continue
        try:
            value = ifd[tag]  # Pillow decodes each value on first access
        except (ValueError, TypeError, KeyError, struct.error, ZeroDivisionError):
            continue
        name = _STANDARD_NAMES.get(tag) or names.get(tag) or f"0x{tag:04x}"
        yield name, _value_text(tag, ifd.tagtype.get(tag, _UNDEFINED), value)


def _value_text(tag: int, kind: int, value: Any) -> str:
    if tag == _COLOR_SPACE and isinstance(value, int) and value in _COLOR_SPACE_NAMES:
        return _COLOR_SPACE_NAMES[value]
    if kind == _ASCII:
        return _ascii_text(value)
    if kind in _BYTE_ARRAYS:
        raw = value if isinstance(value, bytes | bytearray) else bytes(_as_tuple(value))
        signed = kind == _SBYTE
        return " ".join(str(b - 256 if signed and b > 127 else b) for b in raw)
    return ", ".join(_scalar_text(item) for item in _as_tuple(value))


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _scalar_text(item: Any) -> str:
    if isinstance(item, IFDRational):
        return f"{item.numerator}/{item.denominator}"
    if isinstance(item, float):
        return repr(item)
    return str(item)


def _ascii_text(value: Any) -> str:
    # Pillow decodes ASCII fields as Latin-1; most writers store UTF-8, so undo and redo.
    raw = value if isinstance(value, bytes) else str(value).encode("latin-1", "replace")
    return raw.rstrip(b"\x00").decode("utf-8", "replace")
