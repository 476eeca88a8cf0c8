"""Images the blind-watermark tests and benchmark run on: photographs and a generated set.

The photographs ship in scikit-image's wheel. The generated set is made from a seed (smooth
gradients, shapes, fine noise texture and flat areas) and is never used to tune the algorithm.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

PHOTOS = ("astronaut", "coffee", "rocket", "chelsea", "immunohistochemistry", "hubble_deep_field")


def photo(name: str) -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(getattr(data, name)()[..., :3])


def upscaled(name: str, size: tuple[int, int] = (1050, 700)) -> np.ndarray:
    return np.asarray(Image.fromarray(photo(name)).resize(size, Image.LANCZOS))


def generated(seed: int, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A synthetic scene: gradient sky, random shapes, textured ground, blurred a little."""
    rng = np.random.default_rng(seed)
    width, height = size
    rows = np.linspace(0, 1, height)[:, None, None]
    top, bottom = rng.uniform(40, 220, 3), rng.uniform(40, 220, 3)
    canvas = np.broadcast_to(top + (bottom - top) * rows, (height, width, 3)).copy()
    horizon = int(height * rng.uniform(0.4, 0.7))
    canvas[horizon:] += rng.normal(0, rng.uniform(4, 25), (height - horizon, width, 1))
    picture = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    for _ in range(int(rng.integers(3, 12))):
        x, y = rng.integers(0, width), rng.integers(0, height)
        w, h = rng.integers(20, width // 3), rng.integers(20, height // 3)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
    return np.asarray(picture.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.2)))))


def logo(side: int = 64, seed: int = 0) -> np.ndarray:
    """A white-on-black mark: a ring with a bar, or (other seeds) random blocks and a letter."""
    picture = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(picture)
    if seed == 0:
        draw.ellipse((side // 8, side // 8, side * 7 // 8, side * 7 // 8), outline=255, width=6)
        draw.rectangle((side * 7 // 16, side // 4, side * 9 // 16, side * 3 // 4), fill=255)
    else:
        rng = np.random.default_rng(seed)
        for _ in range(5):
            x, y = rng.integers(0, side * 3 // 4, 2)
            draw.rectangle((x, y, x + side // 5, y + side // 5), fill=255)
    return np.asarray(picture)


PROFILE_VARIABLE = "CIIMAGE_BLIND"  # "long": every image x every attack, 100 unmarked images


def long_profile() -> bool:
    import os

    return os.environ.get(PROFILE_VARIABLE) == "long"


def evaluation_set(long: bool) -> list[tuple[str, np.ndarray]]:
    """Photographs, one upscaled to 1050x700, and generated scenes (never tuned on)."""
    names = PHOTOS if long else ("astronaut", "coffee")
    images = [(name, photo(name)) for name in names]
    images.append(("astronaut 1050x700", upscaled("astronaut")))
    seeds = range(100, 106) if long else range(100, 102)
    images += [(f"generated {seed}", generated(seed)) for seed in seeds]
    return images
