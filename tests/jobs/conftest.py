"""Fixtures for the job tests: photo-like inputs, a callback receiver on loopback, SDK clients,
and `ciimage serve` in a child process (signatures on, as a user runs it).

Tests import nothing from here (pytest runs with --import-mode=importlib): helpers are fixtures.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from qcloud_cos import CosConfig, CosS3Client

from ciimage.server.launch import ServedProcess, serve_in_subprocess

BUCKET = "jobs-1250000000"
REGION = "ap-chongqing"
SECRET_ID = "AKIDjobstest"
SECRET_KEY = "jobs-test-secret-key"


def photo(width: int = 96, height: int = 64, seed: int = 0) -> bytes:
    """A smooth gradient with some noise: compresses like a photograph, differs per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack(
        [x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), (x + y) % 256], -1
    )
    noisy = base + rng.integers(0, 24, size=base.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@dataclass
class Received:
    path: str
    content_type: str
    body: bytes

    def json(self) -> dict[str, object]:
        return json.loads(self.body)


@dataclass
class CallbackReceiver:
    """An HTTP server on 127.0.0.1 recording every POST; `fail_first` answers 500 that often."""

    fail_first: int = 0
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    if receiver.fail_first > 0:
                        receiver.fail_first -= 1
                        status = 500
                    else:
                        receiver.received.append(
                            Received(self.path, self.headers.get("Content-Type", ""), body)
                        )
                        status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/cb"

    def bodies_for(self, job_id: str) -> list[Received]:
        with self._lock:
            return [item for item in self.received if job_id.encode() in item.body]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    started = CallbackReceiver()
    started.start()
    yield started
    started.stop()


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)


def sdk_client(port: int) -> CosS3Client:
    config = CosConfig(
        Region=REGION,
        SecretId=SECRET_ID,
        SecretKey=SECRET_KEY,
        Scheme="http",
        IP="127.0.0.1",
        Port=port,
    )
    return CosS3Client(config, retry=0)


@contextmanager
def serve_jobs(root: Path, *options: str, log: Path) -> Iterator[ServedProcess]:
    signed = ("--secret-id", SECRET_ID, "--secret-key", SECRET_KEY)
    with serve_in_subprocess(root, *signed, *options, log=log) as served:
        yield served


def port_of(served: ServedProcess | Any) -> int:
    return int(served.url.rsplit(":", 1)[1])


class JobKit:
    """The helpers above, as one fixture."""

    bucket = BUCKET
    region = REGION

    photo = staticmethod(photo)
    wait_for = staticmethod(wait_for)
    client = staticmethod(sdk_client)
    serve = staticmethod(serve_jobs)
    port_of = staticmethod(port_of)

    def pic_job(self, key: str, rule: str, output: str, **extra: object) -> dict[str, object]:
        operation: dict[str, object] = {
            "PicProcess": {"IsPicInfo": "true", "ProcessRule": rule},
            "Output": {"Region": self.region, "Bucket": self.bucket, "Object": output},
        }
        for name in ("UserData", "JobLevel"):
            if name in extra:
                operation[name] = extra.pop(name)
        return {"Tag": "PicProcess", "Input": {"Object": key}, "Operation": operation, **extra}

    def batch_job(
        self,
        name: str,
        rule: str,
        source: dict[str, object],
        output: str = "out/${InputName}.${ext}",
        pic_info: str | None = None,
        **operation: object,
    ) -> dict[str, object]:
        """A CreateInventoryTriggerJob body: one PicProcess job per object of `source`."""
        process = (
            {"ProcessRule": rule}
            if pic_info is None
            else {"IsPicInfo": pic_info, "ProcessRule": rule}
        )
        return {
            "Name": name,
            "Type": "Job",
            "Input": source,
            "Operation": {
                "Tag": "PicProcess",
                "JobParam": {"PicProcess": process},
                "Output": {"Region": self.region, "Bucket": self.bucket, "Object": output},
                **operation,
            },
        }


@pytest.fixture(scope="session")
def kit() -> JobKit:
    return JobKit()
