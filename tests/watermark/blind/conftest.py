"""Blind-watermark test profile: a short default that runs each attack once; the whole table
(every image x every attack, 100 unmarked images) with CIIMAGE_BLIND=long."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ciimage.watermark.blind import samples

LONG = os.environ.get("CIIMAGE_BLIND") == "long"


def image_set() -> list[tuple[str, np.ndarray]]:
    """Photographs, one upscaled to 1050x700, and generated scenes (never tuned on)."""
    photos = samples.PHOTOS if LONG else ("astronaut", "coffee")
    images = [(name, samples.photo(name)) for name in photos]
    images.append(("astronaut 1050x700", samples.upscaled("astronaut")))
    seeds = range(100, 106) if LONG else range(100, 102)
    images += [(f"generated {seed}", samples.generated(seed)) for seed in seeds]
    return images


IMAGES = image_set()


def pick(index: int) -> list[tuple[str, np.ndarray]]:
    """Every image in the long profile; one (rotating with `index`) by default."""
    return IMAGES if LONG else [IMAGES[index % len(IMAGES)]]


@pytest.fixture(scope="session")
def mark() -> np.ndarray:
    return samples.logo(32)
