"""The small interface each pixel backend implements.

A backend decodes the frames an `ExecutionPlan` asks for, applies one action to one frame at a
time, joins the frames and encodes them. It makes no decisions and does no I/O of its own: every
choice is already in the plan. Frames are backend images (pyvips.Image, PIL.Image.Image) of 8-bit
sRGB, 3 bands or 4 with alpha; `to_array`/`from_array` convert them to and from numpy so that an
`ArrayAction` is written once for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ciimage.imaging.actions import Action, ArrayAction, Resize

if TYPE_CHECKING:
    import numpy as np

    from ciimage.header import ImageHeader
    from ciimage.imaging.encode import Encoded
    from ciimage.imaging.metadata import Metadata
    from ciimage.imaging.output import OutputSettings

Frame = Any  # the backend's image type


@dataclass(frozen=True)
class Source:
    """What to decode: the input's header, which frames, and how the decoder may read them.

    `frame_indices` lists the input frames wanted, in order ((0,) for a still output).
    `shrink_to`, when given, is the plan's first action: the decoder may shrink on load to any
    size at least that large (the Resize still runs). `sequential`: every action reads its input
    top to bottom once, so libvips may decode in one pass. `whole_strip`: every action gives the
    same pixels on libvips' strip of all frames as frame by frame (a shrink done on load, point
    filters, a horizontal flip), so a backend may run them once on the strip; the Pillow backend
    always goes frame by frame.
    """

    header: ImageHeader
    frame_indices: tuple[int, ...] = (0,)
    shrink_to: Resize | None = None
    sequential: bool = False
    whole_strip: bool = False


@dataclass(frozen=True)
class Animation:
    """Animated output (GIF, WebP): each output frame's delay in ms and the number of plays
    (0 = forever). `exact_palette`: the frames kept the input's colours (pure pixel moves), so
    the GIF encoder keeps every frame's palette exact instead of the fast shared palette."""

    delays: tuple[int, ...]
    loop: int
    exact_palette: bool = False


@dataclass(frozen=True)
class EncodeRequest:
    """Everything the encoder needs beyond the pixels (all of it from the plan)."""

    settings: OutputSettings
    metadata: Metadata
    source_format: str
    orientation_applied: bool
    animation: Animation | None = None


class Backend(ABC):
    name: str
    label: str  # how messages name the backend

    def check_readable(self, header: ImageHeader) -> None:
        from ciimage.errors import ImageError
        from ciimage.imaging.formats import can_decode, decode_key

        if not can_decode(self.name, decode_key(header)):
            what = "animated avif" if header.animated else header.format
            raise ImageError(f"the {self.label} backend cannot read {what} input")

    @abstractmethod
    def load(self, data: bytes, source: Source) -> list[Frame]:
        """Decode the frames `source` names as 8-bit sRGB (3 bands, 4 with alpha)."""

    @abstractmethod
    def size(self, frame: Frame) -> tuple[int, int]: ...

    def apply(self, frame: Frame, action: Action) -> Frame:
        """Run one action on one frame; ArrayActions go through numpy."""
        if isinstance(action, ArrayAction):
            return self.from_array(action.apply_array(self.to_array(frame)))
        return self.apply_native(frame, action)

    @abstractmethod
    def apply_native(self, frame: Frame, action: Action) -> Frame: ...

    @abstractmethod
    def to_array(self, frame: Frame) -> np.ndarray:
        """(h, w, bands) uint8, alpha (if any) last."""

    @abstractmethod
    def from_array(self, array: np.ndarray) -> Frame:
        """A frame from an (h, w) or (h, w, bands) uint8 array (1-4 bands)."""

    @abstractmethod
    def join(self, frames: list[Frame], animation: Animation | None) -> Frame:
        """One image to encode: the first frame for still output, all frames for animation."""

    @abstractmethod
    def encode(self, image: Frame, request: EncodeRequest, source: bytes) -> Encoded: ...

    def rgb_array(self, frame: Frame, max_side: int) -> tuple[np.ndarray, float]:
        """An RGB uint8 array of the frame no longer than `max_side`, and its scale factor."""
        import numpy as np

        array = self.to_array(frame)[..., :3]
        height, width = array.shape[:2]
        step = max(1, -(-max(width, height) // max_side))
        small = np.ascontiguousarray(array[::step, ::step])
        return small, small.shape[1] / width
