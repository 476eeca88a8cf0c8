"""Find the largest face in an image, for `scrop` (smart crop around a face).

The detector is the LBP frontal-face cascade that scikit-image ships inside its wheel
(`skimage.data.lbp_frontal_face_cascade_filename()`, trained by OpenCV), run with
`skimage.feature.Cascade`: nothing is downloaded at run time, and opencv-python-headless 5 no
longer carries cascade files. Detection runs on a grey copy at most `DETECTION_SIDE` pixels long,
which keeps it well under a second, and the box is scaled back to the image's own pixels.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from ciimage.errors import CIError

DETECTION_SIDE = 512
# The cascade's own window; smaller faces cannot be found.
_MIN_FACE = 24
_SCALE_STEP = 1.2
# Rec. 601 luma, as the cascade was trained on.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@cache
def _cascade() -> Any:
    try:
        from skimage import data, feature
    except ImportError as error:
        raise CIError(
            "scrop needs scikit-image (its bundled face detector), which is not installed",
            code=-60998,
        ) from error
    return feature.Cascade(data.lbp_frontal_face_cascade_filename())


def _grey(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim == 2:
        grey = rgb.astype(np.float32)
    elif rgb.ndim == 3 and rgb.shape[2] >= 3:
        grey = rgb[:, :, :3].astype(np.float32) @ _LUMA
    elif rgb.ndim == 3 and rgb.shape[2] in (1, 2):
        grey = rgb[:, :, 0].astype(np.float32)
    else:
        raise ValueError(f"expected an HxW or HxWxC pixel array, got shape {rgb.shape}")
    peak = 65535.0 if rgb.dtype == np.uint16 else 255.0
    return grey / peak


def _shrink(grey: np.ndarray, factor: float) -> np.ndarray:
    from PIL import Image

    height, width = grey.shape
    size = (max(1, round(width / factor)), max(1, round(height / factor)))
    return np.asarray(Image.fromarray(grey, mode="F").resize(size, Image.Resampling.BOX))


def largest_face(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, width, height) of the largest frontal face in `rgb`, or None when there is none.

    `rgb` is HxW (grey) or HxWxC with C >= 3 (extra channels such as alpha are ignored),
    uint8 or uint16.
    """
    height, width = rgb.shape[:2]
    if min(width, height) < _MIN_FACE:
        return None
    grey = _grey(rgb)
    factor = max(width, height) / DETECTION_SIDE
    if factor > 1:
        grey = _shrink(grey, factor)
    else:
        factor = 1.0
    side = min(grey.shape)
    if side < _MIN_FACE:
        return None
    detections = _cascade().detect_multi_scale(
        img=np.ascontiguousarray(grey, dtype=np.float64),
        scale_factor=_SCALE_STEP,
        step_ratio=1,
        min_size=(_MIN_FACE, _MIN_FACE),
        max_size=(side, side),
    )
    if not detections:
        return None
    best = max(detections, key=lambda found: found["width"] * found["height"])
    x = min(width - 1, round(best["c"] * factor))
    y = min(height - 1, round(best["r"] * factor))
    return (
        x,
        y,
        max(1, min(width - x, round(best["width"] * factor))),
        max(1, min(height - y, round(best["height"] * factor))),
    )
