"""Files and processes behave like other Unix tools: umask, atomic writes, paths in errors, TTYs."""

from __future__ import annotations

import os
import pty
import select
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ciimage.files import write_atomically
from ciimage.server.storage import BucketStore
from ciimage.server.styles import StyleStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_cli_output_has_the_umask_mode(run_cli, photo, tmp_path, umask, expected):
    target = tmp_path / "out.jpg"
    done = run_cli("process", str(photo), "imageMogr2/rotate/90", "-o", str(target), umask=umask)
    assert done.returncode == 0, done.stderr
    assert _mode(target) == expected
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_overwriting_an_output_takes_the_umask_mode_too(tmp_path, umask, expected):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    previous = os.umask(umask)
    try:
        write_atomically(target, b"new")
    finally:
        os.umask(previous)
    assert target.read_bytes() == b"new" and _mode(target) == expected


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_server_objects_have_the_umask_mode(tmp_path, umask, expected):
    store = BucketStore(tmp_path)
    store.create_bucket("photos-1250000000")
    previous = os.umask(umask)
    try:
        store.write_bytes("photos-1250000000", "a/b.jpg", b"bytes")
        with store.staged_write("photos-1250000000", "result.png") as staged:  # Pic-Operations
            staged.write(b"png")
        StyleStore(tmp_path, "-").put("photos-1250000000", "thumb", "imageView2/2/w/100")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "photos-1250000000" / "a" / "b.jpg") == expected
    assert _mode(tmp_path / "photos-1250000000" / "result.png") == expected
    assert _mode(tmp_path / ".ciimage" / "styles" / "photos-1250000000.json") == expected


def test_output_into_a_missing_folder_names_the_users_path(run_cli, photo, tmp_path):
    target = tmp_path / "missing" / "out.jpg"
    done = run_cli("process", str(photo), "imageMogr2/rotate/90", "-o", str(target))
    err = done.stderr.decode()
    assert done.returncode == 1
    assert err == f"error: {target}: folder {target.parent} does not exist\n"
    assert ".part" not in err


def test_output_onto_a_folder_says_it_is_a_folder(run_cli, photo, tmp_path):
    done = run_cli("process", str(photo), "imageMogr2/rotate/90", "-o", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.decode() == f"error: {tmp_path}: is a folder; give a file name inside it\n"
    assert not list(tmp_path.glob(".*.part"))


def test_a_missing_input_names_it(run_cli, tmp_path):
    missing = tmp_path / "nope.jpg"
    done = run_cli("process", str(missing), "imageMogr2/rotate/90", "-o", str(tmp_path / "o"))
    assert done.returncode == 1
    assert done.stderr.decode() == f"error: {missing}: No such file or directory\n"


def test_binary_output_to_a_terminal_is_refused(photo):
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ciimage", "process", str(photo), "imageMogr2/rotate/90"],
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=120,
        )
        readable, _, _ = select.select([controller], [], [], 0.2)
        written = os.read(controller, 65536) if readable else b""
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "standard output is a terminal" in err and "-o FILE" in err and "pipe" in err
    assert written == b""  # not one byte of JPEG reached the terminal


def test_binary_output_to_a_pipe_is_written(run_cli, photo):
    done = run_cli("process", str(photo), "imageMogr2/rotate/90")
    assert done.returncode == 0 and done.stdout[:2] == b"\xff\xd8"


def test_version(run_cli):
    from ciimage import __version__

    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.decode() == f"ciimage {__version__}\n"
