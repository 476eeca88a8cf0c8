"""scrop: scale to cover the target, then crop it around the largest detected face.

The detector runs on a copy no longer than `DETECT_SIDE` px (faces stay findable, time stays
bounded); its box is scaled back. No face: the image is returned unchanged (CI's documented rule).
`prepare` runs the detector once, on the first frame, and writes the crop down as concrete
actions that every frame then gets.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ciimage.imaging import geometry
from ciimage.imaging.actions import Extract, FaceCrop, Resize

DETECT_SIDE = 1024

Box = tuple[int, int, int, int]


def detect_face(rgb: np.ndarray) -> Box | None:
    from ciimage.imaging.faces import largest_face

    return largest_face(rgb)


def face_crop_actions(
    size: geometry.Size, face: Box, action: FaceCrop
) -> tuple[Resize | Extract, ...]:
    """Cover `action`'s box, then the window of that size centred on the face, kept inside."""
    width, height = size
    factor = max(Fraction(action.width, width), Fraction(action.height, height))
    scaled = geometry.scale_size(width, height, factor)
    window_w, window_h = min(action.width, scaled[0]), min(action.height, scaled[1])
    x, y, w, h = face
    centre_x = (Fraction(2 * x + w, 2)) * scaled[0] / width
    centre_y = (Fraction(2 * y + h, 2)) * scaled[1] / height
    left = min(max(0, round(centre_x - Fraction(window_w, 2))), scaled[0] - window_w)
    top = min(max(0, round(centre_y - Fraction(window_h, 2))), scaled[1] - window_h)
    actions: list[Resize | Extract] = []
    if scaled != size:
        actions.append(Resize(*scaled))
    if (window_w, window_h) != scaled:
        actions.append(Extract(left, top, window_w, window_h))
    return tuple(actions)


def scale_box(box: Box, factor: float) -> Box:
    return tuple(round(v * factor) for v in box)  # type: ignore[return-value]
