"""What a header says about an image, and CI's input limits checked against it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ciimage.errors import ImageTooLargeError, ResolutionExceededError

MAX_INPUT_BYTES = 32 * 1024 * 1024
MAX_SIDE = 30_000
MAX_PIXELS = 250_000_000
MAX_FRAMES = 300

FORMATS = ("jpg", "png", "gif", "webp", "bmp", "heif", "avif", "svg", "tpg")


@dataclass(frozen=True)
class ImageHeader:
    """What the first bytes of an image say about it.

    `width`/`height` are the stored size (before EXIF orientation; HEIF `irot` is already applied
    because HEIF decoders always apply it). `dpi` is (horizontal, vertical) when the file records a
    physical resolution. `bit_depth` is bits per sample (a palette image counts as 8).
    `delays`/`loop` describe an animated GIF or WebP as libvips does: a GIF frame without a
    graphic control block counts 100 ms, and `loop` counts plays (a GIF without a NETSCAPE block
    plays once; NETSCAPE n means n + 1 plays; 0 is forever on both).
    `exif` is the raw EXIF (TIFF) block of a JPEG, PNG or WebP, without JPEG's `Exif\\0\\0` prefix;
    HEIF/AVIF keep EXIF in an item this reader does not extract, so there it is None.
    """

    format: str
    width: int
    height: int
    frames: int = 1
    has_alpha: bool = False
    orientation: int = 1
    bands: int = 3
    bit_depth: int = 8
    dpi: tuple[float, float] | None = None
    progressive: bool = False
    exif: bytes | None = field(default=None, repr=False)
    # Animation (GIF, WebP): each frame's delay in ms, and the number of plays (0 = forever).
    delays: tuple[int, ...] = field(default=(), repr=False)
    loop: int = 0

    @property
    def has_exif(self) -> bool:
        return self.exif is not None

    @property
    def animated(self) -> bool:
        return self.frames > 1

    @property
    def oriented_size(self) -> tuple[int, int]:
        """Width and height once EXIF orientation 5-8 (a quarter turn) is applied."""
        if self.orientation >= 5:
            return self.height, self.width
        return self.width, self.height


def check_input_size(size: int) -> None:
    """CI's 32 MB input limit, checked before anything is parsed."""
    if size > MAX_INPUT_BYTES:
        raise ImageTooLargeError(
            f"input is {size} bytes; CI accepts images up to 32 MB ({MAX_INPUT_BYTES} bytes)"
        )


def check_input_limits(header: ImageHeader, size: int) -> None:
    """CI's input limits: 32 MB, 30,000 px a side, 250 million pixels x frames, 300 frames."""
    check_input_size(size)
    if header.width > MAX_SIDE or header.height > MAX_SIDE:
        raise ResolutionExceededError(
            f"input is {header.width}x{header.height}; "
            f"width and height must be at most {MAX_SIDE} px"
        )
    if header.frames > MAX_FRAMES:
        raise ResolutionExceededError(
            f"input has {header.frames} frames; animated images may have at most {MAX_FRAMES}"
        )
    total = header.width * header.height * header.frames
    if total > MAX_PIXELS:
        raise ResolutionExceededError(
            f"input has {total} pixels (width x height x frames); the limit is {MAX_PIXELS}"
        )
