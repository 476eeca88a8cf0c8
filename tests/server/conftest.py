"""Fixtures for the server tests: a real uvicorn server on 127.0.0.1 with an ephemeral port.

Tests import nothing from here (pytest runs with --import-mode=importlib): helpers are fixtures.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from PIL import Image

from ciimage.server import ServerConfig, create_app
from ciimage.server.engine import Engine
from ciimage.server.listen import bind_listener

BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
SECRET_ID = "AKIDlocaltestsecretid"
SECRET_KEY = "localtestsecretkey0123456789abcd"


@dataclass(frozen=True)
class Account:
    bucket: str = BUCKET
    region: str = REGION
    secret_id: str = SECRET_ID
    secret_key: str = SECRET_KEY

    @property
    def cos_host(self) -> str:
        return f"{self.bucket}.cos.{self.region}.myqcloud.com"

    @property
    def pic_host(self) -> str:
        return f"{self.bucket}.pic.{self.region}.myqcloud.com"


@dataclass
class RunningServer:
    port: int
    root: Path
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self):  # the app's ServerState, for assertions on the gate
        return self.server.config.app.state.ciimage

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(config: ServerConfig, engine: Engine | None = None) -> RunningServer:
    listener = bind_listener("127.0.0.1", 0)
    port = listener.getsockname()[1]
    app = create_app(config, engine)
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, server_header=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    return RunningServer(port=port, root=config.root, server=server, thread=thread)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """`server_factory(engine=None, **config)`: a server over a fresh root holding BUCKET."""
    started: list[RunningServer] = []

    def factory(engine: Engine | None = None, **options: object) -> RunningServer:
        root = tmp_path / f"root{len(started)}"
        (root / BUCKET).mkdir(parents=True)
        server = start_server(ServerConfig(root=root, **options), engine)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


class ImageKit:
    """Synthetic test images, made in memory."""

    @staticmethod
    def jpeg(width: int = 320, height: int = 240, quality: int = 90) -> bytes:
        return jpeg_bytes(width, height, quality)

    @staticmethod
    def png(
        width: int = 64, height: int = 64, colour: tuple[int, int, int, int] = (255, 0, 0, 255)
    ) -> bytes:
        return png_bytes(width, height, colour)

    @staticmethod
    def decode(data: bytes) -> Image.Image:
        return decode(data)


@pytest.fixture(scope="session")
def images() -> ImageKit:
    return ImageKit()


@pytest.fixture(scope="session")
def account() -> Account:
    return Account()


@pytest.fixture(scope="session")
def server_starter() -> Callable[..., RunningServer]:
    """`server_starter(config, engine=None)` -> RunningServer; the caller stops it."""
    return start_server


def jpeg_bytes(width: int = 320, height: int = 240, quality: int = 90) -> bytes:
    """A smooth colour gradient: compresses like a photograph, decodes the same everywhere."""
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack(
        [
            (x * 255 // max(1, width - 1)),
            (y * 255 // max(1, height - 1)),
            ((x + y) * 255 // max(1, width + height - 2)),
        ],
        axis=-1,
    ).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(
    width: int = 64, height: int = 64, colour: tuple[int, int, int, int] = (255, 0, 0, 255)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
