"""The typed operation tree a rule parses into.

Nodes are frozen dataclasses with every documented default written in, so that later stages never
re-derive a default. Where a value came from in the rule text is kept in `positions`, which takes no
part in equality: `validate(p.to_rule()) == p` compares meaning, not spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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


@dataclass(frozen=True)
class ThumbnailGeometry:
    kind: GeometryKind
    width: int | None = None
    height: int | None = None
    percent: int | None = None
    area: int | None = None


# ---- imageMogr2 operations (run in the order written) ----


@dataclass(frozen=True)
class Thumbnail:
    geometry: ThumbnailGeometry
    pad: bool = False
    color: str = "#FFFFFF"
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Cut:
    width: int
    height: int
    dx: int
    dy: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Crop:
    """`crop/WxH` (either side optional) at `gravity`; `advanced` is the `!WxHaDXaDY` form."""

    width: int | None
    height: int | None
    gravity: Gravity = Gravity.NORTHWEST
    dx: int = 0
    dy: int = 0
    advanced: bool = False
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class IRadius:
    radius: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class RRadius:
    radius: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class SCrop:
    width: int
    height: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Rotate:
    degrees: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class AutoOrient:
    positions: dict[str, int] = _positions()


class FlipDirection(StrEnum):
    VERTICAL = "vertical"
    HORIZONTAL = "horizontal"


@dataclass(frozen=True)
class Flip:
    direction: FlipDirection
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Format:
    """Output format by CI's short name: jpg jpeg yjpeg png gif webp bmp heif avif tpg svgc."""

    format: str
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class CGif:
    frames: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Interlace:
    enabled: bool
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Quality:
    """`quality/Q`: min(input quality, Q); `force` (`Q!`) uses Q as it is."""

    value: int
    force: bool = False
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class RQuality:
    value: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class LQuality:
    value: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Blur:
    radius: int
    sigma: float
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Bright:
    value: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Contrast:
    value: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Sharpen:
    value: int
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Grayscale:
    enabled: bool
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Strip:
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class SizeLimit:
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


@dataclass(frozen=True)
class MogrStage:
    """One `imageMogr2/...` stage: operations in execution order."""

    operations: tuple[MogrOperation, ...]
    ignore_error: bool = False
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class ViewStage:
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


@dataclass(frozen=True)
class ImageWatermark:
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


@dataclass(frozen=True)
class TextWatermark:
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


@dataclass(frozen=True)
class BlindWatermark:
    """`watermark/3`: add a blind watermark (type 1 semi-blind, 2 blind, 3 text)."""

    type: int
    image: str | None = None
    text: str | None = None
    level: int = 1
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class BlindWatermarkExtract:
    """`watermark/4`: extract a blind watermark."""

    type: int
    image: str | None = None
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class ImageInfo:
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class Exif:
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class ImageAve:
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class ImageInspect:
    positions: dict[str, int] = _positions()


@dataclass(frozen=True)
class StyleRef:
    """`style/NAME`: resolved by whoever holds the styles (the server, or `process(styles=...)`)."""

    name: str
    positions: dict[str, int] = _positions()


WatermarkStage = ImageWatermark | TextWatermark | BlindWatermark | BlindWatermarkExtract
QueryStage = ImageInfo | Exif | ImageAve | ImageInspect
Stage = MogrStage | ViewStage | WatermarkStage | QueryStage | StyleRef


@dataclass(frozen=True)
class Pipeline:
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
