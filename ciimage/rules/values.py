"""Value syntaxes: how each kind of parameter value is read from the grammar and written back.

Each `Syntax` names the rule of grammar/ci.lark that reads it, an optional conversion of the raw
text (base64 payloads, enumerations), the writer used by the canonical form, and the help text that
error messages show. `parse(text) -> write(value)` and back are inverses (tested as a round trip).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ciimage.errors import RuleError, printable
from ciimage.rules import ast
from ciimage.rules.specs import FONTS, FORMATS

Convert = Callable[[str, int, str], tuple[Any, ...]]  # (raw text, position, key) -> values


@dataclass(frozen=True)
class Syntax:
    grammar_rule: str
    write: Callable[..., str]
    help: str
    convert: Convert | None = None


def closest(word: str, choices: tuple[str, ...] | list[str]) -> str | None:
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """` (did you mean 'x'?)` when a close choice exists, else an empty string."""
    match = closest(word, choices)
    return f" (did you mean '{match}'?)" if match else ""


def _enum(choices: tuple[str, ...], make: Callable[[str], Any]) -> Convert:
    def convert(raw: str, pos: int, key: str) -> tuple[Any, ...]:
        word = raw.lower()
        if word not in choices:
            raise RuleError(
                f"{key} must be one of {', '.join(choices)}, got {printable(raw)}"
                f"{suggest(raw, choices)}",
                position=pos,
                parameter=key,
            )
        return (make(word),)

    return convert


def b64decode(raw: str, pos: int, key: str) -> bytes:
    """URL-safe base64 with or without `=` padding (addendum ruling 5)."""
    body = raw.rstrip("=")
    if len(body) % 4 == 1:
        raise RuleError(
            f"{key} is not valid base64 (length {len(body)})", position=pos, parameter=key
        )
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise RuleError(f"{key} is not valid URL-safe base64", position=pos, parameter=key) from exc


def b64encode(data: str) -> str:
    return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii").rstrip("=")


def _text(raw: str, pos: int, key: str) -> tuple[Any, ...]:
    try:
        text = b64decode(raw, pos, key).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(f"{key} must be base64 of UTF-8 text", position=pos, parameter=key) from exc
    if not text:
        raise RuleError(f"{key} must not be empty", position=pos, parameter=key)
    return (text,)


_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


def _decoded_text(raw: str, pos: int, key: str) -> str:
    """A base64 payload as text: UTF-8 (what CI's examples encode), each undecodable byte shown
    as \\xNN rather than as a mis-decoded character."""
    return b64decode(raw, pos, key).decode("utf-8", errors="backslashreplace")


def _color(raw: str, pos: int, key: str) -> tuple[Any, ...]:
    decoded = _decoded_text(raw, pos, key)
    if not _COLOR.fullmatch(decoded):
        raise RuleError(
            f"{key} must be base64 of a colour #RRGGBB, got {printable(decoded)}",
            position=pos,
            parameter=key,
        )
    return (decoded.upper(),)


_FONT_BY_LOWER = {f.lower(): f for f in FONTS}
# The Chinese names people write for CI's font files: a hint only, CI itself takes file names.
_FONT_BY_CHINESE_NAME = {
    "宋体": "SimSun.ttc",
    "黑体": "SimHei.ttf",
    "楷体": "SimKai.ttf",
    "仿宋": "SimFang.ttf",
    "幼圆": "YouYuan.ttf",
    "华文黑体": "STHeiti-Light.ttc",
}


def _font_hint(name: str) -> str:
    known = _FONT_BY_CHINESE_NAME.get(name.strip())
    return f" (the file for {name} is {known!r})" if known else suggest(name, FONTS)


def _font(raw: str, pos: int, key: str) -> tuple[Any, ...]:
    name = _decoded_text(raw, pos, key)
    font = _FONT_BY_LOWER.get(name.lower())
    if font is None:
        raise RuleError(
            f"font must be base64 of a supported font ({', '.join(FONTS)}), got {printable(name)}"
            f"{_font_hint(name)}",
            position=pos,
            parameter=key,
        )
    return (font,)


_URL = re.compile(
    r"http://[A-Za-z0-9][A-Za-z0-9.-]*\.(?:myqcloud\.com|tencentcos\.cn)/[^\s]+", re.ASCII
)


def _url(raw: str, pos: int, key: str) -> tuple[Any, ...]:
    try:
        url = b64decode(raw, pos, key).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(f"{key} must be base64 of a URL", position=pos, parameter=key) from exc
    if not _URL.fullmatch(url):
        raise RuleError(
            f"{key} must be base64 of an http:// URL of a COS object "
            f"(http://<bucket>-<appid>.cos.<region>.myqcloud.com/<key>), got {printable(url)}",
            position=pos,
            parameter=key,
        )
    return (url,)


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _write_geometry(g: ast.ThumbnailGeometry) -> str:
    k = ast.GeometryKind
    return {
        k.SCALE: lambda: f"!{g.percent}p",
        k.SCALE_WIDTH: lambda: f"!{g.percent}px",
        k.SCALE_HEIGHT: lambda: f"!x{g.percent}p",
        k.WIDTH: lambda: f"{g.width}x",
        k.HEIGHT: lambda: f"x{g.height}",
        k.FIT: lambda: f"{g.width}x{g.height}",
        k.COVER: lambda: f"!{g.width}x{g.height}r",
        k.SHRINK: lambda: f"{g.width}x{g.height}>",
        k.ENLARGE: lambda: f"{g.width}x{g.height}<",
        k.EXACT: lambda: f"{g.width}x{g.height}!",
        k.AREA: lambda: f"{g.area}@",
    }[g.kind]()


def _offset(value: int) -> str:
    return f"a{value}" if value >= 0 else f"-{-value}"


def _write_crop(width: int | None, height: int | None, dx: int, dy: int, advanced: bool) -> str:
    size = f"{'' if width is None else width}x{'' if height is None else height}"
    if not advanced:
        return size
    offsets = f"{_offset(dx)}{_offset(dy)}" if (dx, dy) != (0, 0) else ""
    return f"!{size}{offsets}"


def _write_size(size: int, keep_smaller: bool) -> str:
    mib = 1024 * 1024
    text = f"{size // mib}m" if size % mib == 0 else f"{size // 1024}k"
    return text + ("!" if keep_smaller else "")


SYNTAXES: dict[str, Syntax] = {
    "": Syntax("", lambda: "", "no value"),
    "thumbnail_geometry": Syntax(
        "thumbnail_geometry",
        _write_geometry,
        "!50p !50px !x50p 200x x200 200x100 200x100> 200x100< !200x100r 200x100! or 40000@",
    ),
    "crop_geometry": Syntax("crop_geometry", _write_crop, "Wx, xH, WxH or !WxHaDXaDY"),
    "cut_geometry": Syntax(
        "cut_geometry", lambda w, h, dx, dy: f"{w}x{h}x{dx}x{dy}", "<width>x<height>x<dx>x<dy>"
    ),
    "size_pair": Syntax("size_pair", lambda w, h: f"{w}x{h}", "<width>x<height>"),
    "blur_value": Syntax("blur_value", lambda r, s: f"{r}x{_number(s)}", "<radius>x<sigma>"),
    "quality_value": Syntax(
        "quality_value", lambda q, force: f"{q}!" if force else str(q), "<quality> or <quality>!"
    ),
    "size_value": Syntax("size_value", _write_size, "<N>k or <N>m, optionally followed by !"),
    "int_value": Syntax("int_value", lambda v: str(int(v)), "a whole number"),
    "signed_value": Syntax("signed_value", lambda v: str(v), "a whole number, may be negative"),
    "gravity": Syntax(
        "word_value",
        lambda g: g.value,
        "one of " + ", ".join(g.value for g in ast.Gravity),
        _enum(tuple(g.value for g in ast.Gravity), ast.Gravity),
    ),
    "flip_direction": Syntax(
        "word_value",
        lambda d: d.value,
        "vertical or horizontal",
        _enum(tuple(d.value for d in ast.FlipDirection), ast.FlipDirection),
    ),
    "format_name": Syntax(
        "word_value", lambda f: f, "one of " + ", ".join(FORMATS), _enum(FORMATS, str)
    ),
    "b64_text": Syntax("b64_value", b64encode, "URL-safe base64 of UTF-8 text", _text),
    "b64_color": Syntax("b64_value", b64encode, "URL-safe base64 of #RRGGBB", _color),
    "b64_font": Syntax("b64_value", b64encode, "URL-safe base64 of a font name", _font),
    "b64_url": Syntax("b64_value", b64encode, "URL-safe base64 of an http:// URL", _url),
}
