"""Output settings: format, quality rules (ruling 15), interlace, strip, size-limit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ciimage
from ciimage.errors import CIError, UnsupportedFormatError
from ciimage.imaging.output import OutputSettings, resolve_output
from ciimage.rules.ast import MogrStage, Pipeline, Quality, RQuality


def resolve(
    rule: str, *, input_format: str = "jpg", input_quality: int | None = 80
) -> OutputSettings:
    return resolve_output(
        ciimage.validate(rule), input_format=input_format, input_quality=input_quality
    )


# ---- the spec's worked examples ----


def test_rquality_80_on_quality_80_gives_64() -> None:
    assert resolve("imageMogr2/rquality/80", input_quality=80).quality == 64


@pytest.mark.parametrize(("input_quality", "expected"), [(85, 85), (60, 80)])
def test_lquality_80_raises_only_lower_inputs(input_quality: int, expected: int) -> None:
    assert resolve("imageMogr2/lquality/80", input_quality=input_quality).quality == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("imageMogr2/quality/90", 80),  # the smaller of input (80) and 90
        ("imageMogr2/quality/60", 60),
        ("imageMogr2/quality/90!", 90),  # `!` forces
        ("imageMogr2/quality/30!", 30),
    ],
)
def test_quality_is_the_minimum_unless_forced(rule: str, expected: int) -> None:
    assert resolve(rule, input_quality=80).quality == expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("imageView2/1/w/100/q/90", 80),
        ("imageView2/1/w/100/q/90!", 90),
        ("imageView2/2/w/100/rq/80", 64),
        ("imageView2/2/w/100/lq/90", 90),
    ],
)
def test_imageview2_quality_keys(rule: str, expected: int) -> None:
    assert resolve(rule, input_quality=80).quality == expected


def test_without_quality_the_input_quality_is_kept() -> None:
    assert resolve("imageMogr2/thumbnail/50x", input_quality=73).quality == 73


def test_non_jpeg_input_counts_as_quality_100() -> None:
    assert resolve("imageMogr2/format/jpg", input_format="png", input_quality=None).quality == 100
    assert resolve("imageMogr2/format/webp/rquality/50", input_format="png").quality == 50


# ---- formats ----


@pytest.mark.parametrize("name", ["jpg", "jpeg", "yjpeg", "JPEG"])
def test_jpeg_names_all_mean_jpg(name: str) -> None:
    assert resolve(f"imageMogr2/format/{name}", input_format="png").format == "jpg"


def test_default_format_is_the_input_format() -> None:
    assert resolve("imageMogr2/thumbnail/50x", input_format="webp").format == "webp"


def test_later_format_overrides_earlier() -> None:
    settings_ = resolve("imageMogr2/format/png|imageView2/format/webp")
    assert settings_.format == "webp"


@pytest.mark.parametrize("fmt", ["png", "gif", "bmp"])
def test_quality_is_ignored_for_formats_without_one(fmt: str) -> None:
    assert resolve(f"imageMogr2/format/{fmt}/quality/50!").quality is None


@pytest.mark.parametrize("fmt", ["webp", "heif", "avif"])
def test_quality_applies_to_webp_heif_avif(fmt: str) -> None:
    assert resolve(f"imageMogr2/format/{fmt}/quality/50").quality == 50


def test_tpg_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedFormatError, match="tpg") as caught:
        resolve("imageMogr2/format/tpg")
    assert isinstance(caught.value, CIError)
    assert caught.value.code == -443


def test_svgc_needs_svg_input() -> None:
    with pytest.raises(UnsupportedFormatError, match="svgc"):
        resolve("imageMogr2/format/svgc", input_format="png")
    assert resolve("imageMogr2/format/svgc", input_format="svg").format == "svgc"


def test_an_input_format_that_cannot_be_written_needs_a_format() -> None:
    with pytest.raises(UnsupportedFormatError, match="format/"):
        resolve("imageMogr2/thumbnail/50x", input_format="tpg")
    assert resolve("imageMogr2/format/png", input_format="tpg").format == "png"


# ---- interlace, strip, size-limit, cgif ----


def test_interlace_only_for_jpeg_output() -> None:
    assert resolve("imageMogr2/interlace/1").interlace is True
    assert resolve("imageMogr2/interlace/1/format/png").interlace is False
    assert resolve("imageMogr2/interlace/1|imageMogr2/interlace/0").interlace is False


def test_strip_holds_once_given() -> None:
    assert resolve("imageMogr2/thumbnail/50x").strip is False
    assert resolve("imageMogr2/strip|imageMogr2/thumbnail/50x").strip is True


def test_size_limit_in_bytes_for_jpeg_only() -> None:
    jpeg = resolve("imageMogr2/size-limit/15k!")
    assert (jpeg.size_limit, jpeg.keep_smaller) == (15 * 1024, True)
    assert resolve("imageMogr2/size-limit/1m").size_limit == 1024 * 1024
    png = resolve("imageMogr2/format/png/size-limit/15k!")
    assert (png.size_limit, png.keep_smaller) == (None, False)


def test_cgif_keeps_its_value_for_prepare() -> None:
    assert resolve("imageMogr2/format/gif/cgif/1").cgif == 1  # the first 30 (prepare)
    assert resolve("imageMogr2/format/gif/cgif/12").cgif == 12
    assert resolve("imageMogr2/format/gif").cgif is None


# ---- across stages ----


def test_each_stage_is_relative_to_the_previous_output() -> None:
    assert resolve("imageMogr2/rquality/50|imageMogr2/rquality/50", input_quality=80).quality == 20


def test_within_a_stage_the_last_quality_parameter_wins() -> None:
    assert resolve("imageMogr2/quality/30!/rquality/50", input_quality=80).quality == 40


def test_a_stage_without_quality_passes_it_on_unless_the_format_has_none() -> None:
    assert resolve("imageMogr2/quality/40|imageMogr2/thumbnail/50x").quality == 40
    # A PNG in between has no quality: the next stage reads it as 100 (ruling 15).
    assert resolve("imageMogr2/quality/40/format/png|imageMogr2/format/jpg").quality == 100


@settings(max_examples=60, deadline=None)
@given(
    input_quality=st.integers(1, 100),
    value=st.integers(0, 100),
    kind=st.sampled_from(["quality", "quality!", "rquality", "lquality"]),
)
def test_quality_rules_stay_in_range_and_order(input_quality: int, value: int, kind: str) -> None:
    if kind == "rquality":
        op = RQuality(value=value)
    else:
        op = Quality(value=value, force=kind.endswith("!")) if kind.startswith("quality") else None
    pipeline = (
        Pipeline(stages=(MogrStage(operations=(op,)),))
        if op is not None
        else ciimage.validate(f"imageMogr2/lquality/{value}")
    )
    quality = resolve_output(pipeline, input_format="jpg", input_quality=input_quality).quality
    assert quality is not None and 1 <= quality <= 100
    if kind == "quality":
        assert quality <= max(1, input_quality)
    elif kind == "rquality":
        assert quality <= input_quality
    elif kind == "lquality":
        assert quality >= input_quality
    else:
        assert quality == max(1, value)


@pytest.mark.parametrize(("fmt", "default"), [("heif", 30), ("avif", 50)])
def test_avif_and_heif_without_a_quality_get_the_codec_default_not_the_source_quality(
    fmt: str, default: int
) -> None:
    assert resolve(f"imageMogr2/format/{fmt}", input_quality=90).quality == default
    # An explicit quality parameter still reads the source's (ruling 15): 50 % of q90.
    assert resolve(f"imageMogr2/format/{fmt}/rquality/50", input_quality=90).quality == 45
    assert resolve(f"imageMogr2/quality/70|imageMogr2/format/{fmt}", input_quality=90).quality == 70
    # Other formats carry the source's quality over.
    assert resolve("imageMogr2/format/webp", input_quality=90).quality == 90
