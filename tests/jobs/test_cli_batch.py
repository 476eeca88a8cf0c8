"""`ciimage batch`: progress on a terminal, quiet otherwise, summary, failures file, resume, exit
codes. Run as a user runs it: `python -m ciimage.cli batch ...` in a child process."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import ciimage

RULE = "imageMogr2/thumbnail/40x40"


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ciimage.cli", "batch", *args]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(*args), capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def source(tmp_path: Path, kit: Any) -> Path:
    folder = tmp_path / "photos"
    (folder / "trip").mkdir(parents=True)
    for index in range(6):
        place = folder / "trip" if index % 2 else folder
        (place / f"p{index}.jpg").write_bytes(kit.photo(120, 90, index))
    return folder


def test_quiet_run_writes_every_output_and_a_summary(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _run(str(source), RULE, "--out", str(out), "--executor", "threads")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    (summary,) = done.stderr.strip().splitlines()  # no progress bar when not a terminal
    assert summary.startswith("ciimage batch: 6 done, 0 failed, 0 skipped of 6")
    for index in range(6):
        relative = f"trip/p{index}.jpg" if index % 2 else f"p{index}.jpg"
        expected = ciimage.process((source / relative).read_bytes(), RULE).data
        assert (out / relative).read_bytes() == expected


def test_failures_file_and_exit_status(source: Path, tmp_path: Path) -> None:
    (source / "broken.jpg").write_bytes(b"not an image at all")
    out, failures = tmp_path / "out", tmp_path / "failed.jsonl"
    done = _run(
        str(source), RULE, "--out", str(out), "--executor", "threads", "--failures", str(failures)
    )
    assert done.returncode == 1
    assert "6 done, 1 failed" in done.stderr and str(failures) in done.stderr
    (line,) = failures.read_text().splitlines()
    record = json.loads(line)
    assert record["input"] == "broken.jpg" and record["code"] == "InvalidImageFormat"
    assert not (out / "broken.jpg").exists()


def test_bad_rule_is_one_line_and_exit_2(source: Path, tmp_path: Path) -> None:
    done = _run(str(source), "imageMogr2/shrink/2", "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error -60998") and "shrink" in line


def test_resume_skips_what_the_same_rule_wrote(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _run(str(source), RULE, "--out", str(out), "--executor", "threads")
    assert first.returncode == 0
    (out / "p0.jpg").unlink()  # lost since: made again
    stamp = (out / "p2.jpg").stat().st_mtime_ns
    again = _run(str(source), RULE, "--out", str(out), "--executor", "threads", "--resume")
    assert "1 done, 0 failed, 5 skipped" in again.stderr, again.stderr
    assert (out / "p0.jpg").exists() and (out / "p2.jpg").stat().st_mtime_ns == stamp
    other = _run(
        str(source),
        "imageMogr2/thumbnail/20x20",
        "--out",
        str(out),
        "--executor",
        "threads",
        "--resume",
    )
    assert "6 done, 0 failed, 0 skipped" in other.stderr  # another rule: nothing to skip


def test_progress_bar_on_a_terminal(source: Path, tmp_path: Path) -> None:
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    env.pop("CI", None)
    process = subprocess.Popen(
        _command(str(source), RULE, "--out", str(tmp_path / "out"), "--executor", "threads"),
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
    )
    os.close(child)
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=30) == 0
    shown = b"".join(chunks).decode("utf-8", errors="replace")
    assert "6/6" in shown and "done 6" in shown and "failed 0" in shown and "img/s" in shown
    assert "ETA" in shown
    assert "ciimage batch: 6 done" in shown
