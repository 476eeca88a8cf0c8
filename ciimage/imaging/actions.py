"""Actions: the concrete things a backend is asked to do to one frame.

The planner turns each operation into a few of these; `prepare` replaces the two that depend on
more than sizes (`FaceCrop`, `Overlay`) by concrete ones (`Resize`/`Extract`, `Composite`), so an
`ExecutionPlan` holds only actions a backend can run without I/O or decisions.

Every action is a frozen dataclass (built by `ciimage.frozen`, cheap at import) and pickles. An
operation written once on numpy for both backends subclasses `ArrayAction`: the backend hands it
the frame as an (h, w, bands) uint8 array (3 bands, or 4 with alpha) and takes the array it
returns back (see `ArrayAction`).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import field
from typing import TYPE_CHECKING

from ciimage.frozen import Frozen, frozen
from ciimage.rules import ast

if TYPE_CHECKING:
    import numpy as np

Size = tuple[int, int]


class Action(Frozen):
    """Base of every action. `size_after` is the frame size the action leaves."""

    def size_after(self, size: Size) -> Size:
        return size


@frozen
class Resize(Action):
    width: int
    height: int

    def size_after(self, size: Size) -> Size:
        return self.width, self.height


@frozen
class Extract(Action):
    left: int
    top: int
    width: int
    height: int

    def size_after(self, size: Size) -> Size:
        return self.width, self.height


@frozen
class Embed(Action):
    """Place the image at (left, top) on a `width` x `height` canvas of `color` (pad/1)."""

    width: int
    height: int
    left: int
    top: int
    color: str

    def size_after(self, size: Size) -> Size:
        return self.width, self.height


@frozen
class Mask(Action):
    """Make the outside of a circle (`circle`) or a rounded rectangle (`rounded`) transparent."""

    shape: str
    radius: int


@frozen
class Turn(Action):
    """Rotate clockwise by `degrees` onto a transparent `width` x `height` canvas."""

    degrees: int
    width: int
    height: int

    def size_after(self, size: Size) -> Size:
        return self.width, self.height


@frozen
class Orient(Action):
    """Apply EXIF orientation `orientation` (2-8) so the image is upright."""

    orientation: int

    def size_after(self, size: Size) -> Size:
        return (size[1], size[0]) if self.orientation >= 5 else size


@frozen
class Mirror(Action):
    direction: ast.FlipDirection


@frozen
class Adjust(Action):
    """A pixel filter that keeps the size: blur, bright, contrast, sharpen or grayscale."""

    operation: ast.Blur | ast.Bright | ast.Contrast | ast.Sharpen | ast.Grayscale


@frozen
class Composite(Action):
    """Composite `tile` ((h, w, 4) uint8 RGBA, straight alpha) "over" at each position.

    Positions are top-left corners; a tile may reach past the frame's edges (it is clipped).
    Built once by `prepare` and composited on every frame at the same place. `frames` > 1: the
    image is libvips' strip of that many frames, processed whole (`Source.whole_strip`), and
    every frame gets the tile (a backend that goes frame by frame sees single frames).
    """

    tile: np.ndarray = field(repr=False)
    positions: tuple[tuple[int, int], ...]
    frames: int = 1

    # By identity (an array has no single truth value), as `dataclass(eq=False)` would leave it.
    __eq__ = object.__eq__
    __hash__ = object.__hash__


class ArrayAction(Action):
    """An action written once on numpy, run the same way by both backends.

    Subclass it as a frozen dataclass and implement `apply_array`; the array is (h, w, 3) or
    (h, w, 4) uint8 with straight alpha last, and the result must be uint8 with 3 or 4 bands.
    Override `size_after` when the size changes. Anything the action needs (keys, tiles) is
    settled in `prepare` and stored on the action, so the plan stays picklable and free of I/O.
    """

    @abstractmethod
    def apply_array(self, array: np.ndarray) -> np.ndarray: ...


# ---- actions that only exist between planning and prepare ----


@frozen
class FaceCrop(Action):
    """scrop: cover `width` x `height`, then crop around the largest face; no face, no change.

    The planner cannot know the face; `prepare` finds it and writes down the concrete crop.
    Until then the planned size is the target box (the size when a face is found).
    """

    width: int
    height: int

    def size_after(self, size: Size) -> Size:
        return self.width, self.height


@frozen
class Overlay(Action):
    """A watermark stage; `prepare` builds its tile and positions (a `Composite`)."""

    node: ast.ImageWatermark | ast.TextWatermark


@frozen
class BlindMark(Action):
    """A `watermark/3` stage; `prepare` reads its mark (types 1, 2) into a `BlindEmbed`."""

    node: ast.BlindWatermark


@frozen
class BlindEmbed(ArrayAction):
    """Add a blind watermark (ciimage.watermark.blind.embed_blind) on numpy, either backend."""

    node: ast.BlindWatermark
    mark: bytes | None  # the resolved `image` (types 1, 2)
    key: str

    def apply_array(self, array: np.ndarray) -> np.ndarray:
        from ciimage.watermark.blind import embed_blind

        return embed_blind(array, self.node, self.mark, self.key)


# Actions `prepare` must turn into concrete ones before execution.
UNRESOLVED_ACTIONS = (FaceCrop, Overlay, BlindMark)
