"""Estimate the quality a JPEG was saved at, from its quantisation tables alone.

CI's `quality`, `rquality` and `lquality` are relative to the input's quality (addendum ruling 15),
which a JPEG does not record. Like ImageMagick's `%Q`, we compare the file's DQT tables with the
standard IJG tables (ITU T.81 Annex K) scaled the way libjpeg scales them for each quality 1-100:
an exact match gives the exact quality; otherwise ImageMagick's rule picks the lowest quality
whose reference tables are not coarser than the file's in both the table sum and a
four-coefficient sample.
Only the marker segments before the first scan are read; no pixel is decoded.
"""

from __future__ import annotations

import operator
import struct
from functools import cache

# ITU T.81 Annex K.1, natural (row-major) order.
_STANDARD_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
_STANDARD_CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    *([99] * 32),
)  # fmt: skip

# The coefficients ImageMagick samples (natural order): luma (0,2) and (6,5), chroma DC and (7,7).
_LUMA_SAMPLE = (2, 53)
_CHROMA_SAMPLE = (0, 63)

_SOI = b"\xff\xd8"
_DQT = 0xDB
_SOS = 0xDA
_EOI = 0xD9
# Markers without a length field.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _zigzag_to_natural() -> tuple[int, ...]:
    """Natural index of each zigzag position: walk the anti-diagonals, alternating direction."""
    order: list[int] = []
    for diagonal in range(15):
        cells = [(row, diagonal - row) for row in range(8) if 0 <= diagonal - row < 8]
        if diagonal % 2 == 0:
            cells.reverse()  # even diagonals run bottom-left to top-right
        order.extend(row * 8 + col for row, col in cells)
    return tuple(order)


_ZIGZAG = _zigzag_to_natural()
# natural[i] = zigzag[_FROM_ZIGZAG[i]]: one C-level gather instead of a Python loop per table.
_FROM_ZIGZAG = operator.itemgetter(*sorted(range(64), key=_ZIGZAG.__getitem__))


def _scale(table: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """libjpeg's `jpeg_quality_scaling` + `jpeg_add_quant_table` with baseline limits."""
    factor = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(255, max(1, (value * factor + 50) // 100)) for value in table)


@cache
def _references() -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """(luma, chroma) tables for quality 1..100, index 0 being quality 1."""
    return tuple((_scale(_STANDARD_LUMA, q), _scale(_STANDARD_CHROMA, q)) for q in range(1, 101))


def read_quant_tables(data: bytes) -> dict[int, tuple[int, ...]]:
    """The DQT tables in force for the first scan, by table id, in natural order.

    Returns an empty dict for data that is not a JPEG or has no readable DQT segment.
    """
    if not data.startswith(_SOI):
        return {}
    tables: dict[int, tuple[int, ...]] = {}
    pos = 2
    size = len(data)
    while pos + 4 <= size:
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        if marker in (_SOS, _EOI):
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > size:
            break
        if marker == _DQT:
            _read_dqt_segment(data, pos + 4, end, tables)
        pos = end
    return tables


def _read_dqt_segment(data: bytes, pos: int, end: int, tables: dict[int, tuple[int, ...]]) -> None:
    while pos < end:
        precision, table_id = data[pos] >> 4, data[pos] & 0x0F
        width = 2 if precision else 1
        body_end = pos + 1 + 64 * width
        if body_end > end or table_id > 3:
            return
        body = data[pos + 1 : body_end]
        # 8-bit tables are the bytes themselves; one slice, not 64 int.from_bytes calls per table.
        zigzag = body if width == 1 else struct.unpack(">64H", body)
        tables[table_id] = _FROM_ZIGZAG(zigzag)
        pos = body_end


def estimate_jpeg_quality(data: bytes) -> int | None:
    """The IJG quality (1-100) the JPEG's tables correspond to; None when `data` is not a JPEG."""
    tables = read_quant_tables(data)
    luma = tables.get(0)
    if luma is None:
        return None
    chroma = tables.get(1)
    references = _references()

    for quality in range(100, 0, -1):
        ref_luma, ref_chroma = references[quality - 1]
        if luma == ref_luma and (chroma is None or chroma == ref_chroma):
            return quality

    def measures(lum: tuple[int, ...], chrom: tuple[int, ...] | None) -> tuple[int, int]:
        total = sum(lum)
        sample = sum(lum[i] for i in _LUMA_SAMPLE)
        if chrom is not None:
            total += sum(chrom)
            sample += sum(chrom[i] for i in _CHROMA_SAMPLE)
        return total, sample

    image_sum, image_sample = measures(luma, chroma)
    for quality in range(1, 101):
        ref_luma, ref_chroma = references[quality - 1]
        ref_sum, ref_sample = measures(ref_luma, None if chroma is None else ref_chroma)
        if image_sample < ref_sample and image_sum < ref_sum:
            continue  # the file quantises more finely: its quality is higher than this one
        return quality
    return 100
