"""The typed operation tree a rule parses into.

Nodes are frozen dataclasses (built by `ciimage.frozen`, which is cheap at import) with every
documented default written in, so that later stages never re-derive a default. Where a value came
from in the rule text is kept in `positions`, which takes no part in equality:
`validate(p.to_rule()) == p` compares meaning, not spelling.
"""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum
from typing import Any

from ciimage.frozen import Frozen, frozen


def _positions() -> Any:
    return field(default_factory=dict, compare=False, repr=False, hash=False)


class Gravity(StrEnum):
    NORTHWEST = "northwest"
    NORTH = "north"
    NORTHEAST = "northeast"
    WEST = "west"
    CENTER = "center"
    EAST = "east"
    SOUTHWEST = "southwest"
    SOUTH = "south"
    SOUTHEAST = "southeast"


class GeometryKind(StrEnum):
    """The 11 thumbnail forms (addendum ruling 9 gives each its ImageMagick meaning)."""

    SCALE = "scale"  # !<p>p: both sides by p percent
    SCALE_WIDTH = "scale_width"  # !<p>px: width by p percent, height kept
    SCALE_HEIGHT = "scale_height"  # !x<p>p: height by p percent, width kept
    WIDTH = "width"  # <W>x
    HEIGHT = "height"  # x<H>
    FIT = "fit"  # <W>x<H>: largest size inside the box
    COVER = "cover"  # !<W>x<H>r: smallest size covering the box
    SHRINK = "shrink"  # <W>x<H>>: fit, only when the image is larger
    ENLARGE = "enlarge"  # <W>x<H><: fit, only when the image is smaller
    EXACT = "exact"  # <W>x<H>!: exactly WxH, aspect ignored
    AREA = "area"  # <N>@: at most N pixels


@frozen
class ThumbnailGeometry(Frozen):
    kind: GeometryKind
    width: int | None = None
    height: int | None = None
    percent: int | None = None
    area: int | None = None


# ---- imageMogr2 operations (run in the order written) ----


@frozen
class Thumbnail(Frozen):
    geometry: ThumbnailGeometry
    pad: bool = False
    color: str = "#FFFFFF"
    positions: dict[str, int] = _positions()


@frozen
class Cut(Frozen):
    width: int
    height: int
    dx: int
    dy: int
    positions: dict[str, int] = _positions()


@frozen
class Crop(Frozen):
    """`crop/WxH` (either side optional) at `gravity`; `advanced` is the `!WxHaDXaDY` form."""

    width: int | None
    height: int | None
    gravity: Gravity = Gravity.NORTHWEST
    dx: int = 0
    dy: int = 0
    advanced: bool = False
    positions: dict[str, int] = _positions()


@frozen
class IRadius(Frozen):
    radius: int
    positions: dict[str, int] = _positions()


@frozen
class RRadius(Frozen):
    radius: int
    positions: dict[str, int] = _positions()


@frozen
class SCrop(Frozen):
    width: int
    height: int
    positions: dict[str, int] = _positions()


@frozen
class Rotate(Frozen):
    degrees: int
    positions: dict[str, int] = _positions()


@frozen
class AutoOrient(Frozen):
    positions: dict[str, int] = _positions()


class FlipDirection(StrEnum):
    VERTICAL = "vertical"
    HORIZONTAL = "horizontal"


@frozen
class Flip(Frozen):
    direction: FlipDirection
    positions: dict[str, int] = _positions()


@frozen
class Format(Frozen):
    """Output format by CI's short name: jpg jpeg yjpeg png gif webp bmp heif avif tpg svgc."""

    format: str
    positions: dict[str, int] = _positions()


@frozen
class CGif(Frozen):
    frames: int
    positions: dict[str, int] = _positions()


@frozen
class Interlace(Frozen):
    enabled: bool
    positions: dict[str, int] = _positions()


@frozen
class Quality(Frozen):
    """`quality/Q`: min(input quality, Q); `force` (`Q!`) uses Q as it is."""

    value: int
    force: bool = False
    positions: dict[str, int] = _positions()


@frozen
class RQuality(Frozen):
    value: int
    positions: dict[str, int] = _positions()


@frozen
class LQuality(Frozen):
    value: int
    positions: dict[str, int] = _positions()


@frozen
class Blur(Frozen):
    radius: int
    sigma: float
    positions: dict[str, int] = _positions()


@frozen
class Bright(Frozen):
    value: int
    positions: dict[str, int] = _positions()


@frozen
class Contrast(Frozen):
    value: int
    positions: dict[str, int] = _positions()


@frozen
class Sharpen(Frozen):
    value: int
    positions: dict[str, int] = _positions()


@frozen
class Grayscale(Frozen):
    enabled: bool
    positions: dict[str, int] = _positions()


@frozen
class Strip(Frozen):
    positions: dict[str, int] = _positions()


@frozen
class SizeLimit(Frozen):
    """`size-limit/15k`: JPEG output at most `size` bytes (k = 1024, m = 1024*1024).

    `keep_smaller` (`15k!`) returns the input instead when the output is not smaller.
    """

    size: int
    keep_smaller: bool = False
    positions: dict[str, int] = _positions()


MogrOperation = (
    Thumbnail
    | Cut
    | Crop
    | IRadius
    | RRadius
    | SCrop
    | Rotate
    | AutoOrient
    | Flip
    | Format
    | CGif
    | Interlace
    | Quality
    | RQuality
    | LQuality
    | Blur
    | Bright
    | Contrast
    | Sharpen
    | Grayscale
    | Strip
    | SizeLimit
)


# ---- stages ----


@frozen
class MogrStage(Frozen):
    """One `imageMogr2/...` stage: operations in execution order."""

    operations: tuple[MogrOperation, ...]
    ignore_error: bool = False
    positions: dict[str, int] = _positions()


@frozen
class ViewStage(Frozen):
    """`imageView2/<mode>/w/<W>/h/<H>/format/<F>/q/<Q>[!]/rq/<R>/lq/<L>`.

    mode None: format and quality only (addendum ruling 11b).
    """

    mode: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    quality: int | None = None
    quality_force: bool = False
    rquality: int | None = None
    lquality: int | None = None
    ignore_error: bool = False
    positions: dict[str, int] = _positions()


@frozen
class ImageWatermark(Frozen):
    """`watermark/1`: `image` is the decoded `http://` URL of the watermark object."""

    image: str
    gravity: Gravity = Gravity.SOUTHEAST
    dx: int = 0
    dy: int = 0
    blogo: int | None = None
    scatype: int | None = None
    spcent: int | None = None
    dissolve: int = 90
    batch: bool = False
    degree: int = 0
    positions: dict[str, int] = _positions()


@frozen
class TextWatermark(Frozen):
    """`watermark/2`: `text` decoded to str, `fill` as `#RRGGBB`, `font` a supported font name."""

    text: str
    font: str = "tahoma.ttf"
    fontsize: int = 13
    fill: str = "#3D3D3D"
    dissolve: int = 90
    gravity: Gravity = Gravity.SOUTHEAST
    dx: int = 0
    dy: int = 0
    batch: bool = False
    degree: int = 0
    shadow: int = 0
    spacing: int = 10
    scatype: int | None = None
    spcent: int | None = None
    positions: dict[str, int] = _positions()


@frozen
class BlindWatermark(Frozen):
    """`watermark/3`: add a blind watermark (type 1 semi-blind, 2 blind, 3 text)."""

    type: int
    image: str | None = None
    text: str | None = None
    level: int = 1
    positions: dict[str, int] = _positions()


@frozen
class BlindWatermarkExtract(Frozen):
    """`watermark/4`: extract a blind watermark."""

    type: int
    image: str | None = None
    positions: dict[str, int] = _positions()


@frozen
class ImageInfo(Frozen):
    positions: dict[str, int] = _positions()


@frozen
class Exif(Frozen):
    positions: dict[str, int] = _positions()


@frozen
class ImageAve(Frozen):
    positions: dict[str, int] = _positions()


@frozen
class ImageInspect(Frozen):
    positions: dict[str, int] = _positions()


@frozen
class StyleRef(Frozen):
    """`style/NAME`: resolved by whoever holds the styles (the server, or `process(styles=...)`)."""

    name: str
    positions: dict[str, int] = _positions()


WatermarkStage = ImageWatermark | TextWatermark | BlindWatermark | BlindWatermarkExtract
QueryStage = ImageInfo | Exif | ImageAve | ImageInspect
Stage = MogrStage | ViewStage | WatermarkStage | QueryStage | StyleRef


@frozen
class Pipeline(Frozen):
    stages: tuple[Stage, ...]

    def to_rule(self) -> str:
        """The canonical rule: `validate(p.to_rule()) == p` for every valid pipeline."""
        from ciimage.rules.canonical import pipeline_to_rule

        return pipeline_to_rule(self)

    @property
    def is_query(self) -> bool:
        """True when the pipeline answers JSON about the image rather than an image."""
        return bool(self.stages) and isinstance(self.stages[-1], QUERY_STAGE_TYPES)


QUERY_STAGE_TYPES = (ImageInfo, Exif, ImageAve, ImageInspect)
