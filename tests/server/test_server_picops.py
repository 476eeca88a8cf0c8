"""Pic-Operations parsing and ruling 26's fileid rules."""

from __future__ import annotations

import json

import pytest

from ciimage.errors import TooManyRulesError
from ciimage.server.errors import InvalidPicOperationsError
from ciimage.server.picops import parse_pic_operations, result_key


def test_parses_documented_example() -> None:
    ops = parse_pic_operations(
        '{"is_pic_info":1,"rules":[{"fileid":"test.jpg","rule":"imageView2/format/png"}]}'
    )
    assert ops.is_pic_info
    assert ops.rules[0].fileid == "test.jpg"
    assert ops.rules[0].rule == "imageView2/format/png"
    assert ops.rules[0].bucket is None


def test_six_rules_are_too_many() -> None:
    rules = [{"fileid": f"o{i}.jpg", "rule": "imageMogr2/thumbnail/10x"} for i in range(6)]
    with pytest.raises(TooManyRulesError) as caught:
        parse_pic_operations(json.dumps({"rules": rules}))
    assert caught.value.code == -60997


def test_five_rules_are_fine() -> None:
    rules = [{"fileid": f"o{i}.jpg", "rule": "imageMogr2/thumbnail/10x"} for i in range(5)]
    assert len(parse_pic_operations(json.dumps({"rules": rules})).rules) == 5


@pytest.mark.parametrize(
    "header",
    [
        "not json",
        "[]",
        '{"is_pic_info": 2}',
        '{"rules": {"fileid": "a"}}',
        '{"rules": [{"rule": "imageInfo"}]}',
        '{"rules": [{"fileid": "a.jpg"}]}',
        '{"rules": [{"fileid": "", "rule": "x"}]}',
    ],
)
def test_malformed_headers(header: str) -> None:
    with pytest.raises(InvalidPicOperationsError) as caught:
        parse_pic_operations(header)
    assert caught.value.code == -60998


def test_utf8_header_text_survives_latin1_transport() -> None:
    header = json.dumps(
        {"rules": [{"fileid": "图片.jpg", "rule": "imageInfo"}]}, ensure_ascii=False
    )
    latin1 = header.encode("utf-8").decode("latin-1")
    assert parse_pic_operations(latin1).rules[0].fileid == "图片.jpg"


@pytest.mark.parametrize(
    ("fileid", "input_key", "expected"),
    [
        ("/p2/test2.jpg", "p1/test1.jpg", "p2/test2.jpg"),  # the spec's absolute example
        ("p2/test2.jpg", "p1/test1.jpg", "p1/p2/test2.jpg"),  # the spec's relative example
        ("out.png", "top.jpg", "out.png"),
        ("/out.png", "a/b/c.jpg", "out.png"),
    ],
)
def test_fileid_resolution(fileid: str, input_key: str, expected: str) -> None:
    assert result_key(fileid, input_key) == expected


@pytest.mark.parametrize(
    "fileid", ["dir/", "../escape.jpg", "/../escape.jpg", "a/../../b.jpg", "/", "a//b.jpg", "./x"]
)
def test_fileids_that_escape_or_end_with_slash_are_refused(fileid: str) -> None:
    with pytest.raises(InvalidPicOperationsError):
        result_key(fileid, "p1/test1.jpg")
