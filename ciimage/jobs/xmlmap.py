"""A request body as nested dicts, and nested dicts back as XML, the way the COS SDK sees them.

The SDK builds bodies with `xmltodict.unparse` and reads answers with its own `xml_to_dict`: text
leaves, repeated elements for lists, no attributes. This module is that mapping and nothing more.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from ciimage.server.errors import MalformedXMLError

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
MAX_REQUEST_BYTES = 64 * 1024  # a job request is a few hundred bytes; a batch one a few KB

XmlValue = str | dict[str, "XmlValue"] | list["XmlValue"]


def _to_value(element: ElementTree.Element) -> XmlValue:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    mapped: dict[str, XmlValue] = {}
    for child in children:
        value = _to_value(child)
        if child.tag in mapped:
            existing = mapped[child.tag]
            if isinstance(existing, list):
                existing.append(value)
            else:
                mapped[child.tag] = [existing, value]
        else:
            mapped[child.tag] = value
    return mapped


def parse_request(body: bytes, root_name: str = "Request") -> dict[str, XmlValue]:
    """`<Request>...</Request>` -> dict; MalformedXMLError for anything else."""
    if len(body) > MAX_REQUEST_BYTES:
        raise MalformedXMLError(f"the request body is over {MAX_REQUEST_BYTES} bytes")
    if not body.strip():
        raise MalformedXMLError(f"the request needs a <{root_name}> XML body")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise MalformedXMLError(f"the request body is not well-formed XML: {exc}") from None
    if root.tag != root_name:
        raise MalformedXMLError(f"the request body must be <{root_name}>, not <{root.tag}>")
    value = _to_value(root)
    return value if isinstance(value, dict) else {}


def _render(name: str, value: object, parts: list[str]) -> None:
    if isinstance(value, Mapping):
        parts.append(f"<{name}>")
        for key, child in value.items():
            _render(key, child, parts)
        parts.append(f"</{name}>")
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            _render(name, item, parts)
    elif value is None or value == "":
        parts.append(f"<{name}/>")
    else:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        parts.append(f"<{name}>{escape(text)}</{name}>")


def render(root: str, value: Mapping[str, object]) -> bytes:
    """dict -> `<root>...</root>`: lists become repeated elements, None/"" empty elements."""
    parts: list[str] = [XML_DECLARATION]
    _render(root, value, parts)
    return "".join(parts).encode("utf-8")


def text(mapping: Mapping[str, XmlValue], *path: str) -> str | None:
    """The text at `path` (e.g. `text(req, "Input", "Object")`), None when absent or not text."""
    value: XmlValue | Mapping[str, XmlValue] = mapping
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            return None
        value = value[name]
    return value if isinstance(value, str) else None


def texts(mapping: Mapping[str, XmlValue], *path: str) -> list[str]:
    """Every text at `path`, for an element that may repeat (`Input.Object`)."""
    value: XmlValue | Mapping[str, XmlValue] = mapping
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            return []
        value = value[name]
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def section(mapping: Mapping[str, XmlValue], *path: str) -> dict[str, XmlValue]:
    """The element at `path` as a dict ({} when absent or a bare text)."""
    value: XmlValue | Mapping[str, XmlValue] = mapping
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            return {}
        value = value[name]
    return dict(value) if isinstance(value, Mapping) else {}
