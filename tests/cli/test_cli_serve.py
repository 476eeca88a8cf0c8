"""`ciimage serve` refuses bad ports, busy addresses and a file as --root, each said plainly."""

from __future__ import annotations

import socket

import pytest


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http"])
def test_ports_outside_1_65535_are_refused(run_cli, tmp_path, port):
    done = run_cli("serve", "--root", str(tmp_path), "--port", port)
    err = done.stderr.decode()
    assert done.returncode == 2
    assert "argument --port" in err and "1-65535" in err
    assert "http://" not in err  # it did not start on some other port


def test_a_busy_address_names_address_and_port(run_cli, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = run_cli("serve", "--root", str(tmp_path), "--port", str(port))
    err = done.stderr.decode()
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "already in use" in err
    assert "Traceback" not in err


def test_a_file_as_root_is_said_to_be_a_file(run_cli, tmp_path):
    not_a_folder = tmp_path / "buckets.txt"
    not_a_folder.write_text("x")
    done = run_cli("serve", "--root", str(not_a_folder))
    assert done.returncode == 1
    assert done.stderr.decode() == (
        f"ciimage serve: --root {not_a_folder} is a file; give the folder that holds the "
        "bucket folders\n"
    )


def test_a_missing_root_is_said_to_be_missing(run_cli, tmp_path):
    done = run_cli("serve", "--root", str(tmp_path / "nope"))
    assert done.returncode == 1 and "does not exist" in done.stderr.decode()


def test_the_server_gives_each_image_one_libvips_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyvips

    from ciimage.cli.serve import one_libvips_thread_per_image

    before = pyvips.concurrency_get()
    try:
        monkeypatch.setenv("VIPS_CONCURRENCY", "3")
        pyvips.concurrency_set(3)
        one_libvips_thread_per_image()
        assert pyvips.concurrency_get() == 3  # an explicit VIPS_CONCURRENCY decides
        monkeypatch.delenv("VIPS_CONCURRENCY")
        one_libvips_thread_per_image()
        assert pyvips.concurrency_get() == 1
    finally:
        pyvips.concurrency_set(before)
