"""Hypothesis strategies for valid pipelines, built from the operation specs.

Used by ciimage's own property tests, and usable by anyone who wants random valid CI rules:
`from ciimage.rules.strategies import pipelines`. Needs hypothesis (the `dev` extra).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from ciimage.rules import ast
from ciimage.rules.specs import (
    FONTS,
    FORMATS,
    MAX_STAGES,
    MOGR_OPERATIONS,
    WATERMARK_SPECS,
    Attr,
    OperationSpec,
    Param,
)

_text = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)
_colors = st.from_regex(r"#[0-9A-F]{6}", fullmatch=True)
_urls = st.builds(
    lambda bucket, appid, key: f"http://{bucket}-{appid}.cos.ap-guangzhou.myqcloud.com/{key}",
    st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True),
    st.integers(1250000000, 1259999999),
    st.from_regex(r"[a-z0-9_]{1,10}\.png", fullmatch=True),
)
_sigmas = st.decimals(min_value="0.01", max_value="1000", places=2).map(float)


def _int_in(attr: Attr) -> st.SearchStrategy[int]:
    return st.integers(int(attr.lo or 0), int(attr.hi if attr.hi is not None else 10**6))


def _geometries() -> st.SearchStrategy[ast.ThumbnailGeometry]:
    k = ast.GeometryKind
    side = st.integers(1, 9999)
    percent = st.integers(1, 1000)
    return st.one_of(
        st.builds(
            ast.ThumbnailGeometry,
            st.sampled_from([k.SCALE, k.SCALE_WIDTH, k.SCALE_HEIGHT]),
            percent=percent,
        ),
        st.builds(ast.ThumbnailGeometry, st.just(k.WIDTH), width=side),
        st.builds(ast.ThumbnailGeometry, st.just(k.HEIGHT), height=side),
        st.builds(
            ast.ThumbnailGeometry,
            st.sampled_from([k.FIT, k.COVER, k.SHRINK, k.ENLARGE, k.EXACT]),
            width=side,
            height=side,
        ),
        st.builds(ast.ThumbnailGeometry, st.just(k.AREA), area=st.integers(1, 9999 * 9999)),
    )


@st.composite
def _crop_values(draw: st.DrawFn) -> dict[str, Any]:
    side = st.integers(1, 30000)
    width, height = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    advanced = draw(st.booleans())
    dx, dy = (
        (draw(st.integers(-30000, 30000)), draw(st.integers(-30000, 30000))) if advanced else (0, 0)
    )
    return {
        "width": draw(side) if width else None,
        "height": draw(side) if height else None,
        "dx": dx,
        "dy": dy,
        "advanced": advanced,
    }


_BY_SYNTAX: dict[str, Any] = {
    "gravity": lambda a: st.sampled_from(list(ast.Gravity)),
    "flip_direction": lambda a: st.sampled_from(list(ast.FlipDirection)),
    "format_name": lambda a: st.sampled_from([f for f in FORMATS if f not in ("jpeg", "yjpeg")]),
    "b64_text": lambda a: _text,
    "b64_color": lambda a: _colors,
    "b64_font": lambda a: st.sampled_from(FONTS),
    "b64_url": lambda a: _urls,
}


def _param_values(param: Param) -> st.SearchStrategy[dict[str, Any]]:
    if param.syntax == "thumbnail_geometry":
        return st.fixed_dictionaries({"geometry": _geometries()})
    if param.syntax == "crop_geometry":
        return _crop_values()
    if param.syntax == "blur_value":
        return st.fixed_dictionaries({"radius": st.integers(1, 50), "sigma": _sigmas})
    if param.syntax == "size_value":
        sizes = st.one_of(
            st.integers(1, 10**6).map(lambda k: k * 1024),
            st.integers(1, 1024).map(lambda m: m * 1024 * 1024),
        )
        return st.fixed_dictionaries({"size": sizes, "keep_smaller": st.booleans()})
    values: dict[str, st.SearchStrategy[Any]] = {}
    for attr in param.attrs:
        if param.syntax in _BY_SYNTAX:
            values[attr.name] = _BY_SYNTAX[param.syntax](attr)
        elif attr.lo == 0 and attr.hi == 1:
            values[attr.name] = st.booleans()
        elif attr.lo is None and attr.hi is None:
            values[attr.name] = st.booleans()  # the `!` of quality values
        else:
            values[attr.name] = _int_in(attr)
    return st.fixed_dictionaries(values)


def _node(spec: OperationSpec, optional: bool) -> st.SearchStrategy[Any]:
    @st.composite
    def build(draw: st.DrawFn) -> Any:
        attrs: dict[str, Any] = {}
        for i, param in enumerate(spec.params):
            if not optional and i > 0:
                break  # imageMogr2 modifiers are drawn once per stage by mogr_stages
            required = not optional or spec.default(param.attrs[0].name) is dataclasses.MISSING
            if param.attrs and (required or draw(st.booleans())):
                attrs.update(draw(_param_values(param)))
        return _repair(spec.node(**attrs))

    return build()


def _repair(node: Any) -> Any:
    """Make cross-parameter rules hold (scatype with spcent, blind watermark requirements)."""
    if hasattr(node, "scatype") and (node.scatype is None) != (node.spcent is None):
        node = dataclasses.replace(node, scatype=None, spcent=None)
    if getattr(node, "scatype", None) == 3 and node.spcent > 250:
        node = dataclasses.replace(node, spcent=250)
    if isinstance(node, ast.BlindWatermark | ast.BlindWatermarkExtract):
        if node.type in (1, 2) and node.image is None:
            node = dataclasses.replace(
                node, image="http://a-1250000000.cos.ap-beijing.myqcloud.com/w.png"
            )
        if isinstance(node, ast.BlindWatermark) and node.type == 3 and node.text is None:
            node = dataclasses.replace(node, text="blind")
    return node


_MODIFIED = {"thumbnail", "crop"}


@st.composite
def mogr_stages(draw: st.DrawFn) -> ast.MogrStage:
    specs = draw(st.lists(st.sampled_from(MOGR_OPERATIONS), min_size=1, max_size=5))
    operations = []
    shared: dict[str, dict[str, Any]] = {}
    for spec in specs:
        node = draw(_node(spec, optional=False))
        if spec.name in _MODIFIED:
            # Modifiers apply to every such operation of the stage, so they share one value.
            if spec.name not in shared:
                shared[spec.name] = {}
                for param in spec.params[1:]:
                    if draw(st.booleans()):
                        shared[spec.name].update(draw(_param_values(param)))
            node = dataclasses.replace(node, **shared[spec.name])
        operations.append(node)
    return ast.MogrStage(tuple(operations), ignore_error=draw(st.booleans()))


@st.composite
def view_stages(draw: st.DrawFn) -> ast.ViewStage:
    mode = draw(st.one_of(st.none(), st.integers(1, 5)))
    side = st.one_of(st.none(), st.integers(1, 9999))
    quality = draw(st.one_of(st.none(), st.integers(0, 100)))
    return ast.ViewStage(
        mode=mode,
        width=draw(side) if mode else None,
        height=draw(side) if mode else None,
        format=draw(st.one_of(st.none(), _BY_SYNTAX["format_name"](None))),
        quality=quality,
        quality_force=draw(st.booleans()) if quality is not None else False,
        rquality=draw(st.one_of(st.none(), st.integers(0, 100))),
        lquality=draw(st.one_of(st.none(), st.integers(0, 100))),
        ignore_error=draw(st.booleans()),
    )


_queries = st.sampled_from([ast.ImageInfo(), ast.Exif(), ast.ImageAve(), ast.ImageInspect()])
_styles = st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True).map(ast.StyleRef)


def stages() -> st.SearchStrategy[Any]:
    return st.one_of(
        mogr_stages(),
        view_stages(),
        *(_node(spec, optional=True) for spec in WATERMARK_SPECS),
        _styles,
    )


@st.composite
def pipelines(draw: st.DrawFn) -> ast.Pipeline:
    """Random valid pipelines: up to 10 stages, a query stage only at the end."""
    body = draw(st.lists(stages(), min_size=0, max_size=MAX_STAGES - 1))
    tail = draw(st.one_of(st.none(), _queries, stages()))
    found = [*body, tail] if tail is not None else body
    if not found:
        found = [draw(stages())]
    return ast.Pipeline(tuple(found))


def examples(count: int) -> int:
    """Example counts for property tests: short by default, 20x with CIIMAGE_FUZZ=long."""
    import os

    return count * (20 if os.environ.get("CIIMAGE_FUZZ") == "long" else 1)
