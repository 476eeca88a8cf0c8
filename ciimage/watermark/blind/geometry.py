"""Synchronisation: the geometries a suspect image is read in, cheapest first.

A blind crop only shifts the tile (the fold and the circular correlation absorb it). A rescale
changes the period: the whitened residual's autocorrelation has peaks at the scaled period on
each axis, which give candidate scales; the suspect is resampled back to the tile's scale and
read again. Candidates are yielded lazily so that an unattacked image costs one reading.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PIL import Image

from ciimage.watermark.blind.carrier import TILE
from ciimage.watermark.blind.spread import Detection, detect, fold, luma, whitened_residual

MIN_SCALE, MAX_SCALE = 0.45, 1.45
MIN_SIDE = 64  # below this the suspect holds too little of a tile to read


def read(y: np.ndarray, template: np.ndarray) -> Detection:
    return detect(fold(whitened_residual(y)), template)


def _rescaled(y: np.ndarray, scale_x: float, scale_y: float) -> np.ndarray:
    height, width = y.shape
    size = (max(1, round(width / scale_x)), max(1, round(height / scale_y)))
    return np.asarray(Image.fromarray(y, mode="F").resize(size, Image.BICUBIC))


def _period_peaks(profile: np.ndarray, count: int) -> list[float]:
    """Lags (refined to a fraction of a pixel) of the highest local maxima in the scale range."""
    low, high = int(TILE * MIN_SCALE), min(int(TILE * MAX_SCALE), profile.size - 2)
    if high <= low:
        return []
    window = profile[low : high + 1]
    interior = (window[1:-1] > window[:-2]) & (window[1:-1] >= window[2:])
    lags = np.nonzero(interior)[0] + 1
    lags = lags[np.argsort(window[lags])[::-1][:count]]
    peaks = []
    for lag in lags:
        left, centre, right = window[lag - 1], window[lag], window[lag + 1]
        curvature = left - 2 * centre + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        peaks.append((low + lag + offset) / TILE)
    return peaks


def scale_candidates(y: np.ndarray, count: int = 3) -> list[tuple[float, float]]:
    """(scale_x, scale_y) pairs from the autocorrelation of the whitened residual."""
    residual = whitened_residual(y)
    power = np.abs(np.fft.rfft2(residual)) ** 2
    auto = np.fft.irfft2(power, s=residual.shape)
    rows = auto[[0, 1, -1], :].sum(axis=0)  # horizontal lags
    cols = auto[:, [0, 1, -1]].sum(axis=1)  # vertical lags
    xs = _period_peaks(rows[: residual.shape[1] // 2], count)
    ys = _period_peaks(cols[: residual.shape[0] // 2], count)
    pairs = [(sx, sy) for sx in xs for sy in ys if abs(np.log(sx / sy)) < 0.2]
    pairs += [(s, s) for s in xs + ys]
    return list(dict.fromkeys((round(a, 4), round(b, 4)) for a, b in pairs))


def candidates(pixels: np.ndarray, template: np.ndarray, good_z: float) -> Iterator[Detection]:
    """Readings of the suspect: as it is, then at the autocorrelation's scales (if not found)."""
    y = luma(pixels)
    if min(y.shape) < MIN_SIDE:
        return
    first = read(y, template)
    yield first
    if first.z >= good_z:
        return
    for scale_x, scale_y in scale_candidates(y):
        if abs(scale_x - 1) < 0.01 and abs(scale_y - 1) < 0.01:
            continue
        rescaled = _rescaled(y, scale_x, scale_y)
        if min(rescaled.shape) >= MIN_SIDE:
            yield read(rescaled, template)
