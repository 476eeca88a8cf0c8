"""Type 1 (semi-blind): register the suspect onto the original, subtract it, read the residue.

Registration is a coarse-to-fine normalised cross-correlation over scales: the suspect is a crop
of the original, possibly rescaled. At about 192 px the best (scale, offset) is found over 0.4-2.5x
(FFT correlation, local energy from integral images); the watermark's own sync pattern then picks
the exact scale among a few close ones at full resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ciimage.watermark.blind.carrier import Carrier
from ciimage.watermark.blind.spread import Detection, box_mean, detect, fold, texture_mask

COARSE_SIDE = 192
COARSE_SCALES = np.geomspace(0.4, 2.5, 64)
FINE_STEPS = np.linspace(-0.02, 0.02, 9)


@dataclass(frozen=True)
class Registration:
    scale: float  # suspect size / original size
    offset: tuple[int, int]  # (row, col) of the suspect's top-left corner in the original
    score: float  # normalised cross-correlation at the coarse level


def _resized(values: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.asarray(Image.fromarray(values, mode="F").resize((width, height), Image.BILINEAR))


def ncc_peak(image: np.ndarray, template: np.ndarray) -> tuple[float, int, int]:
    """Best normalised cross-correlation of `template` inside `image`: (score, row, col)."""
    th, tw = template.shape
    t = template - template.mean()
    t_norm = float(np.sqrt((t * t).sum())) or 1.0
    shape = image.shape
    corr = np.fft.irfft2(np.fft.rfft2(image) * np.conj(np.fft.rfft2(t, s=shape)), s=shape)
    sums = np.pad(image, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    squares = np.pad(image * image, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    rows, cols = shape[0] - th + 1, shape[1] - tw + 1

    def window(total: np.ndarray) -> np.ndarray:
        return total[th:, tw:] - total[:-th, tw:] - total[th:, :-tw] + total[:-th, :-tw]

    count = th * tw
    local = window(sums)[:rows, :cols]
    variance = window(squares)[:rows, :cols] - local * local / count
    score = corr[:rows, :cols] / (np.sqrt(np.maximum(variance, 1e-6)) * t_norm)
    best = int(np.argmax(score))
    row, col = divmod(best, cols)
    return float(score.flat[best]), row, col


def register(suspect: np.ndarray, original: np.ndarray) -> Registration | None:
    """Where the suspect luma lies in the original luma, or None if it fits nowhere."""
    factor = COARSE_SIDE / max(original.shape)
    small = _resized(
        original,
        max(1, round(original.shape[1] * factor)),
        max(1, round(original.shape[0] * factor)),
    )
    best: Registration | None = None
    for scale in COARSE_SCALES:
        width = round(suspect.shape[1] / scale * factor)
        height = round(suspect.shape[0] / scale * factor)
        if width < 16 or height < 16 or width > small.shape[1] or height > small.shape[0]:
            continue
        score, row, col = ncc_peak(small, _resized(suspect, width, height))
        if best is None or score > best.score:
            best = Registration(float(scale), (round(row / factor), round(col / factor)), score)
    return best


def _residue(
    suspect: np.ndarray,
    original: np.ndarray,
    mask: np.ndarray,
    scale: float,
    offset: tuple[int, int],
) -> np.ndarray | None:
    """Suspect mapped back onto the original's grid minus the original, weighted by the mask."""
    width, height = round(suspect.shape[1] / scale), round(suspect.shape[0] / scale)
    back = _resized(suspect, width, height)
    row, col = offset
    top, left = max(row, 0), max(col, 0)
    bottom, right = min(row + height, original.shape[0]), min(col + width, original.shape[1])
    if bottom - top < 32 or right - left < 32:
        return None
    difference = back[top - row : bottom - row, left - col : right - col]
    difference = difference - original[top:bottom, left:right]
    difference -= difference.mean()
    canvas = np.zeros(original.shape, dtype=np.float32)
    # The 3 px mean drops what resampling lost above the chips' band (it is not watermark).
    canvas[top:bottom, left:right] = box_mean(difference, 3) * mask[top:bottom, left:right]
    return canvas


def refine(suspect: np.ndarray, original: np.ndarray, found: Registration) -> Registration:
    """The coarse registration made exact at full resolution: for each scale near the coarse one,
    the offset with the best normalised cross-correlation within the coarse level's error."""
    reach = int(np.ceil(max(original.shape) / COARSE_SIDE)) + 2
    best = found
    best_score = -np.inf
    for step in FINE_STEPS:
        scale = found.scale * (1 + step)
        width, height = round(suspect.shape[1] / scale), round(suspect.shape[0] / scale)
        top, left = max(found.offset[0] - reach, 0), max(found.offset[1] - reach, 0)
        bottom = min(found.offset[0] + height + reach, original.shape[0])
        right = min(found.offset[1] + width + reach, original.shape[1])
        back = _resized(suspect, width, height)
        # Only the part of the suspect that can lie inside this window is matched.
        back = back[: bottom - top, : right - left]
        if back.shape[0] < 32 or back.shape[1] < 32:
            continue
        score, row, col = ncc_peak(original[top:bottom, left:right], back)
        if score > best_score:
            best_score = score
            best = Registration(float(scale), (top + row, left + col), score)
    return best


def residue_detection(
    suspect: np.ndarray, original: np.ndarray, found: Registration, layout: Carrier
) -> Detection | None:
    """Read the tile from suspect minus original, registered exactly (the tile's origin is the
    original's (0, 0), so no synchronisation search is needed beyond the registration)."""
    exact = refine(suspect, original, found)
    canvas = _residue(suspect, original, texture_mask(original), exact.scale, exact.offset)
    if canvas is None:
        return None
    return detect(fold(canvas), layout.sync)
