"""Hostile input is refused with a CIError, quickly, and before decoding where the header tells."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from ciimage import CIError, process
from ciimage.errors import (
    ImageError,
    ImageTooLargeError,
    OutputTooLargeError,
    ResolutionExceededError,
)
from ciimage.imaging.backends.pillow import PillowBackend
from ciimage.imaging.backends.vips import VipsBackend
from ciimage.testing import png_claiming


def _jpeg_claiming(images, width: int, height: int) -> bytes:
    real = images.encode(images.smooth(16, 16), "JPEG")
    at = real.find(b"\xff\xc0")
    return real[: at + 5] + struct.pack(">HH", height, width) + real[at + 9 :]


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(VipsBackend, "load", refuse)
    monkeypatch.setattr(PillowBackend, "load", refuse)


def _refused_quickly(data: bytes, rule: str, error: type[CIError], backend: str = "auto") -> None:
    started = time.perf_counter()
    with pytest.raises(error):
        process(data, rule, backend=backend)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("backend", ["vips", "pillow"])
def test_png_header_claiming_50000_square(no_decoding, backend):
    _refused_quickly(
        png_claiming(50000, 50000),
        "imageMogr2/thumbnail/100x",
        ResolutionExceededError,
        backend,
    )


@pytest.mark.parametrize("backend", ["vips", "pillow"])
def test_jpeg_sof_claiming_40000_square(images, no_decoding, backend):
    _refused_quickly(
        _jpeg_claiming(images, 40000, 40000),
        "imageMogr2/thumbnail/100x",
        ResolutionExceededError,
        backend,
    )


def test_pixel_count_over_250_million(images, no_decoding):
    _refused_quickly(
        _jpeg_claiming(images, 20000, 13000), "imageMogr2/thumbnail/100x", ResolutionExceededError
    )


def test_file_over_32_mb(images, no_decoding):
    data = images.encode(images.smooth(16, 16), "JPEG") + b"\x00" * (32 * 1024 * 1024)
    _refused_quickly(data, "imageMogr2/thumbnail/100x", ImageTooLargeError)


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes(no_decoding, seed):
    data = np.random.default_rng(seed).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    _refused_quickly(data, "imageMogr2/thumbnail/100x", ImageError)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_truncated_header(images, no_decoding, fmt):
    data = images.encode(images.smooth(64, 64), fmt)
    _refused_quickly(data[:20], "imageMogr2/thumbnail/10x", ImageError)


@pytest.mark.parametrize("backend", ["vips", "pillow"])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_pixel_data(images, backend, fmt):
    data = images.encode(images.textured(400, 300), fmt)
    _refused_quickly(
        data[: len(data) * 2 // 3], "imageMogr2/rotate/90/format/png", ImageError, backend
    )


def test_rule_whose_output_would_exceed_9999(images, no_decoding):
    data = images.encode(images.smooth(1100, 1500), "PNG")
    _refused_quickly(data, "imageMogr2/thumbnail/9000x", OutputTooLargeError)
    _refused_quickly(data, "imageMogr2/thumbnail/!1000p", OutputTooLargeError)


def test_errors_carry_ci_codes(images):
    with pytest.raises(ResolutionExceededError) as info:
        process(png_claiming(50000, 50000), "imageMogr2/thumbnail/100x")
    assert info.value.code == -447 and info.value.http_status == 400
    with pytest.raises(OutputTooLargeError) as too_big:
        process(images.encode(images.smooth(100, 150)), "imageMogr2/thumbnail/9000x")
    assert too_big.value.code == -442


def test_ignore_error_returns_the_input_for_limit_failures(images):
    data = images.encode(images.smooth(100, 150), "PNG")
    result = process(data, "imageMogr2/thumbnail/9000x/ignore-error/1")
    assert result.data == data and (result.width, result.height) == (100, 150)
    oversize = png_claiming(50000, 50000)
    assert process(oversize, "imageMogr2/thumbnail/100x/ignore-error/1").data == oversize


def test_ignore_error_in_a_later_stage_keeps_earlier_work(images):
    data = images.encode(images.smooth(400, 300), "PNG")
    result = process(data, "imageMogr2/thumbnail/200x|imageMogr2/iradius/500/ignore-error/1")
    assert (result.width, result.height) == (200, 150)
    with pytest.raises(CIError):
        process(data, "imageMogr2/thumbnail/200x|imageMogr2/iradius/500")
