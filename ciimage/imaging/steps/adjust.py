"""blur, bright, contrast, sharpen, grayscale: filters that keep the size, colour bands only.

Definitions (ImageMagick where it has one; written down in docs/semantics.md):
- bright/B: `-brightness-contrast Bx0`, i.e. every channel + B% of full scale.
- contrast/C: `-brightness-contrast 0xC`: slope tan(pi (C/100 + 1) / 4) about mid-grey.
- blur/RxS: Gaussian of sigma S whose kernel stops at radius R (`-blur RxS`).
- sharpen/V: unsharp mask `-unsharp 0x1+{V/100}+0`: x + V/100 (x - gauss_1(x)).
- grayscale/1: ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B) in all three channels.
bright and contrast are one 256-entry table, applied identically by both backends.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PIL import Image, ImageFilter

from ciimage.imaging.actions import Adjust
from ciimage.rules import ast

if TYPE_CHECKING:
    import numpy as np
    import pyvips

SHARPEN_SIGMA = 1.0
# Kernel weights below this are dropped; it bounds the kernel when R is far past 4 sigma.
_MIN_KERNEL_AMPLITUDE = 1e-4


def level_table(operation: ast.Bright | ast.Contrast) -> np.ndarray:
    import numpy as np

    levels = np.arange(256, dtype=np.float64)
    if isinstance(operation, ast.Bright):
        out = levels + 255.0 * operation.value / 100.0
    else:
        slope = math.tan(math.pi * (operation.value / 100.0 + 1.0) / 4.0)
        slope = min(max(slope, 0.0), 1e6)  # +100 is a step at mid-grey, -100 flat grey
        out = slope * (levels - 127.5) + 127.5
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def blur_min_amplitude(radius: int, sigma: float) -> float:
    """libvips' gaussmat cut-off that ends the kernel at `radius` pixels."""
    return max(math.exp(-(radius * radius) / (2.0 * sigma * sigma)), _MIN_KERNEL_AMPLITUDE)


def _vips_split(image: pyvips.Image) -> tuple[pyvips.Image, pyvips.Image | None]:
    return (image[0:3], image[3]) if image.bands == 4 else (image, None)


def _vips_join(colour: pyvips.Image, alpha: pyvips.Image | None) -> pyvips.Image:
    return colour if alpha is None else colour.bandjoin(alpha)


def vips_adjust(image: pyvips.Image, action: Adjust) -> pyvips.Image:
    operation = action.operation
    colour, alpha = _vips_split(image)
    if isinstance(operation, (ast.Bright, ast.Contrast)):
        import pyvips

        table = level_table(operation)
        lut = pyvips.Image.new_from_memory(table.tobytes(), 256, 1, 1, "uchar")
        colour = colour.maplut(lut)
    elif isinstance(operation, ast.Blur):
        amplitude = blur_min_amplitude(operation.radius, operation.sigma)
        colour = colour.gaussblur(operation.sigma, min_ampl=amplitude)
        if alpha is not None:
            alpha = alpha.gaussblur(operation.sigma, min_ampl=amplitude)
    elif isinstance(operation, ast.Sharpen):
        amount = operation.value / 100.0
        soft = colour.gaussblur(SHARPEN_SIGMA, precision="float")
        colour = (colour * (1 + amount) - soft * amount).rint().cast("uchar")
    elif isinstance(operation, ast.Grayscale):
        # + 0.5 then truncating cast: round half up, as Pillow's fixed-point convert("L") does.
        luma = (colour.recomb([[0.299, 0.587, 0.114]]) + 0.5).cast("uchar")
        colour = luma.bandjoin([luma, luma]).copy(interpretation="srgb")
    return _vips_join(colour, alpha)


def pillow_adjust(image: Image.Image, action: Adjust) -> Image.Image:
    operation = action.operation
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    colour = image.convert("RGB") if alpha is not None else image
    if isinstance(operation, (ast.Bright, ast.Contrast)):
        colour = colour.point(list(level_table(operation)) * 3)
    elif isinstance(operation, ast.Blur):
        colour = colour.filter(ImageFilter.GaussianBlur(operation.sigma))
        if alpha is not None:
            alpha = alpha.filter(ImageFilter.GaussianBlur(operation.sigma))
    elif isinstance(operation, ast.Sharpen):
        colour = colour.filter(
            ImageFilter.UnsharpMask(radius=SHARPEN_SIGMA, percent=operation.value, threshold=0)
        )
    elif isinstance(operation, ast.Grayscale):
        luma = colour.convert("L")
        colour = Image.merge("RGB", (luma, luma, luma))
    if alpha is None:
        return colour
    colour.putalpha(alpha)
    return colour
