"""The small interface each pixel backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ciimage.imaging.context import ExecutionContext
from ciimage.imaging.output import OutputSettings
from ciimage.imaging.plan import Action, Resize


class Backend(ABC):
    name: str
    # Formats this backend can decode.
    readable: frozenset[str]

    @abstractmethod
    def load(self, context: ExecutionContext, first_resize: Resize | None, sequential: bool) -> Any:
        """Decode the first frame as 8-bit sRGB (3 bands, 4 with alpha).

        `first_resize`, when given, is the first action of the run: the loader may shrink on
        load to any size at least that large; the Resize action still runs afterwards.
        """

    @abstractmethod
    def size(self, image: Any) -> tuple[int, int]: ...

    @abstractmethod
    def apply(self, image: Any, action: Action, context: ExecutionContext) -> Any: ...

    @abstractmethod
    def rgb_array(self, image: Any, max_side: int) -> tuple[np.ndarray, float]:
        """An RGB uint8 array of the image no longer than `max_side`, and its scale factor."""

    @abstractmethod
    def encode(self, image: Any, settings: OutputSettings, context: ExecutionContext) -> Any:
        """The encoded output (`ciimage.imaging.encode.Encoded`)."""
