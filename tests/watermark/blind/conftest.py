"""Blind-watermark tests: a short default that runs each attack once; the whole table (every
image x every attack, 100 unmarked images) with CIIMAGE_BLIND=long (samples.evaluation_set)."""

from __future__ import annotations

import numpy as np
import pytest

from ciimage.watermark.blind import samples


@pytest.fixture(scope="session")
def mark() -> np.ndarray:
    return samples.logo(32)
