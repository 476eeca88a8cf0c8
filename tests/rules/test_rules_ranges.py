"""Every numeric parameter at, inside and outside each bound of its documented range.

The cases are generated from the operation specs, so a new parameter is covered without a new test.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import ciimage
from ciimage.rules import ast
from ciimage.rules.specs import MOGR_OPERATIONS, MOGR_STAGE_PARAMS, VIEW_SPEC, WATERMARK_SPECS, Attr

URL = "aHR0cDovL2EtMTI1MDAwMDAwMC5jb3MuYXAtYmVpamluZy5teXFjbG91ZC5jb20vdy5wbmc"
# A valid rule per operation or stage: the bound tests vary one attribute of its node.
BASE_RULES = {
    "thumbnail": "imageMogr2/thumbnail/100x100",
    "cut": "imageMogr2/cut/10x10x1x1",
    "crop": "imageMogr2/crop/!10x10a1a1",
    "iradius": "imageMogr2/iradius/10",
    "rradius": "imageMogr2/rradius/10",
    "scrop": "imageMogr2/scrop/10x10",
    "rotate": "imageMogr2/rotate/10",
    "cgif": "imageMogr2/cgif/10",
    "interlace": "imageMogr2/interlace/1",
    "quality": "imageMogr2/quality/10",
    "rquality": "imageMogr2/rquality/10",
    "lquality": "imageMogr2/lquality/10",
    "blur": "imageMogr2/blur/10x3",
    "bright": "imageMogr2/bright/10",
    "contrast": "imageMogr2/contrast/10",
    "sharpen": "imageMogr2/sharpen/70",
    "grayscale": "imageMogr2/grayscale/1",
    "size-limit": "imageMogr2/size-limit/10k",
    "imageView2": "imageView2/1/w/10/h/10/q/10/rq/10/lq/10",
    "watermark/1": f"watermark/1/image/{URL}/blogo/1/scatype/1/spcent/10",
    "watermark/2": "watermark/2/text/YQ/scatype/1/spcent/10",
    "watermark/3": f"watermark/3/type/2/image/{URL}/text/YQ",
    "watermark/4": f"watermark/4/type/2/image/{URL}",
}


def _cases() -> list[tuple[str, str, str, Any, bool]]:
    cases = []
    specs = [*MOGR_OPERATIONS, VIEW_SPEC, *WATERMARK_SPECS]
    for spec in specs:
        if spec.name not in BASE_RULES:
            continue
        for param in spec.params:
            for attr in param.attrs:
                if attr.lo is None or attr.name in {"geometry", "percent", "area", "size"}:
                    continue  # percent and area: their own forms, in test_documented_limits
                for value, ok in _bounds(attr):
                    cases.append((spec.name, param.key, attr.name, value, ok))
    for param in MOGR_STAGE_PARAMS:
        for attr in param.attrs:
            for value, ok in _bounds(attr):
                cases.append(("stage", param.key, attr.name, value, ok))
    return cases


def _bounds(attr: Attr) -> list[tuple[Any, bool]]:
    lo, hi = attr.lo, attr.hi
    step = 0.01 if attr.lo_exclusive else 1
    found = [(lo + step, True)] if attr.lo_exclusive else [(lo, True), (lo - 1, False)]
    if attr.lo_exclusive:
        found.append((lo, False))
    if hi is not None:
        found += [(hi, True), (hi + 1, False)]
        mid = (lo + hi) // 2
        found.append((mid if not attr.lo_exclusive or mid > lo else hi, True))
    return found


def _node_with(spec_name: str, attr: str, value: Any) -> ast.Pipeline:
    if spec_name == "stage":
        stage = ciimage.validate("imageMogr2/rotate/90").stages[0]
        return ast.Pipeline((dataclasses.replace(stage, **{attr: value}),))
    stage = ciimage.validate(BASE_RULES[spec_name]).stages[0]
    if isinstance(stage, ast.MogrStage):
        op = stage.operations[0]
        if attr in {"percent", "width", "height", "area"} and isinstance(op, ast.Thumbnail):
            geometry = dataclasses.replace(op.geometry, **{attr: value})
            return ast.Pipeline((ast.MogrStage((dataclasses.replace(op, geometry=geometry),)),))
        return ast.Pipeline((ast.MogrStage((dataclasses.replace(op, **{attr: value}),)),))
    return ast.Pipeline((dataclasses.replace(stage, **{attr: value}),))


CASES = _cases()


@pytest.mark.parametrize(
    ("spec", "key", "attr", "value", "ok"), CASES, ids=[f"{c[0]}.{c[2]}={c[3]}" for c in CASES]
)
def test_bound(spec: str, key: str, attr: str, value: Any, ok: bool) -> None:
    rule = _node_with(spec, attr, value).to_rule()
    if ok:
        pipeline = ciimage.validate(rule)
        assert pipeline.to_rule() == rule
        return
    with pytest.raises(ciimage.RuleError) as caught:
        ciimage.validate(rule)
    assert caught.value.code == -60998
    assert caught.value.parameter == key
    # The error points at the parameter's value (or key) inside the rule.
    assert rule[caught.value.position :].startswith(
        (key, str(value).lstrip("-"), "-", str(value)[:1])
    ) or (caught.value.position > 0)


def test_every_numeric_parameter_is_covered() -> None:
    covered = {(c[1], c[2]) for c in CASES}
    declared = {
        (p.key, a.name)
        for s in [*MOGR_OPERATIONS, VIEW_SPEC, *WATERMARK_SPECS]
        for p in s.params
        for a in p.attrs
        if a.lo is not None and a.name != "geometry"
    }
    # percent, area and size have their own forms, covered in test_documented_limits.
    missing = {d for d in declared if d not in covered and d[1] not in {"percent", "area", "size"}}
    assert not missing


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("imageMogr2/thumbnail/!0p", "thumbnail percentage must be between 1 and 1000, got 0"),
        (
            "imageMogr2/thumbnail/!1001p",
            "thumbnail percentage must be between 1 and 1000, got 1001",
        ),
        ("imageMogr2/thumbnail/!1000p", None),
        ("imageMogr2/thumbnail/0@", "thumbnail area must be"),
        ("imageMogr2/thumbnail/99980001@", None),
        ("imageMogr2/thumbnail/99980002@", "thumbnail area must be"),
        ("imageMogr2/thumbnail/10000x1", "thumbnail width must be between 1 and 9999, got 10000"),
        ("imageMogr2/blur/80x3", "blur radius must be between 1 and 50, got 80"),
        ("imageMogr2/blur/3x0", "blur sigma must be greater than 0"),
        ("imageMogr2/blur/3x0.5", None),
        ("imageView2/0/w/10", "imageView2 mode must be between 1 and 5, got 0"),
        ("imageView2/6/w/10", "imageView2 mode must be between 1 and 5, got 6"),
        ("imageView2/w/10", "need a mode first"),
        (
            "watermark/2/text/YQ/scatype/3/spcent/251",
            "spcent must be between 1 and 250 with scatype 3",
        ),
        ("watermark/2/text/YQ/scatype/3", "scatype must be used together with spcent"),
        ("watermark/2/text/YQ/spcent/3", "spcent must be used together with scatype"),
        ("watermark/3/type/1", "needs image"),
        ("watermark/3/type/3", "needs text"),
        ("watermark/4/type/1", "needs image"),
        ("imageMogr2/interlace/2", "interlace must be 0 or 1, got 2"),
        ("imageMogr2/pad/1", "pad modifies thumbnail"),
        ("imageMogr2/gravity/center", "gravity modifies crop"),
        ("imageMogr2/crop/10x10/gravity/north/gravity/south", "gravity is given twice"),
        ("imageInfo|imageMogr2/rotate/90", "must be the last stage"),
        ("imageMogr2/size-limit/0k", "size-limit in bytes"),
        ("imageMogr2/size-limit/1k", None),
        ("imageMogr2/size-limit/1024m", None),
        ("imageMogr2/size-limit/1025m", "size-limit in bytes"),
    ],
)
def test_documented_limits(rule: str, message: str | None) -> None:
    if message is None:
        ciimage.validate(rule)
        return
    with pytest.raises(ciimage.RuleError, match=message.replace("(", r"\(")):
        ciimage.validate(rule)


def test_parse_checks_syntax_only() -> None:
    pipeline = ciimage.parse("imageMogr2/blur/80x3")
    assert pipeline.stages[0].operations[0] == ast.Blur(80, 3.0)
    with pytest.raises(ciimage.RuleError):
        ciimage.validate("imageMogr2/blur/80x3")


def test_image_watermarks_beyond_ten_are_refused() -> None:
    from ciimage.rules.validate import validate_pipeline

    wm = ciimage.validate(f"watermark/1/image/{URL}").stages[0]
    assert validate_pipeline(ast.Pipeline((wm,) * 10))
    with pytest.raises(ciimage.RuleError):
        validate_pipeline(ast.Pipeline((wm,) * 11))
