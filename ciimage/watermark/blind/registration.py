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
FINE_STEPS = np.linspace(-0.018, 0.018, 13)
POLISH_STEPS = np.linspace(-0.003, 0.003, 7)


@dataclass(frozen=True)
class Registration:
    scale: float  # suspect size / original size
    offset: tuple[float, float]  # (row, col) of the suspect's top-left corner in the original
    score: float  # normalised cross-correlation at the coarse level


def _resized(values: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.asarray(Image.fromarray(values, mode="F").resize((width, height), Image.BILINEAR))


def ncc_peak(image: np.ndarray, template: np.ndarray) -> tuple[float, float, float]:
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
    # A window much flatter than the template cannot be where it came from; without a floor, a
    # flat window's tiny variance turns rounding noise into a huge score.
    floor = max(0.05 * t_norm * t_norm, 1e-6)
    score = corr[:rows, :cols] / (np.sqrt(np.maximum(variance, floor)) * t_norm)
    best = int(np.argmax(score))
    row, col = divmod(best, cols)
    return (
        float(score.flat[best]),
        row + _vertex(score, row, col, 0),
        col + _vertex(score, row, col, 1),
    )


def _vertex(score: np.ndarray, row: int, col: int, axis: int) -> float:
    """Sub-pixel offset of a peak along one axis (parabola through three samples)."""
    index = (row, col)[axis]
    if index == 0 or index == score.shape[axis] - 1:
        return 0.0
    step = np.array([(1, 0), (0, 1)][axis])
    left = score[tuple(np.array(index_pair := (row, col)) - step)]
    right = score[tuple(np.array(index_pair) + step)]
    centre = score[row, col]
    curvature = left - 2 * centre + right
    return float(0.5 * (left - right) / curvature) if curvature < 0 else 0.0


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
    offset: tuple[float, float],
) -> np.ndarray | None:
    """Suspect minus original on the original's grid, weighted by the mask; zero elsewhere.

    The original goes through the same round trip as the suspect (resampled to the suspect's
    geometry, then back by the same affine transform), so what the rescale removed from the
    picture is removed from both and the difference is the watermark and the codec's noise.
    """
    height, width = original.shape
    row, col = offset
    margin = 16  # the suspect may reach a little past the original: edge pixels stand in
    padded = np.pad(original, margin, mode="edge")
    box = np.array([col, row, col + suspect.shape[1] / scale, row + suspect.shape[0] / scale])
    box = np.clip(box + margin, 0, [padded.shape[1], padded.shape[0]] * 2)
    size = (suspect.shape[1], suspect.shape[0])
    forward = Image.fromarray(padded, mode="F").resize(size, Image.BICUBIC, box=tuple(box))
    affine = (scale, 0.0, -col * scale, 0.0, scale, -row * scale)

    def back(values: np.ndarray | Image.Image) -> np.ndarray:
        picture = values if isinstance(values, Image.Image) else Image.fromarray(values, mode="F")
        return np.asarray(picture.transform((width, height), Image.AFFINE, affine, Image.BILINEAR))

    top, left = max(int(np.ceil(row)), 0), max(int(np.ceil(col)), 0)
    bottom = min(int((suspect.shape[0] - 1) / scale + row), height)
    right = min(int((suspect.shape[1] - 1) / scale + col), width)
    if bottom - top < 32 or right - left < 32:
        return None
    difference = (back(suspect) - back(forward))[top:bottom, left:right]
    difference -= difference.mean()
    canvas = np.zeros(original.shape, dtype=np.float32)
    canvas[top:bottom, left:right] = difference * mask[top:bottom, left:right]
    return canvas


def _match(
    suspect: np.ndarray, original: np.ndarray, scale: float, near: tuple[int, int], reach: int
) -> Registration | None:
    """Best sub-pixel placement of the suspect at `scale` within `reach` px of `near`."""
    width, height = round(suspect.shape[1] / scale), round(suspect.shape[0] / scale)
    top, left = max(near[0] - reach, 0), max(near[1] - reach, 0)
    bottom = min(near[0] + height + reach, original.shape[0])
    right = min(near[1] + width + reach, original.shape[1])
    back = _resized(suspect, width, height)
    # Only the part of the suspect that can lie inside this window is matched.
    back = (back - box_mean(back, 5))[: bottom - top, : right - left]
    if back.shape[0] < 32 or back.shape[1] < 32:
        return None
    score, row, col = ncc_peak(original[top:bottom, left:right], back)
    return Registration(float(scale), (top + row, left + col), score)


def refine(suspect: np.ndarray, original: np.ndarray, found: Registration) -> Registration:
    """The coarse registration made exact at full resolution: the best of a few scales near the
    coarse one (then a parabola through the scores), each at its best sub-pixel offset."""
    # The coarse offset can be off by a few coarse pixels when its scale is off by a step.
    reach = 3 * int(np.ceil(max(original.shape) / COARSE_SIDE)) + 4
    near = (round(found.offset[0]), round(found.offset[1]))
    # Edges, not smooth areas, pin the registration down: match high-passed images.
    original = original - box_mean(original, 5)
    tried = [
        _match(suspect, original, found.scale * (1 + step), near, reach) for step in FINE_STEPS
    ]
    if any(t is None for t in tried):
        valid = [t for t in tried if t is not None]
        return max(valid, key=lambda t: t.score) if valid else found
    scores = [t.score for t in tried if t is not None]
    best = int(np.argmax(scores))
    if 0 < best < len(tried) - 1:
        left, centre, right = scores[best - 1], scores[best], scores[best + 1]
        curvature = left - 2 * centre + right
        if curvature < 0:
            spacing = FINE_STEPS[1] - FINE_STEPS[0]
            step = FINE_STEPS[best] + spacing * 0.5 * (left - right) / curvature
            exact = _match(suspect, original, found.scale * (1 + step), near, reach)
            if exact is not None:
                return exact
    return tried[best]  # type: ignore[return-value]


def residue_detection(
    suspect: np.ndarray, original: np.ndarray, found: Registration, layout: Carrier
) -> Detection | None:
    """Read the tile from suspect minus original, registered exactly (the tile's origin is the
    original's (0, 0)). Image content leaves a shallow optimum in scale; the watermark's sync
    pattern gives a sharp one, so the last 0.1% of scale is chosen by the sync z."""
    exact = refine(suspect, original, found)
    mask = texture_mask(original)
    best: Detection | None = None
    for step in POLISH_STEPS:
        canvas = _residue(suspect, original, mask, exact.scale * (1 + step), exact.offset)
        if canvas is not None:
            detection = detect(fold(canvas), layout.sync)
            if best is None or detection.z > best.z:
                best = detection
    return best
