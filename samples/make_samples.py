"""Make the bundled sample images (deterministic; run `python samples/make_samples.py`).

- photo.jpg     1200x800 photo-like landscape, EXIF (orientation 1, camera tags) and an sRGB ICC
- sideways.jpg  800x600 pixels stored on their side with EXIF orientation 6, for auto-orient
- logo.png      480x320 RGBA with soft transparent edges
- animated.gif  160x120, 6 frames
- portrait.jpg  512x512 from scikit-image's bundled astronaut photograph (NASA, public domain),
                when scikit-image is installed: a real face for scrop
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
SEED = 20240218


def landscape(width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(SEED)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    sky = np.stack([90 + 80 * ys / height, 150 + 60 * ys / height, 235 - 30 * ys / height], -1)
    horizon = height * 0.62 + 40 * np.sin(xs / width * 7.0) + 25 * np.sin(xs / width * 17.0 + 1)
    grass = np.stack([60 + 40 * np.sin(xs / 37.0), 140 + 30 * np.cos(ys / 23.0), 50 + 0 * xs], -1)
    pixels = np.where((ys > horizon)[..., None], grass, sky)
    pixels += rng.normal(0, 6, pixels.shape)  # film grain, so it compresses like a photo
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    sun = (int(width * 0.78), int(height * 0.2), int(height * 0.09))
    draw.ellipse(
        [sun[0] - sun[2], sun[1] - sun[2], sun[0] + sun[2], sun[1] + sun[2]], fill=(255, 214, 90)
    )
    for i, x in enumerate(range(int(width * 0.08), int(width * 0.6), int(width * 0.11))):
        top = int(horizon[0, x] - height * (0.18 + 0.04 * (i % 3)))
        base = int(horizon[0, x]) + 10
        draw.rectangle([x - 6, base - 60, x + 6, base], fill=(92, 64, 40))
        draw.ellipse([x - 45, top, x + 45, base - 50], fill=(30, 110 + 12 * i, 45))
    draw.rectangle(
        [int(width * 0.62), int(height * 0.55), int(width * 0.74), int(height * 0.7)],
        fill=(200, 60, 50),
    )
    return image.filter(ImageFilter.GaussianBlur(0.7))


def exif_block(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "ciimage"
    exif[0x0110] = "synthetic sample"
    exif[0x0131] = "samples/make_samples.py"
    return exif.tobytes()


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def photo() -> bytes:
    out = io.BytesIO()
    landscape(1200, 800).save(
        out, "JPEG", quality=85, exif=exif_block(1), icc_profile=srgb_profile(), optimize=True
    )
    return out.getvalue()


def sideways() -> bytes:
    # Stored turned a quarter anticlockwise; orientation 6 says "turn 90 clockwise to view".
    upright = landscape(800, 600)
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=85, exif=exif_block(6), optimize=True)
    return out.getvalue()


def logo() -> bytes:
    width, height = 480, 320
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([20, 20, width - 20, height - 20], radius=60, fill=(30, 90, 200, 230))
    draw.ellipse([150, 70, 330, 250], fill=(255, 200, 40, 255))
    draw.polygon([(240, 95), (300, 225), (180, 225)], fill=(220, 40, 60, 255))
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def animated() -> bytes:
    frames = []
    for i in range(6):
        frame = Image.new("RGB", (160, 120), (250, 250, 245))
        draw = ImageDraw.Draw(frame)
        x = 20 + i * 22
        draw.ellipse([x, 35, x + 50, 85], fill=(40 * i, 120, 255 - 40 * i))
        frames.append(frame.convert("P", palette=Image.Palette.ADAPTIVE, colors=32))
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0)
    return out.getvalue()


def portrait() -> bytes | None:
    try:
        from skimage import data
    except ImportError:
        return None
    image = Image.fromarray(data.astronaut()).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def main() -> int:
    made = {
        "photo.jpg": photo(),
        "sideways.jpg": sideways(),
        "logo.png": logo(),
        "animated.gif": animated(),
        "portrait.jpg": portrait(),
    }
    for name, data in made.items():
        if data is None:
            print(f"skipped {name} (scikit-image is not installed)", file=sys.stderr)
            continue
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
