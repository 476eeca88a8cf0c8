"""What the output file will be: format, quality, interlace, metadata and size limit.

`resolve_output` reads the whole pipeline once, before any pixel is touched, so the executor knows
the output format (white fill for formats without alpha, frame handling) from the start.

Quality follows addendum ruling 15, stage by stage: each stage's quality parameters are relative to
the quality of that stage's input, which is the previous stage's output quality (the source's
estimated JPEG quality, or 100, for the first stage). Within one stage the last quality parameter
wins. Format, interlace and size-limit: the last one given in the pipeline wins; strip, once given,
holds for the rest of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from ciimage.errors import UnsupportedFormatError
from ciimage.rules.ast import (
    CGif,
    Format,
    Interlace,
    LQuality,
    MogrStage,
    Pipeline,
    Quality,
    RQuality,
    SizeLimit,
    Strip,
    ViewStage,
)

OUTPUT_FORMATS = ("jpg", "png", "gif", "webp", "bmp", "heif", "avif", "svgc")
# Ruling 15: quality applies to these and is ignored for the others.
QUALITY_FORMATS = frozenset({"jpg", "webp", "heif", "avif"})
# Formats that cannot store transparency: alpha is flattened on white.
OPAQUE_FORMATS = frozenset({"jpg", "bmp"})
_ALIASES = {"jpeg": "jpg", "yjpeg": "jpg", "heic": "heif", "jpg": "jpg"}
# Quality of an input whose quality cannot be read (every non-JPEG input, ruling 15).
UNKNOWN_INPUT_QUALITY = 100
# AVIF/HEIF written with no quality parameter anywhere in the rule: not the source's JPEG quality,
# whose scale AV1/HEVC do not share (a q90 JPEG carried over made a 12 MP AVIF of 3.5 MB). AVIF
# takes libheif's default; HEIF the x265 quality whose file is what CI's own comparison shows
# (HEIF 0.84x AVIF from one PNG; x265 at 50 wrote 2.1-2.4x): see docs/semantics.md.
CODEC_DEFAULT_QUALITY = {"avif": 50, "heif": 30}


@dataclass(frozen=True)
class OutputSettings:
    format: str
    quality: int | None
    interlace: bool
    strip: bool
    size_limit: int | None
    keep_smaller: bool
    cgif: int | None

    @property
    def has_alpha(self) -> bool:
        """Whether the output format stores transparency."""
        return self.format not in OPAQUE_FORMATS


def normalise_format(name: str) -> str:
    """CI's short name for a format: `jpeg`/`yjpeg` are `jpg` (ruling 16)."""
    lowered = name.lower()
    return _ALIASES.get(lowered, lowered)


def _check_format(name: str, input_format: str) -> str:
    fmt = normalise_format(name)
    if fmt == "tpg":
        raise UnsupportedFormatError(
            "format/tpg is Tencent's proprietary TPG codec, which ciimage cannot write; "
            "choose one of jpg, png, gif, webp, bmp, heif, avif"
        )
    if fmt == "svgc" and input_format != "svg":
        raise UnsupportedFormatError(
            f"format/svgc compresses SVG input only; the input is {input_format}"
        )
    if fmt not in OUTPUT_FORMATS:
        raise UnsupportedFormatError(
            f"cannot write format {name!r}; allowed: jpg, jpeg, yjpeg, png, gif, webp, bmp, "
            "heif, avif (and svgc for SVG input)"
        )
    return fmt


def _clamp_quality(value: float) -> int:
    # Half up, within the encoders' 1-100 (CI accepts 0, which no encoder does).
    return max(1, min(100, int(value + 0.5)))


def _stage_quality(
    input_quality: int,
    absolute: tuple[int, bool] | None,
    relative: int | None,
    lowest: int | None,
    last: str | None,
) -> int:
    if last == "quality" and absolute is not None:
        value, force = absolute
        return _clamp_quality(value if force else min(input_quality, value))
    if last == "rquality" and relative is not None:
        return _clamp_quality(input_quality * relative / 100)
    if last == "lquality" and lowest is not None:
        return _clamp_quality(max(input_quality, lowest))
    return input_quality


def resolve_output(
    pipeline: Pipeline, *, input_format: str, input_quality: int | None
) -> OutputSettings:
    """The output settings the pipeline asks for, given the source's format and JPEG quality.

    Raises UnsupportedFormatError for `tpg`, for `svgc` on non-SVG input, and for an output format
    that has to be the input's own (no `format` parameter) when ciimage cannot write it.
    """
    source_format = normalise_format(input_format)
    fmt = source_format
    # Ruling 15: only a JPEG's quality can be read; any other input counts as 100.
    quality = UNKNOWN_INPUT_QUALITY
    if source_format == "jpg" and input_quality is not None:
        quality = input_quality
    interlace = False
    strip = False
    size_limit: SizeLimit | None = None
    cgif: int | None = None
    quality_given = False

    for stage in pipeline.stages:
        absolute: tuple[int, bool] | None = None
        relative: int | None = None
        lowest: int | None = None
        last: str | None = None
        if isinstance(stage, MogrStage):
            for op in stage.operations:
                if isinstance(op, Format):
                    fmt = _check_format(op.format, source_format)
                elif isinstance(op, Quality):
                    absolute, last = (op.value, op.force), "quality"
                elif isinstance(op, RQuality):
                    relative, last = op.value, "rquality"
                elif isinstance(op, LQuality):
                    lowest, last = op.value, "lquality"
                elif isinstance(op, Interlace):
                    interlace = op.enabled
                elif isinstance(op, Strip):
                    strip = True
                elif isinstance(op, SizeLimit):
                    size_limit = op
                elif isinstance(op, CGif):
                    cgif = op.frames  # 1: the first 30 frames (ciimage.imaging.prepare)
        elif isinstance(stage, ViewStage):
            if stage.format is not None:
                fmt = _check_format(stage.format, source_format)
            # imageView2 keys come in any order (ruling 8b), so no "last" exists: when several
            # are given, q outranks rq, which outranks lq.
            if stage.lquality is not None:
                lowest, last = stage.lquality, "lquality"
            if stage.rquality is not None:
                relative, last = stage.rquality, "rquality"
            if stage.quality is not None:
                absolute, last = (stage.quality, stage.quality_force), "quality"
        else:
            continue
        quality = _stage_quality(quality, absolute, relative, lowest, last)
        quality_given = quality_given or last is not None
        if fmt not in QUALITY_FORMATS:
            # The next stage reads a file without a quality, which counts as 100 (ruling 15).
            quality = UNKNOWN_INPUT_QUALITY

    if fmt not in OUTPUT_FORMATS:
        raise UnsupportedFormatError(
            f"the input is {fmt}, which ciimage cannot write back; add format/<jpg|png|webp|...>"
        )
    if fmt in CODEC_DEFAULT_QUALITY and not quality_given:
        quality = CODEC_DEFAULT_QUALITY[fmt]
    is_jpeg = fmt == "jpg"
    return OutputSettings(
        format=fmt,
        quality=quality if fmt in QUALITY_FORMATS else None,
        interlace=bool(interlace) and is_jpeg,
        strip=strip,
        size_limit=size_limit.size if (size_limit is not None and is_jpeg) else None,
        keep_smaller=bool(size_limit is not None and is_jpeg and size_limit.keep_smaller),
        cgif=cgif,
    )
