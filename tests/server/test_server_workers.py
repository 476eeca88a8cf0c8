"""`ciimage serve --workers N`: N processes answer on one port and stop together."""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from ciimage.cli import build_parser
from ciimage.server.launch import serve_in_subprocess

BUCKET = "workers-1250000000"


def _children(pid: int, expected: int) -> list[int]:
    """The child processes of `pid`, waiting (bounded) until `expected` of them are there."""
    deadline = time.monotonic() + 15
    while True:
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_two_workers_share_the_port_and_stop_with_their_parent(tmp_path: Path) -> None:
    (tmp_path / BUCKET).mkdir()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 40, 40)).save(buffer, "JPEG")
    (tmp_path / BUCKET / "a.jpg").write_bytes(buffer.getvalue())
    log = tmp_path / "serve.log"
    with serve_in_subprocess(tmp_path, "--log-level", "warning", log=log, workers=2) as served:
        workers = _children(served.pid, 2)
        assert len(workers) == 2
        with httpx.Client(timeout=30) as client:
            for _ in range(6):
                response = client.get(f"{served.url}/a.jpg?imageMogr2/thumbnail/100x")
                assert response.status_code == 200
                assert Image.open(io.BytesIO(response.content)).size == (100, 67)
            # One root has one job dispatcher: several processes refuse job calls, by name.
            jobs = client.post(f"{served.url}/pic_jobs", content=b"<Request/>")
            assert jobs.status_code == 501 and b"--workers" in jobs.content
        assert sorted(p.name for p in (tmp_path / BUCKET).iterdir()) == ["a.jpg"]
        os.kill(served.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(Path(f"/proc/{w}").exists() for w in workers), log.read_text()


def test_workers_must_be_positive(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--root", str(tmp_path), "--workers", "0"])
    assert "must be 1 or more, got 0" in capsys.readouterr().err
