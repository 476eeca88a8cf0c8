"""HEIF / AVIF: ISO base media boxes; the primary item's ispe gives the size, cut by its clean
aperture (clap) and turned by irot, as decoders apply them."""

from __future__ import annotations

import struct
from fractions import Fraction

from ciimage.errors import ImageError
from ciimage.header.binary import WalkBudget, u16be, u32be
from ciimage.header.model import ImageHeader

_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"mif2", b"heif"}
)


def _boxes(b: memoryview, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each box in b[start:end]."""
    found: list[tuple[bytes, int, int]] = []
    pos = start
    budget = WalkBudget("HEIF boxes in one container", 10_000)
    while pos + 8 <= end:
        budget.spend()
        size, kind = u32be(b, pos), bytes(b[pos + 4 : pos + 8])
        header = 8
        if size == 1:
            size, header = int(struct.unpack_from(">Q", b, pos + 8)[0]), 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ImageError(f"HEIF box {kind!r} runs past its container")
        found.append((kind, pos + header, pos + size))
        pos += size
    return found


def isobmff_format(data: bytes | memoryview) -> str | None:
    """The format the ftyp brands name ("avif" or "heif"), or None when they name neither."""
    b = memoryview(data)
    try:
        size = u32be(b, 0)
        major = bytes(b[8:12])
        compatible = {bytes(b[at : at + 4]) for at in range(16, min(size, len(b)) - 3, 4)}
    except struct.error:
        return None
    if major in _AVIF_BRANDS or (
        major not in _HEIF_BRANDS - {b"mif1", b"msf1"} and compatible & _AVIF_BRANDS
    ):
        return "avif"
    if major in _HEIF_BRANDS or compatible & _HEIF_BRANDS:
        return "heif"
    return None


def read_isobmff(b: memoryview) -> ImageHeader:
    fmt = isobmff_format(b) or "heif"
    top = _boxes(b, 0, len(b))
    meta = next(((s, e) for kind, s, e in top if kind == b"meta"), None)
    if meta is None:
        raise ImageError(f"{fmt} file has no meta box")
    primary: int | None = None
    properties: list[tuple[bytes, int, int]] = []
    associations: dict[int, list[int]] = {}
    for kind, start, end in _boxes(b, meta[0] + 4, meta[1]):  # meta is a full box
        if kind == b"pitm":
            primary = u16be(b, start + 4) if b[start] == 0 else u32be(b, start + 4)
        elif kind == b"iprp":
            for inner, s, e in _boxes(b, start, end):
                if inner == b"ipco":
                    properties = _boxes(b, s, e)
                elif inner == b"ipma":
                    associations.update(_ipma(b, s))
    if primary is None or primary not in associations:
        raise ImageError(f"{fmt} file names no primary image with properties")
    width = height = 0
    channels, depth, quarter_turns = 3, 8, 0
    for index in associations[primary]:
        if not 1 <= index <= len(properties):
            continue
        kind, start, _ = properties[index - 1]
        if kind == b"ispe":
            width, height = u32be(b, start + 4), u32be(b, start + 8)
        elif kind == b"pixi" and b[start + 4] > 0:
            channels, depth = b[start + 4], b[start + 5]
        elif kind == b"irot":
            quarter_turns = b[start] & 3
        elif kind == b"clap" and width and height:
            # The clean aperture crops the coded image; decoders return the cropped size.
            width, height = _clap_size(b, start, width, height)
    if width == 0 or height == 0:
        raise ImageError(f"{fmt} primary image has no ispe (size) property")
    if quarter_turns % 2:
        width, height = height, width
    # An alpha plane is an auxiliary image whose auxC names alpha (HEVC or AV1 spelling).
    has_alpha = any(
        kind == b"auxC" and (b"alpha" in bytes(b[s + 4 : e]) or b"auxid:1" in bytes(b[s + 4 : e]))
        for kind, s, e in properties
    )
    return ImageHeader(
        format=fmt,
        width=width,
        height=height,
        frames=_sequence_frames(b, top),
        has_alpha=has_alpha,
        bands=channels + (1 if has_alpha else 0),
        bit_depth=depth,
    )


def _sequence_frames(b: memoryview, top: list[tuple[bytes, int, int]]) -> int:
    """Frames of an image sequence (animated AVIF/HEIF): the samples of the first picture
    track's `stsz` box (moov/trak/mdia/minf/stbl); 1 for a still image."""
    moov = next(((s, e) for kind, s, e in top if kind == b"moov"), None)
    if moov is None:
        return 1
    for kind, start, end in _boxes(b, *moov):
        if kind != b"trak":
            continue
        found = _descend(b, start, end, (b"mdia", b"minf", b"stbl", b"stsz"))
        if found is not None:
            return max(1, u32be(b, found + 8))  # version/flags, sample_size, sample_count
    return 1


def _descend(b: memoryview, start: int, end: int, path: tuple[bytes, ...]) -> int | None:
    for name in path:
        box = next(((s, e) for kind, s, e in _boxes(b, start, end) if kind == name), None)
        if box is None:
            return None
        start, end = box
    return start


def _clap_size(b: memoryview, start: int, width: int, height: int) -> tuple[int, int]:
    """Width and height of a `clap` box (rational widthN/widthD, heightN/heightD), rounded as
    libheif rounds them, never larger than the coded image."""
    width_n, width_d, height_n, height_d = (u32be(b, start + 4 * i) for i in range(4))
    if not width_d or not height_d:
        return width, height
    clean_w = int(Fraction(width_n, width_d) + Fraction(1, 2))
    clean_h = int(Fraction(height_n, height_d) + Fraction(1, 2))
    return min(max(clean_w, 1), width), min(max(clean_h, 1), height)


def _ipma(b: memoryview, start: int) -> dict[int, list[int]]:
    version, flags = b[start], u32be(b, start) & 0xFFFFFF
    count = u32be(b, start + 4)
    pos = start + 8
    result: dict[int, list[int]] = {}
    # A 30,000 px grid of 256 px tiles has about 14,000 items with a few properties each.
    budget = WalkBudget("HEIF item property associations", 200_000)
    for _ in range(count):
        budget.spend()
        if version < 1:
            item, pos = u16be(b, pos), pos + 2
        else:
            item, pos = u32be(b, pos), pos + 4
        n = b[pos]
        pos += 1
        budget.spend(n)
        indices: list[int] = []
        for _ in range(n):
            if flags & 1:
                indices.append(u16be(b, pos) & 0x7FFF)
                pos += 2
            else:
                indices.append(b[pos] & 0x7F)
                pos += 1
        result[item] = indices
    return result
