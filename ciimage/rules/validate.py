"""Every limit that does not depend on the image: ranges, counts, required pairs.

Image-dependent limits (iradius below half the shorter side, output sides up to 9,999 px) are the
planner's, checked against the input's header.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ciimage.errors import RuleError
from ciimage.rules import ast
from ciimage.rules.specs import (
    MAX_IMAGE_WATERMARKS,
    MAX_STAGES,
    MOGR_STAGE_PARAMS,
    SPEC_BY_NODE,
    VIEW_SPEC,
    Attr,
    Param,
)


def validate_pipeline(pipeline: ast.Pipeline) -> ast.Pipeline:
    stages = pipeline.stages
    if len(stages) > MAX_STAGES:
        extra = stages[MAX_STAGES]
        raise RuleError(
            f"a rule has at most {MAX_STAGES} stages joined by '|', got {len(stages)}",
            position=extra.positions.get("", 0),
        )
    watermarks = [s for s in stages if isinstance(s, ast.ImageWatermark)]
    if len(watermarks) > MAX_IMAGE_WATERMARKS:
        raise RuleError(
            f"at most {MAX_IMAGE_WATERMARKS} image watermarks per image, got {len(watermarks)}",
            position=watermarks[MAX_IMAGE_WATERMARKS].positions.get("", 0),
        )
    for index, stage in enumerate(stages):
        if isinstance(stage, ast.QUERY_STAGE_TYPES) and index != len(stages) - 1:
            raise RuleError(
                "imageInfo, exif, imageAve and imageInspect answer JSON and must be the last stage",
                position=stage.positions.get("", 0),
            )
        _validate_stage(stage)
    return pipeline


def _validate_stage(stage: Any) -> None:
    if isinstance(stage, ast.MogrStage):
        for op in stage.operations:
            _validate_node(op)
        _check_attrs(stage, MOGR_STAGE_PARAMS)
    elif isinstance(stage, ast.ViewStage):
        _validate_view(stage)
    elif type(stage) in SPEC_BY_NODE:
        _validate_node(stage)


def _validate_node(node: Any) -> None:
    spec = SPEC_BY_NODE[type(node)]
    _check_attrs(node, spec.params)
    for check in spec.checks:
        check(node)


def _check_attrs(node: Any, params: tuple[Param, ...]) -> None:
    for param in params:
        for attr in param.attrs:
            value = _lookup(node, attr.name)
            if isinstance(value, ast.ThumbnailGeometry):
                _check_geometry(node, value, param)
            elif _is_number(value) and (attr.lo is not None or attr.hi is not None):
                _check_range(node, param, attr, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lookup(node: Any, name: str) -> Any:
    return getattr(node, name, None)


def _check_range(node: Any, param: Param, attr: Attr, value: float) -> None:
    if attr.allows(value):
        return
    shown = int(value) if value == int(value) else value
    raise RuleError(
        f"{attr.label or param.key} must be {attr.describe_range()}, got {shown}",
        position=node.positions.get(attr.name, node.positions.get(param.key, 0)),
        parameter=param.key,
    )


def _check_geometry(node: Any, geometry: ast.ThumbnailGeometry, param: Param) -> None:
    for attr in param.attrs[1:]:
        value = getattr(geometry, attr.name)
        if value is not None:
            _check_range(node, param, dataclasses.replace(attr, name="geometry"), value)


def _validate_view(stage: ast.ViewStage) -> None:
    if stage.mode is not None and not 1 <= stage.mode <= 5:
        raise RuleError(
            f"imageView2 mode must be between 1 and 5, got {stage.mode}",
            position=stage.positions.get("mode", 0),
            parameter="mode",
        )
    if stage.mode is None and (stage.width is not None or stage.height is not None):
        key = "w" if stage.width is not None else "h"
        raise RuleError(
            "imageView2 w and h need a mode first: imageView2/<1-5>/w/<W>/h/<H>",
            position=stage.positions.get(key, 0),
            parameter=key,
        )
    _check_attrs(stage, VIEW_SPEC.params)
