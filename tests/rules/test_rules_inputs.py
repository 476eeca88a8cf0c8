"""Positions, error messages and the CLI: what a user sees when a rule is wrong."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ciimage
from ciimage.rules.inputs import rule_from_query


@pytest.mark.parametrize(
    ("text", "column_text", "message"),
    [
        ("imageMogr2/thumbnial/50x", "thumbnial", "did you mean 'thumbnail'"),
        ("imageMogr2/blur/80x3", "80x3", "blur radius must be between 1 and 50, got 80"),
        ("imageMogr2/blur/abc", "abc", "blur takes <radius>x<sigma>"),
        ("imagemogr2/strip", "imagemogr2", "did you mean 'imageMogr2'"),
        ("imageMogr2/format/pngg", "pngg", "did you mean 'png'"),
        ("imageMogr2/crop/300x400/gravity/centre", "centre", "did you mean 'center'"),
        ("watermark/2/text/YQ/fontsiz/12", "fontsiz", "did you mean 'fontsize'"),
        ("watermark/2/text/YQ/fill/I0ZGMDA", "I0ZGMDA", "#RRGGBB"),
        ("watermark/2/text/YQ/font/QXJpYWwyLnR0Zg", "QXJpYWwyLnR0Zg", "did you mean 'Arial.ttf'"),
        ("watermark/1/image/aHR0cHM6Ly9hLmNvbS94LnBuZw", "aHR0cHM6", "http:// URL"),
        ("imageView2/2/w/10/x/3", "x/3", "unknown imageView2 parameter 'x'"),
        (
            "imageMogr2/rotate/90|imageMogr2/rotate/999",
            "999",
            "rotate must be between 0 and 360, got 999",
        ),
        (
            "http://b-1250000000.cos.ap-x.myqcloud.com/a.jpg?q-sign-algorithm=sha1&imageMogr2/blur/99x1",
            "99x1",
            "blur radius",
        ),
    ],
)
def test_error_points_at_the_offending_text(text: str, column_text: str, message: str) -> None:
    with pytest.raises(ciimage.RuleError) as caught:
        ciimage.validate(text)
    error = caught.value
    assert error.code == -60998 and error.http_status == 400
    assert message in error.message
    assert text[error.position :].startswith(column_text)


def test_sdk_encoded_position_maps_back_to_the_encoded_text() -> None:
    text = "imageMogr2%2Fblur%2F80x3%2F="
    with pytest.raises(ciimage.RuleError) as caught:
        ciimage.validate(text)
    assert text[caught.value.position :].startswith("80x3")


def test_rule_from_query_finds_the_rule_or_nothing() -> None:
    assert rule_from_query("imageMogr2%2Fthumbnail%2F200x%2F=") == "imageMogr2/thumbnail/200x/"
    assert rule_from_query("q-sign-algorithm=sha1&q-ak=x&imageInfo") == "imageInfo"
    assert rule_from_query("ci-process=ImageInspect") == "ci-process=ImageInspect"
    assert rule_from_query("q-sign-algorithm=sha1&q-ak=x") is None
    assert rule_from_query("response-content-type=image/png") is None


def test_plain_url_without_rule_is_an_error() -> None:
    with pytest.raises(ciimage.RuleError, match="no processing rule"):
        ciimage.validate("http://b-1250000000.cos.ap-x.myqcloud.com/a.jpg")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ciimage", *args], capture_output=True, text=True)


def test_cli_validate_prints_canonical_form_and_exits_zero() -> None:
    done = _cli("validate", "imageMogr2/gravity/Center/crop/300x400/", "imageView2/2/h/400/w/500")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        "imageMogr2/crop/300x400/gravity/center",
        "imageView2/2/w/500/h/400",
    ]


def test_cli_validate_shows_a_caret_under_the_column_and_exits_two() -> None:
    rule = "imageMogr2/thumbnail/!50p/blur/80x3"
    done = _cli("validate", rule)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == "error -60998 at column 32: blur radius must be between 1 and 50, got 80"
    assert lines[1].strip() == rule
    assert lines[2].index("^") - lines[1].index("i") == 31
    assert "Traceback" not in done.stderr


def test_cli_validate_json_prints_the_ast() -> None:
    import json

    done = _cli("validate", "--json", "imageMogr2/crop/300x400/gravity/center")
    data = json.loads(done.stdout)
    assert data["stages"][0]["operations"][0] == {
        "type": "Crop",
        "width": 300,
        "height": 400,
        "gravity": "center",
        "dx": 0,
        "dy": 0,
        "advanced": False,
    }
