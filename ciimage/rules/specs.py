"""One declared spec per operation: its parameters, value syntax, ranges and defaults.

These declarations drive everything that knows about parameters: the grammar's parameter
productions (generated from them), the transformer that builds AST nodes, the validator, the
canonical form, `explain` and the docs. Adding an operation means one entry here and one executor
step. Defaults are not repeated here: they are the AST dataclasses' field defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from ciimage.rules import ast

# Contexts: where a parameter may be written.
MOGR = "imageMogr2"
VIEW = "imageView2"
WM1 = "watermark/1"
WM2 = "watermark/2"
WM3 = "watermark/3"
WM4 = "watermark/4"

FORMATS = ("jpg", "jpeg", "yjpeg", "png", "gif", "webp", "bmp", "heif", "avif", "tpg", "svgc")

# CI's supported fonts (image-processing.txt, "Supported Fonts") plus the default.
FONTS = (
    "tahoma.ttf",
    "SimFang.ttf",
    "SimHei.ttf",
    "SimKai.ttf",
    "SimSun.ttc",
    "STHeiti-Light.ttc",
    "STHeiti-Medium.ttc",
    "YouYuan.ttf",
    "Ahronbd.ttf",
    "Arial.ttf",
    "Ariblk.ttf",
    "Helvetica.dfont",
    "HelveticaNeue.dfont",
)

MAX_STAGES = 10
MAX_IMAGE_WATERMARKS = 10


@dataclass(frozen=True)
class Attr:
    """One AST attribute filled by a parameter, with its documented range (inclusive)."""

    name: str
    lo: float | None = None
    hi: float | None = None
    lo_exclusive: bool = False
    label: str = ""  # how messages name it; defaults to the parameter key

    def describe_range(self) -> str:
        if self.lo == 0 and self.hi == 1 and not self.lo_exclusive:
            return "0 or 1"
        if self.lo_exclusive and self.hi is None:
            return f"greater than {_num(self.lo)}"
        if self.lo_exclusive:
            return f"greater than {_num(self.lo)} and at most {_num(self.hi)}"
        if self.hi is None:
            return f"at least {_num(self.lo)}"
        return f"between {_num(self.lo)} and {_num(self.hi)}"

    def allows(self, value: float) -> bool:
        if self.lo is not None and (value <= self.lo if self.lo_exclusive else value < self.lo):
            return False
        return self.hi is None or value <= self.hi


def _num(value: float | None) -> str:
    return str(int(value)) if value is not None and value == int(value) else str(value)


@dataclass(frozen=True)
class Param:
    """A `key/value` pair as written in a rule.

    `syntax` names the value's rule in grammar/ci.lark (see ciimage/rules/values.py); an empty
    syntax is a bare flag such as `strip`.
    """

    key: str
    syntax: str
    attrs: tuple[Attr, ...] = ()
    doc: str = ""

    @property
    def rule_name(self) -> str:
        return self.key.replace("-", "_")


Check = Callable[[Any], None]  # raises RuleError on a cross-parameter violation


@dataclass(frozen=True)
class OperationSpec:
    """An operation (imageMogr2) or a whole keyed stage (imageView2, watermark/N).

    For imageMogr2 operations `params[0]` is the operation's own key; the other params are
    modifiers written anywhere in the same stage (addendum ruling 3: `crop/300x400/gravity/center`).
    For keyed stages every param is a key/value pair in any order (ruling 8b).
    """

    name: str
    context: str
    node: type
    params: tuple[Param, ...]
    doc: str
    checks: tuple[Check, ...] = ()

    def default(self, attr: str) -> Any:
        for f in fields(self.node):
            if f.name == attr:
                return f.default
        raise KeyError(attr)


def _flag01(key: str, attr: str, doc: str) -> Param:
    return Param(key, "int_value", (Attr(attr, 0, 1),), doc)


IGNORE_ERROR_DOC = "1: on a size or parameter-limit failure, return the stage's input instead"
GRAVITY_DOC = "northwest north northeast west center east southwest south southeast"
OFFSET = (-9999, 9999)

MOGR_OPERATIONS: tuple[OperationSpec, ...] = (
    OperationSpec(
        "thumbnail",
        MOGR,
        ast.Thumbnail,
        (
            Param(
                "thumbnail",
                "thumbnail_geometry",
                (
                    Attr("geometry"),
                    Attr("percent", 1, 1000, label="thumbnail percentage"),
                    Attr("width", 1, 9999, label="thumbnail width"),
                    Attr("height", 1, 9999, label="thumbnail height"),
                    Attr("area", 1, 9999 * 9999, label="thumbnail area"),
                ),
                "scale: !Np !Npx !xNp Wx xH WxH WxH> WxH< !WxHr WxH! N@",
            ),
            _flag01("pad", "pad", "1: pad to WxH, centred, with color"),
            Param("color", "b64_color", (Attr("color"),), "pad colour, base64 of #RRGGBB"),
        ),
        "Scale the image.",
    ),
    OperationSpec(
        "cut",
        MOGR,
        ast.Cut,
        (
            Param(
                "cut",
                "cut_geometry",
                (
                    Attr("width", 1, 30000, label="cut width"),
                    Attr("height", 1, 30000, label="cut height"),
                    Attr("dx", 0, 30000, label="cut dx"),
                    Attr("dy", 0, 30000, label="cut dy"),
                ),
                "WxHxDXxDY from the top-left corner",
            ),
        ),
        "Cut a fixed rectangle.",
    ),
    OperationSpec(
        "crop",
        MOGR,
        ast.Crop,
        (
            Param(
                "crop",
                "crop_geometry",
                (
                    Attr("width", 1, 30000, label="crop width"),
                    Attr("height", 1, 30000, label="crop height"),
                    Attr("dx", -30000, 30000, label="crop dx"),
                    Attr("dy", -30000, 30000, label="crop dy"),
                    Attr("advanced"),
                ),
                "Wx xH WxH or !WxHaDXaDY",
            ),
            Param("gravity", "gravity", (Attr("gravity"),), GRAVITY_DOC),
        ),
        "Crop to a size at a gravity anchor.",
    ),
    OperationSpec(
        "iradius",
        MOGR,
        ast.IRadius,
        (Param("iradius", "int_value", (Attr("radius", 1, 15000, label="iradius"),)),),
        "Crop to the inscribed circle of the given radius.",
    ),
    OperationSpec(
        "rradius",
        MOGR,
        ast.RRadius,
        (Param("rradius", "int_value", (Attr("radius", 1, 15000, label="rradius"),)),),
        "Round the corners with the given radius.",
    ),
    OperationSpec(
        "scrop",
        MOGR,
        ast.SCrop,
        (
            Param(
                "scrop",
                "size_pair",
                (
                    Attr("width", 1, 9999, label="scrop width"),
                    Attr("height", 1, 9999, label="scrop height"),
                ),
                "WxH",
            ),
        ),
        "Scale and crop around the largest face.",
    ),
    OperationSpec(
        "rotate",
        MOGR,
        ast.Rotate,
        (Param("rotate", "int_value", (Attr("degrees", 0, 360, label="rotate"),)),),
        "Rotate clockwise by the given degrees.",
    ),
    OperationSpec(
        "auto-orient",
        MOGR,
        ast.AutoOrient,
        (Param("auto-orient", ""),),
        "Turn the image upright by its EXIF orientation.",
    ),
    OperationSpec(
        "flip",
        MOGR,
        ast.Flip,
        (Param("flip", "flip_direction", (Attr("direction"),), "vertical or horizontal"),),
        "Flip vertically or horizontally.",
    ),
    OperationSpec(
        "format",
        MOGR,
        ast.Format,
        (Param("format", "format_name", (Attr("format"),), " ".join(FORMATS)),),
        "Convert the output format.",
    ),
    OperationSpec(
        "cgif",
        MOGR,
        ast.CGif,
        (Param("cgif", "int_value", (Attr("frames", 1, 100, label="cgif"),)),),
        "Keep the first N GIF frames (1 means 30).",
    ),
    OperationSpec(
        "interlace",
        MOGR,
        ast.Interlace,
        (_flag01("interlace", "enabled", "1: progressive JPEG"),),
        "Progressive JPEG output.",
    ),
    OperationSpec(
        "quality",
        MOGR,
        ast.Quality,
        (
            Param(
                "quality", "quality_value", (Attr("value", 0, 100, label="quality"), Attr("force"))
            ),
        ),
        "Absolute quality: min(input, Q); Q! forces Q.",
    ),
    OperationSpec(
        "rquality",
        MOGR,
        ast.RQuality,
        (Param("rquality", "int_value", (Attr("value", 0, 100, label="rquality"),)),),
        "Quality relative to the input's: input*R/100.",
    ),
    OperationSpec(
        "lquality",
        MOGR,
        ast.LQuality,
        (Param("lquality", "int_value", (Attr("value", 0, 100, label="lquality"),)),),
        "Lowest quality: max(input, L).",
    ),
    OperationSpec(
        "blur",
        MOGR,
        ast.Blur,
        (
            Param(
                "blur",
                "blur_value",
                (
                    Attr("radius", 1, 50, label="blur radius"),
                    Attr("sigma", 0, 1000, lo_exclusive=True, label="blur sigma"),
                ),
                "<radius>x<sigma>",
            ),
        ),
        "Gaussian blur.",
    ),
    OperationSpec(
        "bright",
        MOGR,
        ast.Bright,
        (Param("bright", "signed_value", (Attr("value", -100, 100, label="bright"),)),),
        "Brightness.",
    ),
    OperationSpec(
        "contrast",
        MOGR,
        ast.Contrast,
        (Param("contrast", "signed_value", (Attr("value", -100, 100, label="contrast"),)),),
        "Contrast.",
    ),
    OperationSpec(
        "sharpen",
        MOGR,
        ast.Sharpen,
        (Param("sharpen", "int_value", (Attr("value", 10, 300, label="sharpen"),)),),
        "Sharpen.",
    ),
    OperationSpec(
        "grayscale",
        MOGR,
        ast.Grayscale,
        (_flag01("grayscale", "enabled", "1: grayscale"),),
        "Grayscale.",
    ),
    OperationSpec("strip", MOGR, ast.Strip, (Param("strip", ""),), "Remove metadata."),
    OperationSpec(
        "size-limit",
        MOGR,
        ast.SizeLimit,
        (
            Param(
                "size-limit",
                "size_value",
                (
                    Attr("size", 1024, 1024 * 1024 * 1024, label="size-limit in bytes (1k-1024m)"),
                    Attr("keep_smaller"),
                ),
                "<N>k or <N>m, optionally with !",
            ),
        ),
        "Limit the JPEG output's size in bytes.",
    ),
)

# Stage-wide imageMogr2 parameters (attributes of MogrStage itself).
MOGR_STAGE_PARAMS: tuple[Param, ...] = (_flag01("ignore-error", "ignore_error", IGNORE_ERROR_DOC),)


def _scale_pair_check(node: Any) -> None:
    from ciimage.rules.checks import check_scale_pair

    check_scale_pair(node)


def _blind_check(node: Any) -> None:
    from ciimage.rules.checks import check_blind

    check_blind(node)


_QUALITY_ATTRS = (Attr("quality", 0, 100, label="q"), Attr("quality_force"))

VIEW_SPEC = OperationSpec(
    "imageView2",
    VIEW,
    ast.ViewStage,
    (
        Param("w", "int_value", (Attr("width", 1, 9999, label="imageView2 w"),), "width"),
        Param("h", "int_value", (Attr("height", 1, 9999, label="imageView2 h"),), "height"),
        Param("format", "format_name", (Attr("format"),), " ".join(FORMATS)),
        Param("q", "quality_value", _QUALITY_ATTRS, "quality 0-100, ! forces"),
        Param("rq", "int_value", (Attr("rquality", 0, 100, label="rq"),), "relative quality"),
        Param("lq", "int_value", (Attr("lquality", 0, 100, label="lq"),), "lowest quality"),
        _flag01("ignore-error", "ignore_error", IGNORE_ERROR_DOC),
    ),
    "Quick thumbnail template, modes 1-5.",
)

_GRAVITY = Param("gravity", "gravity", (Attr("gravity"),), GRAVITY_DOC)
_DX = Param("dx", "signed_value", (Attr("dx", *OFFSET),), "horizontal margin in px")
_DY = Param("dy", "signed_value", (Attr("dy", *OFFSET),), "vertical margin in px")
_DISSOLVE = Param("dissolve", "int_value", (Attr("dissolve", 1, 100),), "opacity in percent")
_BATCH = _flag01("batch", "batch", "1: tile over the whole image")
_DEGREE = Param("degree", "int_value", (Attr("degree", 0, 360),), "tile rotation in degrees")
_SCATYPE = Param("scatype", "int_value", (Attr("scatype", 1, 3),), "1 width, 2 height, 3 area")
_SPCENT = Param("spcent", "int_value", (Attr("spcent", 1, 1000),), "per mille of the input")

WATERMARK_SPECS: tuple[OperationSpec, ...] = (
    OperationSpec(
        "watermark/1",
        WM1,
        ast.ImageWatermark,
        (
            Param("image", "b64_url", (Attr("image"),), "base64 of the watermark's http:// URL"),
            _GRAVITY,
            _DX,
            _DY,
            Param("blogo", "int_value", (Attr("blogo", 1, 2),), "1 scale down, 2 crop to fit"),
            _SCATYPE,
            _SPCENT,
            _DISSOLVE,
            _BATCH,
            _DEGREE,
        ),
        "Image watermark.",
        checks=(_scale_pair_check,),
    ),
    OperationSpec(
        "watermark/2",
        WM2,
        ast.TextWatermark,
        (
            Param("text", "b64_text", (Attr("text"),), "base64 of UTF-8 text"),
            Param("font", "b64_font", (Attr("font"),), "base64 of a supported font name"),
            Param("fontsize", "int_value", (Attr("fontsize", 1, 1000),), "size in px"),
            Param("fill", "b64_color", (Attr("fill"),), "base64 of #RRGGBB"),
            _DISSOLVE,
            _GRAVITY,
            _DX,
            _DY,
            _BATCH,
            _DEGREE,
            Param("shadow", "int_value", (Attr("shadow", 0, 100),), "shadow opacity percent"),
            Param("spacing", "int_value", (Attr("spacing", 0, 100),), "tile gap percent"),
            _SCATYPE,
            _SPCENT,
        ),
        "Text watermark.",
        checks=(_scale_pair_check,),
    ),
    OperationSpec(
        "watermark/3",
        WM3,
        ast.BlindWatermark,
        (
            Param("type", "int_value", (Attr("type", 1, 3),), "1 semi-blind, 2 blind, 3 text"),
            Param("image", "b64_url", (Attr("image"),), "base64 of the watermark's http:// URL"),
            Param("text", "b64_text", (Attr("text"),), "base64 of UTF-8 text"),
            Param("level", "int_value", (Attr("level", 1, 3),), "strength 1-3"),
        ),
        "Add a blind watermark.",
        checks=(_blind_check,),
    ),
    OperationSpec(
        "watermark/4",
        WM4,
        ast.BlindWatermarkExtract,
        (
            Param("type", "int_value", (Attr("type", 1, 3),), "the type used when adding"),
            Param("image", "b64_url", (Attr("image"),), "base64 of an http:// URL"),
        ),
        "Extract a blind watermark.",
        checks=(_blind_check,),
    ),
)

KEYED_SPECS: dict[str, OperationSpec] = {s.context: s for s in (VIEW_SPEC, *WATERMARK_SPECS)}
SPEC_BY_NODE: dict[type, OperationSpec] = {
    s.node: s for s in (*MOGR_OPERATIONS, VIEW_SPEC, *WATERMARK_SPECS)
}
MOGR_BY_KEY: dict[str, OperationSpec] = {s.params[0].key: s for s in MOGR_OPERATIONS}
# imageMogr2 modifiers: key -> the operations they modify.
MOGR_MODIFIERS: dict[str, tuple[OperationSpec, Param]] = {
    p.key: (s, p) for s in MOGR_OPERATIONS for p in s.params[1:]
}


def context_params(context: str) -> tuple[Param, ...]:
    """Every parameter that may be written in a context, in declaration order."""
    if context == MOGR:
        ops = tuple(s.params[0] for s in MOGR_OPERATIONS)
        mods = tuple(p for s in MOGR_OPERATIONS for p in s.params[1:])
        return ops + mods + MOGR_STAGE_PARAMS
    return KEYED_SPECS[context].params


CONTEXT_RULES = {MOGR: "mogr", VIEW: "view", WM1: "wm1", WM2: "wm2", WM3: "wm3", WM4: "wm4"}
