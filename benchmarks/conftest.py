"""Shared inputs for the benchmarks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import pyvips


def photo_like(width: int, height: int) -> pyvips.Image:
    """Smooth waves plus grain: decodes and compresses like a photograph, not a flat gradient."""
    xy = pyvips.Image.xyz(width, height)
    red = (xy[0] / 37.0).sin() * (xy[1] / 53.0).cos() * 100 + 127
    green = xy[0] * (255.0 / width)
    blue = xy[1] * (255.0 / height)
    grain = pyvips.Image.gaussnoise(width, height, sigma=6, mean=0)
    return (red.bandjoin([green, blue]) + grain).cast("uchar").copy(interpretation="srgb")


@pytest.fixture(scope="session")
def photo_like_image() -> Callable[[int, int], pyvips.Image]:
    return photo_like
