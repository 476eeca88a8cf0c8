"""Cross-parameter rules of the watermark stages (the specs name them; the validator runs them)."""

from __future__ import annotations

from typing import Any

from ciimage.errors import RuleError


def _position(node: Any, *names: str) -> int:
    for name in names:
        if name in node.positions:
            return node.positions[name]
    return node.positions.get("", 0)


def check_scale_pair(node: Any) -> None:
    """scatype and spcent come together; with scatype 3 (area) spcent is at most 250."""
    if (node.scatype is None) != (node.spcent is None):
        given, missing = ("scatype", "spcent") if node.spcent is None else ("spcent", "scatype")
        raise RuleError(
            f"{given} must be used together with {missing}",
            position=_position(node, given),
            parameter=given,
        )
    if node.scatype == 3 and node.spcent is not None and node.spcent > 250:
        raise RuleError(
            f"spcent must be between 1 and 250 with scatype 3 (area), got {node.spcent}",
            position=_position(node, "spcent"),
            parameter="spcent",
        )


def check_blind(node: Any) -> None:
    """Blind watermarks: types 1 and 2 need an image; type 3 (watermark/3) needs text."""
    if node.type in (1, 2) and node.image is None:
        raise RuleError(
            f"watermark type {node.type} needs image (base64 of an http:// URL)",
            position=_position(node, "type"),
            parameter="image",
        )
    if node.type == 3 and hasattr(node, "text") and node.text is None:
        raise RuleError(
            "watermark type 3 needs text (base64 of UTF-8 text)",
            position=_position(node, "type"),
            parameter="text",
        )
