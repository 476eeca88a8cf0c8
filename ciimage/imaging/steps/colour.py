"""Colour values shared by the steps."""

from __future__ import annotations

from ciimage.errors import RuleError


def parse_hex_colour(text: str) -> tuple[int, int, int]:
    """`#RRGGBB` (the form the rule parser decodes `color`/`fill` to) as an RGB triple."""
    value = text.lstrip("#")
    if len(value) != 6:
        raise RuleError(f"colour {text!r} must be #RRGGBB", parameter="color")
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError as exc:
        raise RuleError(f"colour {text!r} must be #RRGGBB", parameter="color") from exc
