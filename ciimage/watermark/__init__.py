"""Image and text watermarks (watermark/1, watermark/2): one RGBA tile and where to put it.

`build_overlay(node, width, height, resolver)` settles a watermark's pixels and placements; the
executor composites the tile at each position on either backend. `BucketRootResolver` and
`default_resolver()` turn watermark URLs into bytes from a local folder, never the network.
"""

from __future__ import annotations

from ciimage.watermark.overlay import Overlay, Resolver, build_overlay
from ciimage.watermark.resolver import BucketRootResolver, default_resolver

__all__ = ["BucketRootResolver", "Overlay", "Resolver", "build_overlay", "default_resolver"]
