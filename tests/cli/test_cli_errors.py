"""Errors a person can act on: rule wording, escaped control characters, codec failures."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import ciimage
from ciimage.cli import main


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("imageMogr2/bright/150", "bright must be between -100 and 100, got 150"),
        ("imageMogr2/rotate/-10", "rotate takes a whole number between 0 and 360, got '-10'"),
        (
            "watermark/3",
            "watermark/3 needs type (a whole number between 1 and 3: 1 semi-blind, 2 blind, "
            "3 text)",
        ),
        ("imageView2/9/w/100", "imageView2 mode must be between 1 and 5, got 9"),
        ("imageMogr2/rotate/9\x070", "got '9\\x070'"),
        (
            f"watermark/2/text/YQ/font/{_b64('宋体')}",
            "got '宋体' (the file for 宋体 is 'SimSun.ttc')",
        ),
        (
            f"watermark/2/text/YQ/fill/{_b64('红色')}",
            "fill must be base64 of a colour #RRGGBB, got '红色'",
        ),
        (f"watermark/2/text/YQ/font/{_b64('Arail.ttf')}", "(did you mean 'Arial.ttf'?)"),
    ],
)
def test_rule_errors_say_what_is_allowed(rule: str, message: str) -> None:
    with pytest.raises(ciimage.RuleError) as raised:
        ciimage.validate(rule)
    assert message in raised.value.message
    assert "\x07" not in raised.value.message


def test_undecodable_base64_bytes_are_shown_escaped() -> None:
    raw = base64.urlsafe_b64encode(b"\xff\xfe#").decode().rstrip("=")
    with pytest.raises(ciimage.RuleError, match=r"got '\\xff\\xfe#'"):
        ciimage.validate(f"watermark/2/text/YQ/fill/{raw}")


def test_validate_shows_control_characters_escaped_with_the_caret_under_them(capsys) -> None:
    assert main(["validate", "imageMogr2/\x1b[31mrotate/999"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    lines = err.splitlines()
    assert lines[1] == "  imageMogr2/\\x1b[31mrotate/999"
    assert lines[2].index("^") == lines[1].index("\\x1b")  # under the escape, as written


def _truncated_jpeg(make_photo) -> bytes:
    data = make_photo(400, 300)
    return data[: len(data) * 2 // 3]


def _corrupt_png(make_photo) -> bytes:
    data = bytearray(make_photo(400, 300, "PNG"))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(range(64))
    return bytes(data)


@pytest.mark.parametrize(
    ("damage", "name", "expected", "library"),
    [
        (_truncated_jpeg, "cut.jpg", "the JPEG image is truncated: the file ends", "premature end"),
        (_corrupt_png, "bad.png", "the PNG image is truncated or corrupt", "libpng"),
    ],
)
@pytest.mark.parametrize("command", ["process", "info"])
def test_codec_failures_are_said_as_ci_would(
    tmp_path: Path, capsys, make_photo, damage, name, expected, library, command
) -> None:
    source = tmp_path / name
    source.write_bytes(damage(make_photo))
    args = (
        ["process", str(source), "imageMogr2/rotate/90", "-o", str(tmp_path / "o")]
        if command == "process"
        else ["info", str(source), "--ave"]
    )
    assert main(args) == 2
    plain = capsys.readouterr().err
    assert plain.startswith(f"error -443: {expected}") and plain.count("\n") == 1
    for internal in ("unable to call", "vipspng", "VipsJpeg", "load_buffer"):
        assert internal not in plain
    assert main([*args, "--verbose"]) == 2
    verbose = capsys.readouterr().err.splitlines()
    assert verbose[0] == plain.strip()
    assert verbose[1].startswith("  library said: ") and library in verbose[1]


def test_every_subcommand_documents_its_exit_codes(capsys) -> None:
    from ciimage.cli import SUBCOMMANDS

    for name in [None, *SUBCOMMANDS]:
        with pytest.raises(SystemExit):
            main(["--help"] if name is None else [name, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "exit status: 0 done, 1 file or system error, 2 rule or image error" in text, name


def test_help_explains_info_flags_and_bucket_root(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["info", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--exif the EXIF tags" in text and "--ave the average colour" in text
    assert "--inspect whether a video stream" in text
    with pytest.raises(SystemExit):
        main(["process", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--bucket-root DIR the folder that holds the bucket folders" in text
