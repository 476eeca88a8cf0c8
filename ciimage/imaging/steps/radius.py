"""iradius and rradius: everything outside the circle / rounded rectangle becomes transparent.

Coverage is measured at pixel centres with a one-pixel ramp, so edges are anti-aliased the same
way on both backends. Transparent area turns white when the output format has no alpha (the
encoder flattens on white; addendum 12b).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

from ciimage.imaging.actions import Mask
from ciimage.imaging.steps.alpha import pillow_with_alpha, vips_with_alpha

if TYPE_CHECKING:
    import numpy as np
    import pyvips


def _corner_radius(action: Mask, width: int, height: int) -> int:
    # A circle is the rounded rectangle whose corner radius is half the (square) side.
    return min(width, height) // 2 if action.shape == "circle" else action.radius


def vips_mask(image: pyvips.Image, action: Mask) -> pyvips.Image:
    import pyvips

    width, height = image.width, image.height
    radius = _corner_radius(action, width, height)
    xy = pyvips.Image.xyz(width, height).cast("float") + 0.5
    # Distance outside the inner rectangle whose rounded offset is the shape.
    ax = ((xy[0] - width / 2).abs() - (width / 2 - radius)).maxpair(0)
    ay = ((xy[1] - height / 2).abs() - (height / 2 - radius)).maxpair(0)
    coverage = (radius + 0.5 - (ax * ax + ay * ay) ** 0.5).clamp(min=0, max=1)
    image = vips_with_alpha(image)
    alpha = (image[3] * coverage + 0.5).cast("uchar")
    return image[0:3].bandjoin(alpha)


def mask_array(width: int, height: int, radius: int) -> np.ndarray:
    """The same coverage as `vips_mask`, as uint8, computed only in the four corner squares."""
    import numpy as np

    mask = np.full((height, width), 255, dtype=np.uint8)
    if radius <= 0:
        return mask
    centre = np.arange(radius, dtype=np.float32) + 0.5
    # Top-left corner: distance from the corner circle's centre at (radius, radius).
    dist = np.hypot((radius - centre)[None, :], (radius - centre)[:, None])
    corner = np.clip(radius + 0.5 - dist, 0, 1)
    corner = np.floor(corner * 255 + 0.5).astype(np.uint8)
    mask[:radius, :radius] = corner
    mask[:radius, width - radius :] = corner[:, ::-1]
    mask[height - radius :, :radius] = corner[::-1, :]
    mask[height - radius :, width - radius :] = corner[::-1, ::-1]
    return mask


def pillow_mask(image: Image.Image, action: Mask) -> Image.Image:
    width, height = image.size
    radius = _corner_radius(action, width, height)
    image = pillow_with_alpha(image)
    coverage = Image.fromarray(mask_array(width, height, radius))
    red, green, blue, alpha = image.split()
    from PIL import ImageChops

    return Image.merge("RGBA", (red, green, blue, ImageChops.multiply(alpha, coverage)))
