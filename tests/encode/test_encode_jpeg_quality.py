"""The JPEG quality estimate agrees with the quality the encoder was given."""

from __future__ import annotations

import io

import numpy as np
import pytest
import pyvips
from PIL import Image

from ciimage.imaging.jpeg_quality import (
    _STANDARD_CHROMA,
    _STANDARD_LUMA,
    _ZIGZAG,
    _scale,
    estimate_jpeg_quality,
    read_quant_tables,
)


def _pillow_jpeg(pixels: np.ndarray, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def small(photo: np.ndarray) -> np.ndarray:
    return photo[:32, :32]


def test_zigzag_is_a_permutation_that_starts_like_t81() -> None:
    assert sorted(_ZIGZAG) == list(range(64))
    # T.81 figure A.6: (0,0) (0,1) (1,0) (2,0) (1,1) (0,2) (0,3) ... and (7,7) last.
    assert _ZIGZAG[:7] == (0, 1, 8, 16, 9, 2, 3)
    assert _ZIGZAG[-1] == 63


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_every_pillow_quality_is_recovered(small: np.ndarray, mode: str) -> None:
    pixels = small if mode == "RGB" else small[:, :, 0]
    misses = {}
    for quality in range(1, 101):
        estimate = estimate_jpeg_quality(_pillow_jpeg(pixels, quality=quality))
        if estimate is None or abs(estimate - quality) > 1:
            misses[quality] = estimate
    assert misses == {}


def test_every_libvips_quality_is_recovered(small: np.ndarray) -> None:
    image = pyvips.Image.new_from_array(small, interpretation="srgb")
    misses = {}
    for quality in range(1, 101, 3):
        estimate = estimate_jpeg_quality(image.jpegsave_buffer(Q=quality))
        if estimate is None or abs(estimate - quality) > 1:
            misses[quality] = estimate
    assert misses == {}


def test_progressive_files_are_read_the_same(small: np.ndarray) -> None:
    data = _pillow_jpeg(small, quality=63, progressive=True)
    assert estimate_jpeg_quality(data) == 63


@pytest.mark.parametrize("quality", [30, 70, 92])
def test_slightly_altered_tables_land_next_to_their_quality(
    small: np.ndarray, quality: int
) -> None:
    # A table one step off the standard one is not an exact match: ImageMagick's rule decides.
    luma = list(_scale(_STANDARD_LUMA, quality))
    chroma = list(_scale(_STANDARD_CHROMA, quality))
    luma[20] += 1
    chroma[40] = max(1, chroma[40] - 1)
    data = _pillow_jpeg(small, qtables=[luma, chroma])
    estimate = estimate_jpeg_quality(data)
    assert estimate is not None and abs(estimate - quality) <= 1


def test_much_coarser_tables_give_a_low_quality(small: np.ndarray) -> None:
    data = _pillow_jpeg(small, qtables=[[200] * 64, [220] * 64])
    estimate = estimate_jpeg_quality(data)
    assert estimate is not None and estimate <= 10


def test_sixteen_bit_tables_are_read() -> None:
    table = _scale(_STANDARD_LUMA, 50)
    zigzag = [0] * 64
    for position, natural in enumerate(_ZIGZAG):
        zigzag[position] = table[natural]
    body = bytes([0x10]) + b"".join(v.to_bytes(2, "big") for v in zigzag)
    segment = b"\xff\xdb" + (len(body) + 2).to_bytes(2, "big") + body
    data = b"\xff\xd8" + segment + b"\xff\xda\x00\x02"
    assert read_quant_tables(data)[0] == table
    assert estimate_jpeg_quality(data) == 50


@pytest.mark.parametrize(
    "data",
    [b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a", b"\xff\xd8", b"\xff\xd8\xff\xdb\x00"],
)
def test_not_a_readable_jpeg_gives_none(data: bytes) -> None:
    assert estimate_jpeg_quality(data) is None


def test_truncated_after_tables_still_estimates(small: np.ndarray) -> None:
    data = _pillow_jpeg(small, quality=77)
    start_of_scan = data.index(b"\xff\xda")
    assert estimate_jpeg_quality(data[: start_of_scan + 4]) == 77
