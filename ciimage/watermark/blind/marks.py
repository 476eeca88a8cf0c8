"""Image marks (types 1 and 2) as bits, and the recovered mark back as a picture."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

MARK_SIDE = {1: 24, 2: 16}  # bits per side: type 1 has the original's help, so it carries more


def mark_bits(mark: np.ndarray, side: int) -> np.ndarray:
    """A white-on-black mark (any uint8 array) as side x side bits, 1 where the mark is light.

    The mark's luma is box-resampled to side x side and thresholded halfway between its darkest
    and lightest values, so a grey-on-black or antialiased mark binarises the same way.
    """
    grey = mark.astype(np.float32)
    if grey.ndim == 3:
        alpha = grey[..., 3] / 255.0 if grey.shape[2] == 4 else 1.0
        grey = grey[..., :3].mean(axis=2) * alpha if grey.shape[2] >= 3 else grey[..., 0]
    small = np.asarray(Image.fromarray(grey, mode="F").resize((side, side), Image.BOX))
    low, high = float(small.min()), float(small.max())
    if high - low < 1.0:
        return np.zeros(side * side, dtype=np.uint8)
    return (small > (low + high) / 2).astype(np.uint8).reshape(-1)


def normalized_correlation(recovered: np.ndarray, expected: np.ndarray) -> float:
    """NC of two 0/1 marks, on +-1 values: 1 identical, 0 unrelated, -1 inverted."""
    a = 2.0 * recovered.astype(np.float64) - 1.0
    b = 2.0 * expected.astype(np.float64) - 1.0
    return float(np.dot(a, b) / a.size)


def mark_png(bits: np.ndarray, side: int, size: tuple[int, int]) -> bytes:
    """The recovered side x side bits as a white-on-black greyscale PNG of `size` (w, h)."""
    picture = Image.fromarray((bits.reshape(side, side) * 255).astype(np.uint8), mode="L")
    buffer = io.BytesIO()
    picture.resize(size, Image.NEAREST).save(buffer, "PNG")
    return buffer.getvalue()
