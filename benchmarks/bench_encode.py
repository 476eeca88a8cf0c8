"""Encoding a 6000x4000 image: ciimage's two encoders against hand-written library calls.

Run: `python -m pytest benchmarks/bench_encode.py --benchmark-group-by=group`. Each group
compares the same work side by side; the pixels are in memory before timing starts, so only the
encode is measured. The hand-written calls are the floor ciimage aims to stay within 1.10x of.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import pyvips
from PIL import Image

from ciimage.imaging.encode import encode_pillow, encode_vips
from ciimage.imaging.metadata import NO_METADATA
from ciimage.imaging.output import OutputSettings

WIDTH, HEIGHT = 6000, 4000
QUALITY = 85
ROUNDS = 3


def _photo_like() -> np.ndarray:
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 6, (HEIGHT, WIDTH)).astype(np.float32)
    red = 127 + 100 * np.sin(x / 37.0) * np.cos(y / 53.0) + noise
    green = 255 * x / (WIDTH - 1) + noise
    blue = 255 * y / (HEIGHT - 1) - noise
    return np.clip(np.dstack([red, green, blue]), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    return _photo_like()


@pytest.fixture(scope="module")
def vips_image(pixels: np.ndarray) -> pyvips.Image:
    return pyvips.Image.new_from_array(pixels).copy_memory()


@pytest.fixture(scope="module")
def pillow_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(pixels)


def _settings(fmt: str, **changes: object) -> OutputSettings:
    values: dict[str, object] = {
        "format": fmt,
        "quality": QUALITY if fmt in ("jpg", "webp") else None,
        "interlace": False,
        "strip": True,
        "size_limit": None,
        "keep_smaller": False,
        "cgif": None,
    }
    values.update(changes)
    return OutputSettings(**values)  # type: ignore[arg-type]


_KEYWORDS = {
    "metadata": NO_METADATA,
    "source": b"",
    "source_format": "jpg",
    "orientation_applied": False,
}


def _pillow_save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


# ---- baseline JPEG ----


@pytest.mark.benchmark(group="jpeg q85 6000x4000")
def test_jpeg_ciimage_vips(benchmark, vips_image: pyvips.Image) -> None:
    settings = _settings("jpg")
    result = benchmark.pedantic(
        lambda: encode_vips(vips_image, settings, **_KEYWORDS), rounds=ROUNDS, iterations=1
    )
    assert result.data[:2] == b"\xff\xd8"


@pytest.mark.benchmark(group="jpeg q85 6000x4000")
def test_jpeg_ciimage_pillow(benchmark, pillow_image: Image.Image) -> None:
    settings = _settings("jpg")
    result = benchmark.pedantic(
        lambda: encode_pillow(pillow_image, settings, **_KEYWORDS), rounds=ROUNDS, iterations=1
    )
    assert result.data[:2] == b"\xff\xd8"


@pytest.mark.benchmark(group="jpeg q85 6000x4000")
def test_jpeg_hand_pyvips(benchmark, vips_image: pyvips.Image) -> None:
    data = benchmark.pedantic(
        lambda: vips_image.jpegsave_buffer(Q=QUALITY, keep=pyvips.ForeignKeep.NONE),
        rounds=ROUNDS,
        iterations=1,
    )
    assert data[:2] == b"\xff\xd8"


@pytest.mark.benchmark(group="jpeg q85 6000x4000")
def test_jpeg_hand_pillow(benchmark, pillow_image: Image.Image) -> None:
    data = benchmark.pedantic(
        lambda: _pillow_save(pillow_image, "JPEG", quality=QUALITY),
        rounds=ROUNDS,
        iterations=1,
    )
    assert data[:2] == b"\xff\xd8"


# ---- progressive JPEG ----


@pytest.mark.benchmark(group="progressive jpeg q85 6000x4000")
def test_progressive_ciimage_vips(benchmark, vips_image: pyvips.Image) -> None:
    settings = _settings("jpg", interlace=True)
    benchmark.pedantic(
        lambda: encode_vips(vips_image, settings, **_KEYWORDS), rounds=ROUNDS, iterations=1
    )


@pytest.mark.benchmark(group="progressive jpeg q85 6000x4000")
def test_progressive_hand_pyvips(benchmark, vips_image: pyvips.Image) -> None:
    benchmark.pedantic(
        lambda: vips_image.jpegsave_buffer(Q=QUALITY, interlace=True, keep=pyvips.ForeignKeep.NONE),
        rounds=ROUNDS,
        iterations=1,
    )


@pytest.mark.benchmark(group="progressive jpeg q85 6000x4000")
def test_progressive_hand_pillow(benchmark, pillow_image: Image.Image) -> None:
    benchmark.pedantic(
        lambda: _pillow_save(pillow_image, "JPEG", quality=QUALITY, progressive=True),
        rounds=ROUNDS,
        iterations=1,
    )


# ---- PNG and WebP ----


@pytest.mark.benchmark(group="png 6000x4000")
def test_png_ciimage_vips(benchmark, vips_image: pyvips.Image) -> None:
    settings = _settings("png")
    benchmark.pedantic(
        lambda: encode_vips(vips_image, settings, **_KEYWORDS), rounds=1, iterations=1
    )


@pytest.mark.benchmark(group="png 6000x4000")
def test_png_hand_pyvips(benchmark, vips_image: pyvips.Image) -> None:
    benchmark.pedantic(
        lambda: vips_image.pngsave_buffer(compression=6, keep=pyvips.ForeignKeep.NONE),
        rounds=1,
        iterations=1,
    )


@pytest.mark.benchmark(group="png 6000x4000")
def test_png_hand_pillow(benchmark, pillow_image: Image.Image) -> None:
    benchmark.pedantic(
        lambda: _pillow_save(pillow_image, "PNG", compress_level=6), rounds=1, iterations=1
    )


@pytest.mark.benchmark(group="webp q85 6000x4000")
def test_webp_ciimage_vips(benchmark, vips_image: pyvips.Image) -> None:
    settings = _settings("webp")
    benchmark.pedantic(
        lambda: encode_vips(vips_image, settings, **_KEYWORDS), rounds=1, iterations=1
    )


@pytest.mark.benchmark(group="webp q85 6000x4000")
def test_webp_hand_pyvips(benchmark, vips_image: pyvips.Image) -> None:
    benchmark.pedantic(
        lambda: vips_image.webpsave_buffer(Q=QUALITY, keep=pyvips.ForeignKeep.NONE),
        rounds=1,
        iterations=1,
    )


@pytest.mark.benchmark(group="webp q85 6000x4000")
def test_webp_hand_pillow(benchmark, pillow_image: Image.Image) -> None:
    benchmark.pedantic(
        lambda: _pillow_save(pillow_image, "WEBP", quality=QUALITY), rounds=1, iterations=1
    )
