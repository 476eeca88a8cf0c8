"""Find the rule inside what users hand us (addendum ruling 1).

A rule arrives bare (`imageMogr2/thumbnail/!50p`), inside a full URL, as an SDK-encoded query key
with an empty value (`imageMogr2%2Fthumbnail%2F200x%2F=`), or joined to signature parameters with
`&`. `extract_rule` returns the rule text the grammar reads plus the map from its offsets back to
the caller's text, so errors point into what the caller wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STAGE_START = re.compile(
    r"(?:imageMogr2|imageView2|watermark|imageInfo|exif|imageAve|imageInspect|style)(?:/|%2F|\||$|=)"
    r"|ci-process=",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RuleText:
    text: str
    offsets: tuple[
        int, ...
    ]  # offsets[i]: where text[i] stands in the original; one extra at the end
    encoded: bool  # percent-decoded from an SDK query key

    def original_position(self, position: int) -> int:
        return self.offsets[max(0, min(position, len(self.offsets) - 1))]


def _decode(segment: str, base: int) -> tuple[str, tuple[int, ...]]:
    chars: list[str] = []
    offsets: list[int] = []
    raw = bytearray()
    raw_offsets: list[int] = []
    i = 0

    def flush() -> None:
        if raw:
            text = raw.decode("utf-8", errors="replace")
            # Multi-byte characters map to the offset of their first byte.
            chars.extend(text)
            offsets.extend(
                raw_offsets[: len(text)] if len(text) == len(raw) else [raw_offsets[0]] * len(text)
            )
            raw.clear()
            raw_offsets.clear()

    while i < len(segment):
        c = segment[i]
        if (
            c == "%"
            and i + 2 < len(segment) + 0
            and re.fullmatch(r"[0-9A-Fa-f]{2}", segment[i + 1 : i + 3])
        ):
            raw.append(int(segment[i + 1 : i + 3], 16))
            raw_offsets.append(base + i)
            i += 3
            continue
        flush()
        chars.append(c)
        offsets.append(base + i)
        i += 1
    flush()
    return "".join(chars), tuple(offsets)


def _query_part(text: str) -> tuple[str, int]:
    if "://" in text or text.startswith("/"):
        mark = text.find("?")
        if mark < 0:
            return "", len(text)
        return text[mark + 1 :], mark + 1
    if text.startswith("?"):
        return text[1:], 1
    return text, 0


def extract_rule(text: str) -> RuleText | None:
    """The processing rule in `text`, or None when it holds none (a plain URL, signature only)."""
    query, base = _query_part(text)
    query = query.split("#", 1)[0]
    if _STAGE_START.match(query) and "&" not in query and "%" not in query:
        return RuleText(query, tuple(range(base, base + len(query) + 1)), False)
    position = base
    for segment in query.split("&"):
        if _STAGE_START.match(segment):
            return _from_segment(segment, position)
        position += len(segment) + 1
    return None


def _from_segment(segment: str, base: int) -> RuleText:
    if segment.lower().startswith("ci-process="):
        return RuleText(segment, tuple(range(base, base + len(segment) + 1)), False)
    encoded = "%" in segment
    if encoded:
        key, _, _value = segment.partition("=")
        decoded, offsets = _decode(key, base)
        return RuleText(decoded, (*offsets, base + len(key)), True)
    return RuleText(segment, tuple(range(base, base + len(segment) + 1)), False)


def rule_from_query(query: str) -> str | None:
    """The processing rule inside a raw URL query string (without the `?`), or None."""
    found = extract_rule(query if query.startswith("?") else "?" + query)
    return found.text if found else None
