"""Helpers for the command-line tests: sample images on disk and a way to run `ciimage`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

Run = Callable[..., subprocess.CompletedProcess[bytes]]


def photo_bytes(width: int = 240, height: int = 160, fmt: str = "JPEG") -> bytes:
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.dstack([x * 255 // width, y * 255 // height, (x + y) % 256]).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def make_photo() -> Callable[..., bytes]:
    return photo_bytes


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo_bytes())
    return path


@pytest.fixture
def run_cli() -> Run:
    """`ciimage ARGS...` in a child process (its own umask, stdin and stdout)."""

    def run(*args: str, umask: int | None = None, **options: object) -> subprocess.CompletedProcess:
        def set_umask() -> None:
            if umask is not None:
                os.umask(umask)

        options.setdefault("capture_output", True)
        return subprocess.run(  # type: ignore[call-overload,no-any-return]
            [sys.executable, "-m", "ciimage", *args],
            preexec_fn=set_umask,
            timeout=120,
            **options,
        )

    return run
