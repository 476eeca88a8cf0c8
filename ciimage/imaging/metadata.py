"""The metadata an output keeps unless `strip` is given: EXIF, ICC profile, XMP and a comment.

Read from the header alone (libvips reads metadata without decoding pixels; Pillow where libvips
has no loader, such as BMP). EXIF is held in its JPEG APP1 form, `Exif\\0\\0` then the TIFF
structure, which both libvips and Pillow accept when saving to any format.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

EXIF_PREFIX = b"Exif\x00\x00"
_SOS = 0xDA
_COM = 0xFE
_APP0 = 0xE0
_APP15 = 0xEF
_MAX_SEGMENT_PAYLOAD = 65533
_ORIENTATION_TAG = 0x0112
_SHORT = 3


@dataclass(frozen=True)
class Metadata:
    exif: bytes | None = None
    icc: bytes | None = None
    xmp: bytes | None = None
    orientation: int = 1
    # A JPEG COM or GIF comment; libvips neither reads nor writes these, so ciimage does.
    comment: bytes | None = None


NO_METADATA = Metadata()


def with_exif_prefix(exif: bytes) -> bytes:
    """EXIF in APP1 form; PNG eXIf and WebP EXIF chunks carry the TIFF structure bare."""
    return exif if exif.startswith(EXIF_PREFIX) else EXIF_PREFIX + exif


def read_metadata(data: bytes) -> Metadata:
    """EXIF, ICC and XMP of an encoded image, and its EXIF orientation (1 when absent).

    Never raises: unreadable metadata counts as none (the decoder reports a broken image).
    """
    found, comment = _read_jpeg_segments(data)
    if not data.startswith(b"\xff\xd8"):
        comment = _read_comment(data)
    if found is None:
        found = _read_with_vips(data)
    if found is None:
        found = _read_with_pillow(data)
    if found is None:
        return NO_METADATA
    exif, icc, xmp, orientation = found
    exif = with_exif_prefix(exif) if exif else None
    if orientation is None:
        orientation = exif_orientation(exif) if exif else 1
    if orientation not in range(1, 9):
        orientation = 1
    return Metadata(
        exif=exif,
        icc=icc or None,
        xmp=xmp or None,
        orientation=orientation,
        comment=comment,
    )


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of each JPEG marker segment before the first scan."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == _SOS:
            return
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if end > len(data):
            return
        yield marker, pos, end
        pos = end


def _read_comment(data: bytes) -> bytes | None:
    if data.startswith(b"\xff\xd8"):
        for marker, start, end in _jpeg_segments(data):
            if marker == _COM:
                return data[start + 4 : end] or None
        return None
    if data.startswith(b"GIF8"):
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                comment = image.info.get("comment")
        except Exception:  # a broken GIF: the decoder will say so
            return None
        return comment if isinstance(comment, bytes) and comment else None
    return None


def with_jpeg_comment(jpeg: bytes, comment: bytes) -> bytes:
    """`jpeg` with a COM segment holding `comment`, placed after its APPn segments."""
    comment = comment[:_MAX_SEGMENT_PAYLOAD]
    insert_at = 2
    for marker, _start, end in _jpeg_segments(jpeg):
        if not (_APP0 <= marker <= _APP15 or marker == _COM):
            break
        insert_at = end
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return jpeg[:insert_at] + segment + jpeg[insert_at:]


_Found = tuple[bytes | None, bytes | None, bytes | None, int | None]
_APP1, _APP2 = 0xE1, 0xE2
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_ICC_HEADER = b"ICC_PROFILE\x00"


def _read_jpeg_segments(data: bytes) -> tuple[_Found | None, bytes | None]:
    """A JPEG's EXIF, ICC and XMP from its APPn segments, as libvips reads them, in ~20 us
    instead of a libvips header load (~0.5 ms, a tenth of a small thumbnail; issue 14), and its
    first COM comment, in the same walk.

    The metadata is None when `data` is no JPEG or its segments do not reach the first scan
    intact (libvips then reads what it can)."""
    if not data.startswith(b"\xff\xd8"):
        return None, None
    exif = xmp = comment = None
    icc_chunks: list[tuple[int, bytes]] = []
    reached_scan = False
    for marker, start, end in _jpeg_segments(data):
        payload = data[start + 4 : end]
        if marker == _COM and comment is None:
            comment = payload  # the first COM decides, even an empty one
        elif marker == _APP1 and exif is None and payload.startswith(EXIF_PREFIX):
            exif = payload
        elif marker == _APP1 and xmp is None and payload.startswith(_XMP_HEADER):
            xmp = payload[len(_XMP_HEADER) :]
        elif marker == _APP2 and payload.startswith(_ICC_HEADER) and len(payload) > 14:
            icc_chunks.append((payload[12], payload[14:]))
        reached_scan = end + 1 < len(data) and data[end : end + 2] == b"\xff\xda"
    comment = comment or None
    if not reached_scan:
        return None, comment
    icc = b"".join(chunk for _, chunk in sorted(icc_chunks, key=lambda c: c[0])) or None
    return (exif, icc, xmp, None), comment


def _read_with_vips(data: bytes) -> _Found | None:
    try:
        import pyvips

        image = pyvips.Image.new_from_buffer(data, "", access="sequential")
        fields = set(image.get_fields())
    except Exception:  # no libvips, or no libvips loader for this format
        return None

    def blob(name: str) -> bytes | None:
        return bytes(image.get(name)) if name in fields else None

    orientation = int(image.get("orientation")) if "orientation" in fields else None
    return blob("exif-data"), blob("icc-profile-data"), blob("xmp-data"), orientation


def _read_with_pillow(data: bytes) -> _Found | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            info = dict(image.info)
    except Exception:  # not an image Pillow knows either
        return None
    xmp = info.get("xmp") or info.get("XML:com.adobe.xmp")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    exif = info.get("exif")
    return (
        exif if isinstance(exif, bytes) else None,
        info.get("icc_profile") if isinstance(info.get("icc_profile"), bytes) else None,
        xmp if isinstance(xmp, bytes) else None,
        None,
    )


def _orientation_entry(exif: bytes) -> tuple[int, str] | None:
    """Offset of the orientation value inside `exif` and the byte order, if IFD0 has the tag."""
    base = len(EXIF_PREFIX) if exif.startswith(EXIF_PREFIX) else 0
    header = exif[base : base + 8]
    if len(header) < 8 or header[:2] not in (b"II", b"MM"):
        return None
    order = "little" if header[:2] == b"II" else "big"
    ifd = base + int.from_bytes(header[4:8], order)
    if ifd + 2 > len(exif):
        return None
    count = int.from_bytes(exif[ifd : ifd + 2], order)
    for index in range(count):
        entry = ifd + 2 + 12 * index
        if entry + 12 > len(exif):
            return None
        tag = int.from_bytes(exif[entry : entry + 2], order)
        kind = int.from_bytes(exif[entry + 2 : entry + 4], order)
        if tag == _ORIENTATION_TAG and kind == _SHORT:
            return entry + 8, order  # a single SHORT sits at the start of the value field
    return None


def exif_orientation(exif: bytes) -> int:
    """The EXIF orientation (1-8) of IFD0, or 1 when absent or out of range."""
    found = _orientation_entry(exif)
    if found is None:
        return 1
    offset, order = found
    value = int.from_bytes(exif[offset : offset + 2], order)
    return value if 1 <= value <= 8 else 1


def reset_orientation(exif: bytes) -> bytes:
    """The same EXIF with its orientation set to 1 (top-left), every other byte untouched.

    Used after auto-orient has turned the pixels upright, so viewers do not turn them again.
    """
    found = _orientation_entry(exif)
    if found is None:
        return exif
    offset, order = found
    return exif[:offset] + (1).to_bytes(2, order) + exif[offset + 2 :]
