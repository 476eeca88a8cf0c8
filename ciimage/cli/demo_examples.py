"""What `ciimage demo` shows: the spec's own examples, grouped by family, on real photographs.

Captions quote CI's documentation (`shared/spec/image-processing.txt`) for the rule shown; each
family links to the section of `docs/semantics.md` that records how ciimage reads it. Photographs
come from scikit-image's wheel (public domain: NASA's astronaut and rocket, Rachel Michetti's
coffee, Stefan van der Walt's cat Chelsea); the synthetic samples stay for what a photograph cannot
show: EXIF orientation (sideways.jpg), transparency (logo.png) and animation (animated.gif). The
animated photograph (ZOOM_GIF) is made at run time from Chelsea: 12 frames zooming in, as a GIF.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Family:
    title: str
    docs_section: str  # a heading of docs/semantics.md


@dataclass(frozen=True)
class Example:
    family: Family
    sample: str  # a photograph name (PHOTOS) or a bundled sample file
    rule: str
    caption: str  # the spec's own words for what the rule does
    refused: bool = False  # shown for its error line: CI refuses it too


SCALING = Family("Scaling", "thumbnail: the 11 forms as ImageMagick geometry (ruling 9)")
CROPPING = Family("Cropping", "Gravity, crop and cut")
ROUNDING = Family("Rounded and face crops", "iradius, rradius (ruling 12b)")
ROTATION = Family("Rotation", "rotate, auto-orient, flip")
FORMAT = Family("Format and quality", "Output: quality, formats, metadata, size-limit, faces")
FILTERS = Family("Filters", "Filters (colour bands only; alpha is kept)")
VIEW = Family("imageView2", "imageView2 (ruling 11)")
WATERMARKS = Family("Watermarks", "Watermarks (watermark/1, watermark/2) and fonts")
ANIMATED = Family("Animated images", "Animated images (ruling 18)")
PIPELINE = Family("Pipelines", "Pipeline and planning")
REFUSED = Family(
    "Refused, as CI refuses them", "The rule language (parse, validate, canonical form)"
)

# scikit-image's bundled photographs: name -> file inside skimage/data.
PHOTOS = {
    "astronaut.jpg": "astronaut.png",
    "coffee.jpg": "coffee.png",
    "chelsea.jpg": "chelsea.png",
    "rocket.jpg": "rocket.jpg",
}

TRUNCATED = "truncated.jpg"  # the coffee photograph cut in half, for a decoding error
ZOOM_GIF = "chelsea-zoom.gif"  # an animated GIF made from the Chelsea photograph

_RED = b64("#FF0000")
_WHITE = b64("#FFFFFF")

EXAMPLES: tuple[Example, ...] = (
    Example(SCALING, "coffee.jpg", "imageMogr2/thumbnail/!50p",
            "The percentage to scale the width and height of the input image"),
    Example(SCALING, "coffee.jpg", "imageMogr2/thumbnail/!50px",
            "The percentage to scale the width of the input image, without changing the height"),
    Example(SCALING, "rocket.jpg", "imageMogr2/thumbnail/x320",
            "The height of the output image, with the width scaled automatically"),
    Example(SCALING, "chelsea.jpg", f"imageMogr2/thumbnail/400x400/pad/1/color/{_RED}",
            "Scales the input image as large as possible in a 400 x 400 rectangle and pads the "
            "blank area with a specified color"),
    Example(SCALING, "coffee.jpg", "imageMogr2/thumbnail/300x300!",
            "The output width and height with the aspect ratio of the input image ignored. Note "
            "that the output image may be distorted."),
    Example(CROPPING, "coffee.jpg", "imageMogr2/cut/300x200x150x100",
            "Regular cropping: cuts a 300 x 200 area starting at (150, 100)"),
    Example(CROPPING, "chelsea.jpg", "imageMogr2/crop/200x200/gravity/center",
            "Width and height of the output image, cropped around the gravity point (center)"),
    Example(ROUNDING, "astronaut.jpg", "imageMogr2/iradius/200",
            "Crops to a circle. radius specifies the radius of the inscribed circle"),
    Example(ROUNDING, "coffee.jpg", "imageMogr2/rradius/60",
            "Crops with round corners. radius specifies the radius of the rounded corner"),
    Example(ROUNDING, "astronaut.jpg", "imageMogr2/scrop/200x300",
            "Scales and crops an image based on the face position in the image"),
    Example(ROTATION, "rocket.jpg", "imageMogr2/rotate/90",
            "Rotates an image clockwise by a specified angle. The value can be 0–360."),
    Example(ROTATION, "chelsea.jpg", "imageMogr2/rotate/30/format/png",
            "Rotates an image clockwise by 30 degrees (PNG: the corners stay transparent)"),
    Example(ROTATION, "sideways.jpg", "imageMogr2/auto-orient",
            "Rotates an image automatically according to its EXIF data (orientation 6 here)"),
    Example(ROTATION, "chelsea.jpg", "imageMogr2/flip/vertical",
            "Flips an image. Valid values: vertical, horizontal."),
    Example(FORMAT, "coffee.jpg", "imageMogr2/format/png",
            "Converting a JPEG image to PNG format"),
    Example(FORMAT, "logo.png", "imageMogr2/format/jpg",
            "Converts the image format (PNG with transparency to JPG: white behind it)"),
    Example(FORMAT, "astronaut.jpg", "imageMogr2/format/webp/quality/60",
            "Converts the image format to WebP, at quality 60"),
    Example(FORMAT, "chelsea.jpg", "imageMogr2/quality/30",
            "Absolute quality of the image. Use the value of the original image quality or the "
            "specified quality, whichever is smaller."),
    Example(FORMAT, "astronaut.jpg", "imageMogr2/size-limit/15k",
            "Limits the size of the output image to 15 KB (JPEG: by lowering the quality)"),
    Example(FILTERS, "chelsea.jpg", "imageMogr2/blur/8x5",
            "Blurring an image with a radius of 8 and a sigma of 5"),
    Example(FILTERS, "coffee.jpg", "imageMogr2/bright/40",
            "Adjusts the brightness of an image. The value must be an integer in [-100, 100]."),
    Example(FILTERS, "coffee.jpg", "imageMogr2/contrast/-50",
            "Adjusts the contrast of an image. value < 0: Reduces the contrast."),
    Example(FILTERS, "chelsea.jpg", "imageMogr2/sharpen/200",
            "Sharpens an image. The value must be an integer ranging from 10 to 300."),
    Example(FILTERS, "astronaut.jpg", "imageMogr2/grayscale/1",
            "Whether to set an image to be a grayscale image: 1 (yes)"),
    Example(VIEW, "rocket.jpg", "imageView2/1/w/300/h/300/q/85",
            "Specifies the minimum width and height of the thumbnail: scaled down until one of "
            "the minimum values is reached, then centered and cropped"),
    Example(VIEW, "coffee.jpg", "imageView2/2/w/300/h/300",
            "Specifies the maximum width and height of the thumbnail: scaled down until both "
            "are not greater than the maximum values set"),
    Example(WATERMARKS, "coffee.jpg",
            f"watermark/2/text/5rWL6K-V/font/{b64('SimHei.ttf')}/fontsize/48/fill/{_WHITE}"
            "/dissolve/90/gravity/southeast/dx/20/dy/20",
            "Watermark text, which must be URL-safe Base64-encoded (the README's example: "
            "5rWL6K-V is 'test' in Chinese)"),
    Example(WATERMARKS, "chelsea.jpg",
            f"watermark/2/text/{b64('ciimage demo')}/fill/{b64('#FFD700')}/fontsize/36"
            "/gravity/north/dy/16",
            "Position of the text watermark, which is a square in a 3x3 grid (north)"),
    Example(ANIMATED, ZOOM_GIF, "imageMogr2/thumbnail/200x",
            "The width of the output image, with the height scaled automatically (every frame "
            "of an animated GIF; each keeps its delay)"),
    Example(ANIMATED, ZOOM_GIF, "imageMogr2/format/webp",
            "Animated image formats such as GIF, WebP, and TPG can be interconverted."),
    Example(ANIMATED, ZOOM_GIF, "imageMogr2/cgif/4",
            "Optimizes images in the GIF format by reducing frames and colors of images: "
            "FrameNumber=(1,100]: Compress the image to the specified number of frames"),
    Example(ANIMATED, ZOOM_GIF,
            f"watermark/2/text/{b64('ciimage')}/fill/{_WHITE}/fontsize/28/gravity/south/dy/12",
            "CI uses the watermark API to add text watermarks in real time (here on every frame "
            "of an animated GIF, at the same place)"),
    Example(ANIMATED, "animated.gif", "imageMogr2/format/png",
            "An animated input written as JPG, PNG, BMP, HEIF or AVIF gives its first frame "
            "(addendum ruling 18)"),
    Example(PIPELINE, "rocket.jpg",
            "imageMogr2/thumbnail/!50p|imageMogr2/rotate/90|imageMogr2/grayscale/1",
            "Pipeline: several operations in sequence, joined by the pipeline operator |"),
    Example(REFUSED, "coffee.jpg", "imageMogr2/rotate/400",
            "The value can be 0–360.", refused=True),
    Example(REFUSED, "coffee.jpg", "imageMogr2/thumbnail/20000x",
            "Ensure that image dimensions are equal to or less than 9,999 pixels.", refused=True),
    Example(REFUSED, "animated.gif", "imageMogr2/iradius/40",
            "This operation is not supported for GIF images.", refused=True),
    Example(REFUSED, TRUNCATED, "imageMogr2/rotate/90",
            "A file cut short: CI cannot read it either", refused=True),
)  # fmt: skip
