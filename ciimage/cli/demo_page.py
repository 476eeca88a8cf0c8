"""The HTML of `ciimage demo`: an index by family, then one card per example.

Every <img> carries its label's facts as data-* attributes (format, width, height, frames,
bytes), so a test can check the page against the files it names. Inputs are drawn with
`image-orientation: none`: the browser would otherwise apply EXIF orientation itself, and
auto-orient would seem to do nothing.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from ciimage.cli.demo_examples import Family

if TYPE_CHECKING:
    from ciimage.cli.demo import Picture, Shown

# Both images of a pair fit side by side in this box, drawn at the same scale.
PAIR_WIDTH = 1240
PAIR_HEIGHT = 520

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1320px;background:#f4f4f4;"
    "color:#222}h2{margin-top:2em;border-bottom:1px solid #ccc}nav ul{columns:3}"
    "figure{background:#fff;padding:1em;margin:0 0 1.5em;border-radius:6px}"
    "figcaption{font-weight:600}figcaption q{font-weight:400;font-style:italic}"
    ".pair{display:flex;gap:24px;align-items:flex-start;margin:.6em 0}"
    ".side img{display:block;image-orientation:none;"
    "background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/16px 16px}"
    ".side.out img{image-orientation:from-image}"
    ".label{font-size:.85em;color:#555;margin-top:.3em}"
    "code{display:block;margin-top:.5em;word-break:break-all;background:#f0f0f0;padding:.3em}"
    ".error{color:#a00;font-family:monospace;white-space:pre-wrap}"
)


def page(shown: list[Shown], docs: str | None) -> str:
    families: dict[Family, list[Shown]] = {}
    for item in shown:
        families.setdefault(item.example.family, []).append(item)
    index = "".join(
        f'<li><a href="#{_anchor(family.title)}">{html.escape(family.title)}</a> '
        f"({len(items)})</li>"
        for family, items in families.items()
    )
    sections = "".join(_section(family, items, docs) for family, items in families.items())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>ciimage demo</title>"
        f"<style>{STYLE}</style></head><body><h1>ciimage: CI's documented examples, offline</h1>"
        "<p>Left: input. Right: output, drawn at the same scale as its input. Captions quote "
        "CI's documentation; each family links to how ciimage reads it. Times are a second "
        "run, after a warm-up.</p>"
        f"<nav><ul>{index}</ul></nav>{sections}</body></html>"
    )


def _section(family: Family, items: list[Shown], docs: str | None) -> str:
    title = html.escape(family.title)
    link = (
        f' <small><a href="{docs}#{_anchor(family.docs_section)}">'
        f"docs: {html.escape(family.docs_section)}</a></small>"
        if docs
        else f" <small>docs/semantics.md: {html.escape(family.docs_section)}</small>"
    )
    cards = "".join(_card(item) for item in items)
    return f'<section id="{_anchor(family.title)}"><h2>{title}{link}</h2>{cards}</section>'


def _card(item: Shown) -> str:
    pictures = [item.input] + ([item.output] if item.output else [])
    scale = _common_scale(pictures)
    left = _side(item.input, scale, "in", "input")
    if item.output is not None:
        right = _side(item.output, scale, "out", "output")
    else:
        right = f'<div class="side out error">{html.escape(item.error or "")}</div>'
    shown_at = f" (drawn at {scale:.0%})" if scale < 1 else ""
    return (
        f"<figure><figcaption><q>{html.escape(item.example.caption)}</q>{shown_at}</figcaption>"
        f'<div class="pair">{left}{right}</div>'
        f"<code>{html.escape(item.example.rule)}</code></figure>"
    )


def _common_scale(pictures: list[Picture]) -> float:
    width = sum(max(p.width, 1) for p in pictures)
    height = max(max(p.height, 1) for p in pictures)
    return min(1.0, PAIR_WIDTH / width, PAIR_HEIGHT / height)


def _side(picture: Picture, scale: float, kind: str, role: str) -> str:
    if picture.width == 0:  # a damaged input: nothing a browser can draw
        return f'<div class="side {kind}"><div class="label">{_label(picture)}</div></div>'
    shown_width = max(1, round(picture.width * scale))
    shown_height = max(1, round(picture.height * scale))
    return (
        f'<div class="side {kind}"><img src="{html.escape(picture.path)}" alt="{role}" '
        f'width="{shown_width}" height="{shown_height}" data-format="{picture.format}" '
        f'data-width="{picture.width}" data-height="{picture.height}" '
        f'data-bytes="{picture.size}" data-frames="{picture.frames}">'
        f'<div class="label">{_label(picture)}</div></div>'
    )


def _label(picture: Picture) -> str:
    size = [f"{picture.width}x{picture.height}"] if picture.width else []
    frames = [f"{picture.frames} frames"] if picture.frames > 1 else []
    facts = [picture.format, *size, *frames, f"{picture.size:,} bytes"]
    if picture.quality:
        facts.append(f"q{picture.quality}")
    if picture.milliseconds is not None:
        facts.append(f"{picture.milliseconds:.0f} ms")
    return html.escape(", ".join(facts))


def _anchor(heading: str) -> str:
    """GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
