"""The query answers (imageInfo, imageAve, ImageInspect) and hostile-header refusal, each beside
the plainest library call doing the same work.

Run: `python -m pytest benchmarks/bench_info.py --benchmark-only`. Inputs are made in memory
before timing starts:

- hostile headers: a PNG claiming 50000x50000 and a JPEG whose SOF claims 40000x40000, each a
  few hundred bytes. ciimage must refuse them from the header (no pixel buffer), about as fast
  as Pillow's lazy `Image.open` reads the same header.
- imageInfo on a 24 MP JPEG: everything but the md5 comes from the header, so it should cost
  barely more than `hashlib.md5` of the same bytes.
- ImageInspect on a 32 MB input (the largest CI accepts): the 24 MP JPEG, random padding, then a
  hidden MPEG-TS stream at the very end; md5 of the same bytes is a reference for one linear pass.
- imageAve on a 24 MP JPEG against a hand-written pyvips decode plus `avg` per band.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
import pyvips
from PIL import Image
from pytest_benchmark.fixture import BenchmarkFixture

import ciimage
from ciimage.errors import ResolutionExceededError
from ciimage.header import MAX_INPUT_BYTES
from ciimage.testing import jpeg_claiming, png_claiming

WIDTH, HEIGHT = 6000, 4000  # 24 MP
HEAVY_ROUNDS = 5
TS_PACKET = 188
TS_PACKETS = 2_000


def _ts_stream(packets: int) -> bytes:
    rng = np.random.default_rng(1)
    payload = rng.integers(0, 256, (packets, TS_PACKET - 4), dtype=np.uint8)
    header = np.zeros((packets, 4), dtype=np.uint8)
    header[:, 0] = 0x47  # sync byte
    header[:, 1] = 0x01  # PID 0x100, no transport error
    header[:, 2] = 0x00
    header[:, 3] = 0x10 | (np.arange(packets) & 0x0F)  # payload only, continuity counter
    return np.hstack([header, payload]).tobytes()


@pytest.fixture(scope="module")
def hostile_png() -> bytes:
    data = png_claiming(50_000, 50_000)
    _ciimage_refuses(data)  # the first call imports ciimage.info; keep that out of the timing
    return data


@pytest.fixture(scope="module")
def hostile_jpeg() -> bytes:
    data = jpeg_claiming(40_000, 40_000)
    _ciimage_refuses(data)
    return data


@pytest.fixture(scope="module")
def jpeg_24mp(photo_like_image) -> bytes:
    return bytes(photo_like_image(WIDTH, HEIGHT).jpegsave_buffer(Q=90))


@pytest.fixture(scope="module")
def input_32mb(jpeg_24mp: bytes) -> bytes:
    hidden = _ts_stream(TS_PACKETS)
    padding = MAX_INPUT_BYTES - len(jpeg_24mp) - len(hidden)
    assert padding >= 0, "the 24 MP JPEG plus the TS stream must fit in 32 MB"
    filler = np.random.default_rng(2).integers(0, 256, padding, dtype=np.uint8).tobytes()
    # Filler first, so the hidden stream sits at the very end where a scan finds it last.
    return jpeg_24mp + filler + hidden


# ---- hostile headers: refusal from the header vs Pillow's lazy open ----


def _ciimage_refuses(data: bytes) -> str:
    try:
        ciimage.image_info(data)
    except ResolutionExceededError as exc:
        return type(exc).__name__
    raise AssertionError("ciimage accepted a hostile header")


def _pillow_open(data: bytes) -> str:
    # Pillow reads only the header in `open`; above 2x MAX_IMAGE_PIXELS it refuses too.
    try:
        with Image.open(io.BytesIO(data)) as image:
            return f"opened {image.size}"
    except Image.DecompressionBombError as exc:
        return type(exc).__name__


@pytest.mark.benchmark(group="hostile PNG header 50000x50000")
def test_hostile_png_ciimage(benchmark: BenchmarkFixture, hostile_png: bytes) -> None:
    assert benchmark(_ciimage_refuses, hostile_png) == "ResolutionExceededError"


@pytest.mark.benchmark(group="hostile PNG header 50000x50000")
def test_hostile_png_pillow_open(benchmark: BenchmarkFixture, hostile_png: bytes) -> None:
    assert benchmark(_pillow_open, hostile_png) == "DecompressionBombError"


@pytest.mark.benchmark(group="hostile JPEG header 40000x40000")
def test_hostile_jpeg_ciimage(benchmark: BenchmarkFixture, hostile_jpeg: bytes) -> None:
    assert benchmark(_ciimage_refuses, hostile_jpeg) == "ResolutionExceededError"


@pytest.mark.benchmark(group="hostile JPEG header 40000x40000")
def test_hostile_jpeg_pillow_open(benchmark: BenchmarkFixture, hostile_jpeg: bytes) -> None:
    assert benchmark(_pillow_open, hostile_jpeg) == "DecompressionBombError"


# ---- imageInfo: header plus md5 vs md5 alone ----


@pytest.mark.benchmark(group="imageInfo 24 MP JPEG")
def test_image_info_ciimage(benchmark: BenchmarkFixture, jpeg_24mp: bytes) -> None:
    info = benchmark(ciimage.image_info, jpeg_24mp)
    assert isinstance(info, dict)
    assert (info["width"], info["height"]) == (str(WIDTH), str(HEIGHT))


@pytest.mark.benchmark(group="imageInfo 24 MP JPEG")
def test_image_info_md5_only(benchmark: BenchmarkFixture, jpeg_24mp: bytes) -> None:
    benchmark(lambda: hashlib.md5(jpeg_24mp).hexdigest())


# ---- ImageInspect on the largest input CI accepts ----


@pytest.mark.benchmark(group="ImageInspect 32 MB")
def test_inspect_ciimage(benchmark: BenchmarkFixture, input_32mb: bytes) -> None:
    report = benchmark.pedantic(
        ciimage.inspect, args=(input_32mb,), rounds=HEAVY_ROUNDS, warmup_rounds=1
    )
    assert report["suspicious"] is True
    assert report["suspiciousSize"] == TS_PACKETS * TS_PACKET


@pytest.mark.benchmark(group="ImageInspect 32 MB")
def test_inspect_md5_reference(benchmark: BenchmarkFixture, input_32mb: bytes) -> None:
    benchmark.pedantic(
        lambda: hashlib.md5(input_32mb).hexdigest(), rounds=HEAVY_ROUNDS, warmup_rounds=1
    )


# ---- imageAve: ciimage vs a hand-written pyvips decode and per-band avg ----


def _pyvips_band_means(data: bytes) -> list[float]:
    image = pyvips.Image.new_from_buffer(data, "", access="sequential").copy_memory()
    return [image.extract_band(band).avg() for band in range(image.bands)]


@pytest.mark.benchmark(group="imageAve 24 MP JPEG")
def test_image_ave_ciimage(benchmark: BenchmarkFixture, jpeg_24mp: bytes) -> None:
    answer = benchmark.pedantic(
        ciimage.image_ave, args=(jpeg_24mp,), rounds=HEAVY_ROUNDS, warmup_rounds=1
    )
    expected = "0x" + "".join(f"{int(m + 0.5):02x}" for m in _pyvips_band_means(jpeg_24mp))
    assert answer == {"RGB": expected}


@pytest.mark.benchmark(group="imageAve 24 MP JPEG")
def test_image_ave_pyvips_avg(benchmark: BenchmarkFixture, jpeg_24mp: bytes) -> None:
    benchmark.pedantic(_pyvips_band_means, args=(jpeg_24mp,), rounds=HEAVY_ROUNDS, warmup_rounds=1)
