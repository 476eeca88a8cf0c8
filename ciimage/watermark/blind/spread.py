"""Spread-spectrum embedding and detection of one periodic tile in the luma of an image.

Embedding adds `strength * mask * tile` to R, G and B alike (a pure luma change: JPEG's 4:2:0
chroma subsampling cannot touch it), where `mask` follows local texture so that flat areas get
less. Detection high-passes the luma, normalises it by its local energy (edges do not outvote the
rest), folds the whole image modulo the tile period (every period, whole or cut, adds up), and
finds the crop offset as the peak of the FFT circular cross-correlation with the sync chips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter

from ciimage.watermark.blind.carrier import CHIP, CHIPS, TILE, Carrier, upsample

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
MASK_WINDOW = 9  # local-texture window (pixels)
MASK_FLOOR = 2.0  # the texture (grey levels of local deviation) even a flat area is treated as
MASK_CEILING = 24.0
# The mask is scaled to mean square 1, except on images with little texture (mostly flat: the
# rms of the mask's raw values below this), which get proportionally less: noise on flat areas
# is what SSIM and eyes see, and flat areas hide no content noise from the detector either.
MASK_REFERENCE = 2.5
HIGHPASS_WINDOW = 3  # the local mean removed at detection (measured best of 3, 5, 7, 11)
ENERGY_WINDOW = 15  # the local energy the residual is divided by


def luma(pixels: np.ndarray) -> np.ndarray:
    """Float32 luma of an H x W (grey) or H x W x C (RGB[A] or grey+alpha) uint8 array."""
    if pixels.ndim == 2:
        return pixels.astype(np.float32)
    if pixels.shape[2] < 3:
        return pixels[..., 0].astype(np.float32)
    return pixels[..., :3].astype(np.float32) @ LUMA


def box_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean over a `window` x `window` box (edges: the box is cut by the border)."""
    return uniform_filter(values, window, mode="reflect")


def texture_mask(y: np.ndarray) -> np.ndarray:
    """Per-pixel weights growing with local deviation (texture hides noise); mean square 1 on
    textured images, less on flat ones."""
    mean = box_mean(y, MASK_WINDOW)
    deviation = np.sqrt(np.maximum(box_mean(y * y, MASK_WINDOW) - mean * mean, 0.0))
    mask = np.sqrt(np.clip(deviation, MASK_FLOOR, MASK_CEILING))
    return mask / max(float(np.sqrt(np.mean(mask * mask))), MASK_REFERENCE)


def tiled(tile: np.ndarray, height: int, width: int) -> np.ndarray:
    reps = (-(-height // tile.shape[0]), -(-width // tile.shape[1]))
    return np.tile(tile, reps)[:height, :width]


def add_luma(pixels: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """`pixels` (uint8) with `delta` added to every colour band, rounded and clipped."""
    out = pixels.astype(np.float32)
    if out.ndim == 2:
        out += delta
    else:
        bands = 3 if out.shape[2] >= 3 else 1
        out[..., :bands] += delta[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def embed_tile(pixels: np.ndarray, chips: np.ndarray, rms: float) -> np.ndarray:
    """Add the CHIPS x CHIPS +-1 `chips` tile over the image at `rms` grey levels of luma."""
    height, width = pixels.shape[:2]
    y = luma(pixels)
    pattern = tiled(upsample(chips), height, width)
    return add_luma(pixels, rms * texture_mask(y) * pattern)


def whitened_residual(y: np.ndarray) -> np.ndarray:
    """High-passed luma divided by its local energy: the watermark plus roughly white noise."""
    residual = y - box_mean(y, HIGHPASS_WINDOW)
    energy = np.sqrt(np.maximum(box_mean(residual * residual, ENERGY_WINDOW), 0.0)) + 1.0
    return residual / energy


def fold(residual: np.ndarray) -> np.ndarray:
    """Sum of every TILE x TILE period of `residual` (the cut ones too)."""
    height, width = residual.shape
    rows, cols = -(-height // TILE), -(-width // TILE)
    padded = np.zeros((rows * TILE, cols * TILE), dtype=np.float32)
    padded[:height, :width] = residual
    return padded.reshape(rows, TILE, cols, TILE).sum(axis=(0, 2))


@dataclass(frozen=True)
class Detection:
    """Where the tile sits in a folded residual and what its chips read."""

    z: float  # template correlation peak in standard deviations of the correlation surface
    shift: tuple[int, int]  # the tile origin in the suspect, modulo TILE
    chips: np.ndarray  # CHIPS x CHIPS matched-filter outputs, aligned to the tile
    noise: float  # standard deviation of one chip output once the template is removed


def correlation_surface(folded: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Circular cross-correlation of a folded residual with a CHIPS x CHIPS chip template."""
    spectrum = np.fft.rfft2(folded) * np.conj(np.fft.rfft2(upsample(template)))
    return np.fft.irfft2(spectrum, s=folded.shape)


def detect(folded: np.ndarray, template: np.ndarray) -> Detection:
    """Locate the known chips `template` (0 where unknown) in `folded` and read every chip."""
    surface = correlation_surface(folded, template)
    peak = int(np.argmax(surface))
    return read_at(folded, template, divmod(peak, TILE), surface)


def read_at(
    folded: np.ndarray, template: np.ndarray, shift: tuple[int, int], surface: np.ndarray
) -> Detection:
    """The chips of `folded` with the tile origin at `shift`, and the template's z there."""
    dy, dx = shift
    deviation = float(surface.std()) or 1.0
    z = float((surface[dy, dx] - surface.mean()) / deviation)
    aligned = np.roll(folded, (-dy, -dx), axis=(0, 1))
    chips = aligned.reshape(CHIPS, CHIP, CHIPS, CHIP).sum(axis=(1, 3))
    known = template != 0
    residual = chips[known] * template[known]
    noise = float(np.std(residual)) if residual.size > 1 else float(np.std(chips))
    return Detection(z, (dy, dx), chips, noise or 1.0)


def soft_bits(detection: Detection, carrier: Carrier) -> np.ndarray:
    """Per coded bit, the despread sum (positive: 1), scaled to unit noise."""
    values = detection.chips * carrier.spread
    data = carrier.bit_of_chip >= 0
    sums = np.bincount(carrier.bit_of_chip[data], weights=values[data], minlength=carrier.bits)
    counts = np.bincount(carrier.bit_of_chip[data], minlength=carrier.bits)
    return sums / (detection.noise * np.sqrt(np.maximum(counts, 1)))
