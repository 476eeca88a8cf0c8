"""Which characters a TrueType/OpenType font (or one face of a collection) has glyphs for.

Pillow draws a missing character as the font's .notdef box without saying so, so text rendering
asks this map first and sends uncovered characters to a fallback font. Only the `cmap` table is
read (formats 4 and 12, the two every Unicode font carries); no glyph is loaded.
"""

from __future__ import annotations

import struct
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# (platform, encoding) pairs in order of preference: full Unicode tables before BMP-only ones.
_PREFERRED_ENCODINGS = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0), (3, 0))


class FontFormatError(ValueError):
    """A font file whose tables cannot be read (a packaging fault, not a user error)."""


@dataclass(frozen=True)
class _Segment:
    start: int
    end: int
    id_delta: int
    id_range_offset: int
    # Byte offset of this segment's idRangeOffset entry, which glyph lookups are relative to.
    range_offset_position: int


class CharacterMap:
    """`codepoint in cmap` is True when the font maps it to a real glyph, not .notdef."""

    def __init__(self, data: bytes, subtable_offset: int) -> None:
        self._data = data
        (subtable_format,) = struct.unpack_from(">H", data, subtable_offset)
        self._groups: list[tuple[int, int, int]] = []
        self._segments: list[_Segment] = []
        if subtable_format == 12:
            self._read_format_12(subtable_offset)
        elif subtable_format == 4:
            self._read_format_4(subtable_offset)
        else:
            raise FontFormatError(f"unsupported cmap subtable format {subtable_format}")
        self._group_ends = [end for _, end, _ in self._groups]
        self._segment_ends = [segment.end for segment in self._segments]

    def _read_format_12(self, offset: int) -> None:
        (group_count,) = struct.unpack_from(">I", self._data, offset + 12)
        for index in range(group_count):
            group_at = offset + 16 + 12 * index
            start, end, start_glyph = struct.unpack_from(">III", self._data, group_at)
            self._groups.append((start, end, start_glyph))
        self._groups.sort()

    def _read_format_4(self, offset: int) -> None:
        (segment_count_x2,) = struct.unpack_from(">H", self._data, offset + 6)
        count = segment_count_x2 // 2
        ends_at = offset + 14
        starts_at = ends_at + segment_count_x2 + 2  # +2 skips reservedPad
        deltas_at = starts_at + segment_count_x2
        range_offsets_at = deltas_at + segment_count_x2
        ends = struct.unpack_from(f">{count}H", self._data, ends_at)
        starts = struct.unpack_from(f">{count}H", self._data, starts_at)
        deltas = struct.unpack_from(f">{count}h", self._data, deltas_at)
        range_offsets = struct.unpack_from(f">{count}H", self._data, range_offsets_at)
        for index in range(count):
            self._segments.append(
                _Segment(
                    start=starts[index],
                    end=ends[index],
                    id_delta=deltas[index],
                    id_range_offset=range_offsets[index],
                    range_offset_position=range_offsets_at + 2 * index,
                )
            )

    def glyph_id(self, codepoint: int) -> int:
        """The glyph index for `codepoint`; 0 (.notdef) when the font has none."""
        if self._groups:
            index = bisect_left(self._group_ends, codepoint)
            if index < len(self._groups):
                start, _, start_glyph = self._groups[index]
                if codepoint >= start:
                    return start_glyph + codepoint - start
            return 0
        index = bisect_left(self._segment_ends, codepoint)
        if index >= len(self._segments):
            return 0
        segment = self._segments[index]
        if codepoint < segment.start or codepoint > 0xFFFF:
            return 0
        if segment.id_range_offset == 0:
            return (codepoint + segment.id_delta) & 0xFFFF
        address = (
            segment.range_offset_position
            + segment.id_range_offset
            + 2 * (codepoint - segment.start)
        )
        if address + 2 > len(self._data):
            return 0
        (glyph,) = struct.unpack_from(">H", self._data, address)
        return (glyph + segment.id_delta) & 0xFFFF if glyph else 0

    def __contains__(self, codepoint: object) -> bool:
        return isinstance(codepoint, int) and self.glyph_id(codepoint) != 0


def _face_offset(data: bytes, face_index: int) -> int:
    if data[:4] != b"ttcf":
        if face_index != 0:
            raise FontFormatError("a single-face font has only face 0")
        return 0
    (face_count,) = struct.unpack_from(">I", data, 8)
    if not 0 <= face_index < face_count:
        raise FontFormatError(f"font collection has {face_count} faces, not {face_index + 1}")
    (offset,) = struct.unpack_from(">I", data, 12 + 4 * face_index)
    return offset


def _table(data: bytes, face_offset: int, tag: bytes) -> bytes:
    (table_count,) = struct.unpack_from(">H", data, face_offset + 4)
    for index in range(table_count):
        record = face_offset + 12 + 16 * index
        if data[record : record + 4] == tag:
            offset, length = struct.unpack_from(">II", data, record + 8)
            return data[offset : offset + length]
    raise FontFormatError(f"font has no {tag.decode()} table")


def read_character_map(data: bytes, face_index: int = 0) -> CharacterMap:
    """The preferred Unicode cmap subtable of face `face_index` of a font file's bytes."""
    try:
        # Only the cmap table is kept, not the whole (multi-megabyte) font.
        table = _table(data, _face_offset(data, face_index), b"cmap")
        (record_count,) = struct.unpack_from(">H", table, 2)
        subtables: dict[tuple[int, int], int] = {}
        for index in range(record_count):
            platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * index)
            subtables.setdefault((platform, encoding), offset)
        for key in _PREFERRED_ENCODINGS:
            offset = subtables.get(key)
            if offset is None:
                continue
            (subtable_format,) = struct.unpack_from(">H", table, offset)
            if subtable_format in (4, 12):
                return CharacterMap(table, offset)
    except struct.error as error:
        raise FontFormatError(f"truncated font tables: {error}") from error
    raise FontFormatError("font has no Unicode cmap subtable in format 4 or 12")


@lru_cache(maxsize=32)
def character_map(path: Path, face_index: int = 0) -> CharacterMap:
    """The character map of a font file, read once per process."""
    return read_character_map(path.read_bytes(), face_index)
