"""What the server needs from the rest of ciimage, behind one small interface.

The routes depend on `Engine`, not on the modules that implement rules, processing and image
information, so the HTTP layer can be tested on its own and the real pipeline plugged in by
`ciimage_engine()`. The real modules are imported on first use: starting the server stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ciimage.rules.ast import Pipeline

Resolver = Callable[[str], bytes]


@dataclass(frozen=True)
class ProcessedImage:
    """The parts of `ciimage.process`'s Result the server answers with."""

    data: bytes
    format: str  # "json" for imageInfo / exif / imageAve / ImageInspect answers
    width: int | None
    height: int | None
    quality: int | None
    frames: int | None
    watermark_status: int | None = None  # watermark/4: CI's WatermarkStatus (every type)
    watermark_text: str | None = None  # watermark/4 type 3: the text found


class Engine(Protocol):
    def rule_from_query(self, query: str) -> str | None: ...

    def validate(self, text: str) -> Pipeline: ...

    def resolve_styles(self, pipeline: Pipeline, styles: Mapping[str, str]) -> Pipeline: ...

    def process(self, data: bytes, pipeline: Pipeline, *, resolver: Resolver) -> ProcessedImage:
        """Run a pipeline whose styles are already resolved."""
        ...

    def image_info_record(self, data: bytes) -> dict[str, Any]: ...

    def resolver(self, root: Path, bucket: str) -> Resolver: ...


class CIImageEngine:
    """The engine backed by ciimage's own parser, executor, info and watermark packages.

    `watermark_key` keys blind watermarks (None: ciimage.watermark.blind.DEFAULT_KEY)."""

    watermark_key: str | None = None  # also for subclasses that do not call __init__

    def __init__(self, watermark_key: str | None = None) -> None:
        self.watermark_key = watermark_key

    def rule_from_query(self, query: str) -> str | None:
        from ciimage.rules.inputs import rule_from_query

        return rule_from_query(query)

    def validate(self, text: str) -> Pipeline:
        from ciimage.rules import validate

        return validate(text)

    def resolve_styles(self, pipeline: Pipeline, styles: Mapping[str, str]) -> Pipeline:
        from ciimage.rules import resolve_styles

        return resolve_styles(pipeline, styles)

    def process(self, data: bytes, pipeline: Pipeline, *, resolver: Resolver) -> ProcessedImage:
        from ciimage.imaging.process import process
        from ciimage.rules.ast import BlindWatermarkExtract

        if len(pipeline.stages) == 1 and isinstance(pipeline.stages[0], BlindWatermarkExtract):
            return _extraction(data, pipeline.stages[0], resolver, self.watermark_key)
        result = process(data, pipeline, resolver=resolver, watermark_key=self.watermark_key)
        return ProcessedImage(
            data=result.data,
            format=str(result.format),
            width=result.width,
            height=result.height,
            quality=result.quality,
            frames=result.frames,
        )

    def image_info_record(self, data: bytes) -> dict[str, Any]:
        from ciimage.info import image_info_record

        return dict(image_info_record(data))

    def resolver(self, root: Path, bucket: str) -> Resolver:
        """Watermarks from `<root>/<bucket>/`, only from the input's own bucket (ruling 20)."""
        from ciimage.watermark.resolver import BucketRootResolver

        return BucketRootResolver(root, bucket=bucket)


def _extraction(data: bytes, node: Any, resolver: Resolver, key: str | None) -> ProcessedImage:
    """watermark/4 in Pic-Operations: the recovered mark (PNG) for types 1 and 2; type 3 writes
    the input back unchanged. WatermarkStatus (and the text) go into the result Object."""
    from ciimage.header import read_header
    from ciimage.watermark.blind import DEFAULT_KEY, extract_node

    found = extract_node(data, node, resolver=resolver, key=key or DEFAULT_KEY)
    if node.type == 3:
        header = read_header(data)
        width, height = header.oriented_size
        return ProcessedImage(data, header.format, width, height, None, 1, found.status, found.text)
    image = found.image or b""
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    return ProcessedImage(image, "png", width, height, None, 1, found.status, None)


def ciimage_engine(watermark_key: str | None = None) -> Engine:
    return CIImageEngine(watermark_key)
