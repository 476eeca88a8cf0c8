"""A watermark stage turned into one RGBA tile and the places to composite it.

The executor composites `Overlay.tile` at every `Overlay.positions` entry with straight-alpha
"over", on either backend. Everything that decides what the watermark looks like and where it
goes (fonts, scaling, dissolve, rotation, tiling) is settled here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ciimage.rules.ast import ImageWatermark, TextWatermark
from ciimage.watermark import geometry, raster
from ciimage.watermark.image import decode_watermark, read_watermark_header
from ciimage.watermark.raster import RGBA
from ciimage.watermark.resolver import Resolver, fetch_watermark
from ciimage.watermark.text import render_text

# Image watermarks have no `spacing` parameter; they tile with the text default (ruling 19).
DEFAULT_SPACING = 10

# Batch patterns on images up to this size are handed over as one image-sized layer (64 MB of
# RGBA at most); larger images get the packed tile and its placements, which need less memory.
MAX_LAYER_PIXELS = 16_000_000


@dataclass(frozen=True)
class Overlay:
    """`tile`: (h, w, 4) uint8 RGBA, straight alpha, dissolve applied, already turned for batch.

    `positions`: top-left corners in image coordinates; a tile may reach past the image's edges.
    """

    tile: np.ndarray
    positions: list[tuple[int, int]]

    @property
    def size(self) -> geometry.Size:
        return raster.size_of(self.tile)


def image_tile(node: ImageWatermark, canvas: geometry.Size, resolver: Resolver) -> RGBA:
    """The watermark image scaled (scatype/spcent), fitted (blogo) and dissolved; not turned."""
    data = fetch_watermark(resolver, node.image)
    header = read_watermark_header(data)
    natural = (header.width, header.height)
    size = geometry.scaled_size(natural, canvas, node.scatype, node.spcent)
    if node.blogo == 1:
        size = geometry.fit_size(size, canvas)
    tile = decode_watermark(data, size if size != natural else None, header)
    if node.blogo == 2:
        tile = raster.crop_top_left(tile, geometry.crop_size(size, canvas))
    return raster.dissolve(tile, node.dissolve)


def text_tile(node: TextWatermark, canvas: geometry.Size) -> RGBA:
    """The text drawn at `fontsize` px (or sized by scatype/spcent) and dissolved; not turned.

    For scatype/spcent the text is drawn again at the font size that gives the target size, so
    glyphs stay sharp, and then fitted to the exact target size.
    """
    tile = render_text(node.text, node.font, node.fontsize, node.fill, node.shadow)
    natural = raster.size_of(tile)
    target = geometry.scaled_size(natural, canvas, node.scatype, node.spcent)
    if target != natural:
        factor = max(target[0] / natural[0], target[1] / natural[1])
        fontsize = max(1, geometry.round_half_up(node.fontsize * factor))
        tile = render_text(node.text, node.font, fontsize, node.fill, node.shadow)
        tile = raster.resize(tile, target)
    return raster.dissolve(tile, node.dissolve)


def _single(tile: RGBA, node: ImageWatermark | TextWatermark, canvas: geometry.Size) -> Overlay:
    origin = geometry.gravity_position(node.gravity, canvas, raster.size_of(tile), node.dx, node.dy)
    visible = geometry.clip_to_canvas(origin, raster.size_of(tile), canvas)
    if visible is None:
        return Overlay(tile=tile, positions=[])
    # Only the part on the image is kept: a watermark larger than the image costs no more.
    (left, top), position, (width, height) = visible
    clipped = np.ascontiguousarray(tile[top : top + height, left : left + width])
    return Overlay(tile=clipped, positions=[position])


def _tiled(
    tile: RGBA, node: ImageWatermark | TextWatermark, canvas: geometry.Size, spacing: int
) -> Overlay:
    size = raster.rotated_size(raster.size_of(tile), node.degree)
    # The grid runs through the place a single watermark would take, so gravity/dx/dy still
    # decide where the pattern sits.
    anchor = geometry.gravity_position(node.gravity, canvas, size, node.dx, node.dy)
    step = geometry.tile_step(size, spacing)
    if size[0] * size[1] > canvas[0] * canvas[1]:
        return _tiled_layer(tile, node.degree, canvas, size, anchor, step)
    turned = raster.rotate_clockwise(tile, node.degree)
    factors = geometry.packing_factors(step, canvas)
    packed = raster.pack(turned, step, factors)
    packed_step = (step[0] * factors[0], step[1] * factors[1])
    positions = geometry.tile_origins(canvas, raster.size_of(packed), anchor, packed_step)
    if canvas[0] * canvas[1] <= MAX_LAYER_PIXELS:
        # One image-sized layer: libvips blends every composite input over the whole image, so
        # one layer costs a fraction of the same pattern given as many placements.
        return Overlay(tile=raster.flatten(packed, positions, canvas), positions=[(0, 0)])
    return Overlay(tile=packed, positions=positions)


def _tiled_layer(
    tile: RGBA,
    degree: int,
    canvas: geometry.Size,
    size: geometry.Size,
    anchor: geometry.Point,
    step: geometry.Size,
) -> Overlay:
    """Tiles larger than the image drawn straight into one image-sized layer.

    Only the windows of the turned tile that land on the image are computed, so memory stays
    bounded by the image however long the text. Tiles never overlap (step >= tile size).
    """
    layer = np.zeros((canvas[1], canvas[0], 4), dtype=np.uint8)
    for origin in geometry.tile_origins(canvas, size, anchor, step):
        visible = geometry.clip_to_canvas(origin, size, canvas)
        if visible is None:
            continue
        offset, (left, top), (width, height) = visible
        window = raster.rotated_window(tile, degree, offset, (width, height))
        layer[top : top + height, left : left + width] = window
    return Overlay(tile=layer, positions=[(0, 0)])


def build_overlay(
    node: ImageWatermark | TextWatermark, width: int, height: int, resolver: Resolver
) -> Overlay:
    """The tile and positions for a watermark stage on a `width` x `height` image."""
    canvas = (width, height)
    if isinstance(node, ImageWatermark):
        tile = image_tile(node, canvas, resolver)
        spacing = DEFAULT_SPACING
    elif isinstance(node, TextWatermark):
        tile = text_tile(node, canvas)
        spacing = node.spacing
    else:
        raise TypeError(f"build_overlay takes an ImageWatermark or TextWatermark, not {node!r}")
    if node.batch:
        return _tiled(tile, node, canvas, spacing)
    return _single(tile, node, canvas)
