"""Synchronisation: the geometries a suspect image is read in, cheapest first.

A blind crop only shifts the tile (the fold and the circular correlation absorb it). A rescale
or a small rotation changes the period vectors: the whitened residual's autocorrelation peaks at
them, which gives candidate tile-to-suspect matrices; the suspect is resampled back onto the
tile's grid and read again. Candidates are yielded lazily: an unattacked image costs one
reading.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PIL import Image

from ciimage.watermark.blind.carrier import TILE
from ciimage.watermark.blind.spread import Detection, detect, fold, luma, whitened_residual

MIN_SCALE, MAX_SCALE = 0.45, 1.45
MAX_ANGLE = 8.0  # degrees of rotation the lattice search covers
MIN_SIDE = 64  # below this the suspect holds too little of a tile to read


def read(y: np.ndarray, template: np.ndarray) -> Detection:
    return detect(fold(whitened_residual(y)), template)


def _warped(y: np.ndarray, lattice: np.ndarray) -> np.ndarray:
    """The suspect resampled onto the tile's grid, `lattice` being the 2x2 matrix that maps tile
    pixels (x, y) to suspect pixels (columns: where one tile pixel step in x and in y lands)."""
    height, width = y.shape
    inverse = np.linalg.inv(lattice)
    corners = inverse @ np.array([[0, width, 0, width], [0, 0, height, height]], dtype=float)
    low, high = corners.min(axis=1), corners.max(axis=1)
    size = tuple(int(v) for v in np.maximum(np.ceil(high - low), 1))
    origin = lattice @ low
    affine = (lattice[0, 0], lattice[0, 1], origin[0], lattice[1, 0], lattice[1, 1], origin[1])
    warped = Image.fromarray(y, mode="F").transform(size, Image.AFFINE, affine, Image.BICUBIC)
    return np.asarray(warped)


def _peaks(surface: np.ndarray, count: int) -> list[tuple[float, float]]:
    """(row, col) of the `count` highest local maxima, refined by parabolas to sub-pixel."""
    inner = surface[1:-1, 1:-1]
    is_peak = np.ones(inner.shape, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                neighbour = surface[
                    1 + dy : surface.shape[0] - 1 + dy, 1 + dx : surface.shape[1] - 1 + dx
                ]
                is_peak &= inner >= neighbour
    rows, cols = np.nonzero(is_peak)
    order = np.argsort(inner[rows, cols])[::-1][:count]
    found = []
    for r, c in zip(rows[order] + 1, cols[order] + 1, strict=True):
        offsets = []
        for left, centre, right in (
            (surface[r - 1, c], surface[r, c], surface[r + 1, c]),
            (surface[r, c - 1], surface[r, c], surface[r, c + 1]),
        ):
            curvature = left - 2 * centre + right
            offsets.append(0.5 * (left - right) / curvature if curvature < 0 else 0.0)
        found.append((r + offsets[0], c + offsets[1]))
    return found


def lattice_candidates(y: np.ndarray, count: int = 3) -> list[np.ndarray]:
    """2x2 tile-to-suspect matrices from the autocorrelation of the whitened residual.

    The tile repeats, so the autocorrelation peaks at the two (scaled, rotated) period vectors:
    one near the horizontal axis and one near the vertical, each within MIN_SCALE-MAX_SCALE
    tiles and MAX_ANGLE degrees.
    """
    residual = whitened_residual(y)
    auto = np.fft.irfft2(np.abs(np.fft.rfft2(residual)) ** 2, s=residual.shape)
    low, high = int(TILE * MIN_SCALE), int(TILE * MAX_SCALE) + 2
    side = int(np.ceil(high * np.tan(np.deg2rad(MAX_ANGLE)))) + 2
    height, width = auto.shape
    if high >= width // 2 or high >= height // 2:
        high = min(width, height) // 2 - 1
    if high <= low:
        return []
    # Horizontal period: lags dx in [low, high], dy in [-side, side]; vertical: transposed.
    rows = np.arange(-side, side + 1) % height
    horizontal = auto[rows][:, low:high]
    cols = np.arange(-side, side + 1) % width
    vertical = auto[low:high][:, cols]
    across = [(c + low, r - side) for r, c in _peaks(horizontal, count)]  # (dx, dy)
    down = [(c - side, r + low) for r, c in _peaks(vertical, count)]
    matrices = []
    for ax, ay in across:
        for bx, by in down:
            matrix = np.array([[ax, bx], [ay, by]], dtype=float) / TILE
            scales = np.linalg.norm(matrix, axis=0)
            if abs(np.log(scales[0] / scales[1])) < 0.2:
                matrices.append(matrix)
    return matrices


def candidates(pixels: np.ndarray, template: np.ndarray, good_z: float) -> Iterator[Detection]:
    """Readings of the suspect: as it is, then at the autocorrelation's scales (if not found)."""
    y = luma(pixels)
    if min(y.shape) < MIN_SIDE:
        return
    first = read(y, template)
    yield first
    if first.z >= good_z:
        return
    for lattice in lattice_candidates(y):
        if np.abs(lattice - np.eye(2)).max() < 0.005:
            continue
        warped = _warped(y, lattice)
        if min(warped.shape) >= MIN_SIDE:
            yield read(warped, template)
