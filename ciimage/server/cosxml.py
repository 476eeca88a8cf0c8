"""The XML bodies COS and CI exchange: error bodies, `UploadResult`, style requests and lists."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ciimage.server.errors import MalformedXMLError

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def error_body(code: str, message: str, resource: str, request_id: str) -> bytes:
    """Ruling 25: `<Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>`."""
    parts = [
        element("Code", code),
        element("Message", message),
        element("Resource", resource),
        element("RequestId", request_id),
        element("TraceId", request_id),
    ]
    return (XML_DECLARATION + "<Error>" + "".join(parts) + "</Error>").encode("utf-8")


@dataclass(frozen=True)
class ProcessedObject:
    """One `<Object>` of `ProcessResults` (ruling 26 adds `FrameCount`)."""

    key: str
    location: str
    format: str
    width: int
    height: int
    size: int
    quality: int
    etag: str
    frame_count: int
    watermark_status: int | None = None  # watermark/4 (every type)
    watermark_text: str | None = None  # watermark/4 type 3


@dataclass(frozen=True)
class OriginalInfo:
    key: str
    location: str
    etag: str
    image_info: Mapping[str, object]  # Format, Width, Height, Quality, Ave, Orientation, FrameCount


_IMAGE_INFO_ORDER = ("Format", "Width", "Height", "Quality", "Ave", "Orientation", "FrameCount")


def upload_result(original: OriginalInfo | None, objects: Sequence[ProcessedObject]) -> bytes:
    parts = ["<UploadResult>"]
    if original is not None:
        info = original.image_info
        ordered = [name for name in _IMAGE_INFO_ORDER if name in info]
        ordered += [name for name in info if name not in _IMAGE_INFO_ORDER]
        parts += [
            "<OriginalInfo>",
            element("Key", original.key),
            element("Location", original.location),
            element("ETag", original.etag),
            "<ImageInfo>",
            *(element(name, info[name]) for name in ordered),
            "</ImageInfo>",
            "</OriginalInfo>",
        ]
    parts.append("<ProcessResults>")
    for item in objects:
        parts += [
            "<Object>",
            element("Key", item.key),
            element("Location", item.location),
            element("Format", item.format),
            element("Width", item.width),
            element("Height", item.height),
            element("Size", item.size),
            element("Quality", item.quality),
            element("ETag", item.etag),
            element("FrameCount", item.frame_count),
            *(
                [element("WatermarkStatus", item.watermark_status)]
                if item.watermark_status is not None
                else []
            ),
            *([element("Text", item.watermark_text)] if item.watermark_text is not None else []),
            "</Object>",
        ]
    parts += ["</ProcessResults>", "</UploadResult>"]
    return (XML_DECLARATION + "".join(parts)).encode("utf-8")


def style_list(styles: Iterable[tuple[str, str]]) -> bytes:
    rules = "".join(
        "<StyleRule>" + element("StyleName", name) + element("StyleBody", body) + "</StyleRule>"
        for name, body in styles
    )
    return (XML_DECLARATION + "<StyleList>" + rules + "</StyleList>").encode("utf-8")


def _parse(body: bytes, root_name: str) -> ElementTree.Element | None:
    """The document's root, or None for an empty body; MalformedXMLError for anything else."""
    if not body.strip():
        return None
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise MalformedXMLError(f"the request body is not well-formed XML: {exc}") from None
    if root.tag != root_name:
        raise MalformedXMLError(f"the request body must be <{root_name}>, not <{root.tag}>")
    return root


def _child_text(root: ElementTree.Element, name: str) -> str | None:
    child = root.find(name)
    if child is None:
        return None
    return (child.text or "").strip()


def parse_add_style(body: bytes) -> tuple[str, str]:
    """`<AddStyle><StyleName/><StyleBody/></AddStyle>` -> (name, body)."""
    root = _parse(body, "AddStyle")
    if root is None:
        raise MalformedXMLError("PUT /?style needs an <AddStyle> body")
    name = _child_text(root, "StyleName")
    rule = _child_text(root, "StyleBody")
    if not name or not rule:
        raise MalformedXMLError("<AddStyle> needs a non-empty <StyleName> and <StyleBody>")
    return name, rule


def parse_style_name(body: bytes, root_name: str) -> str | None:
    """The `<StyleName>` of a `<GetStyle>`/`<DeleteStyle>` body; None when it names none."""
    root = _parse(body, root_name)
    if root is None:
        return None
    return _child_text(root, "StyleName") or None
