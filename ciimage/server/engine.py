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
    """The engine backed by ciimage's own parser, executor, info and watermark packages."""

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

        result = process(data, pipeline, resolver=resolver)
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


def ciimage_engine() -> Engine:
    return CIImageEngine()
