"""Damaged input through every info function: a `CIError` or an answer, never anything else."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ciimage.errors import CIError
from ciimage.info import exif, image_ave, image_info, image_info_record, inspect


@pytest.fixture
def samples(images) -> list[bytes]:
    exif_block = Image.Exif()
    exif_block[0x0112] = 6
    exif_block[0x010F] = "fuzz"
    raw = exif_block.tobytes()
    frames = [images.gradient(24, 16), images.gradient(24, 16).rotate(90)]
    return [
        images.make("JPEG", 24, 16, exif=raw),
        images.make("PNG", 24, 16, "RGBA", exif=raw),
        images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        images.make("WEBP", 24, 16, "RGBA", exif=raw),
        images.make("BMP", 24, 16),
        images.make("AVIF", 24, 16, exif=raw),
    ]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_damaged_inputs(samples, data) -> None:
    sample = data.draw(st.sampled_from(samples))
    damaged = bytearray(sample[: data.draw(st.integers(0, len(sample)))])
    for _ in range(data.draw(st.integers(0, 6))):
        if damaged:
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    function = data.draw(st.sampled_from([image_info, exif, image_ave, inspect, image_info_record]))
    try:
        answer = function(bytes(damaged))
    except CIError:
        return
    assert isinstance(answer, dict) and answer
