"""Files written the way other Unix tools write them: atomically, with the umask's permissions.

Every file ciimage creates for a user (CLI outputs, server objects, Pic-Operations results) goes
through `open_temporary` + `os.replace`: a temporary file beside the target, renamed over it only
once complete, so a crash leaves the old file or the new one, never half of one. `mkstemp` creates
its file 0600 whatever the umask; the temporary is given `0666 & ~umask` before the rename, the
mode `open(path, "w")` would have given, so a file others may read under the umask is readable.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import threading
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without a window in which another thread sees umask 0."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:  # no /proc: os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode() -> int:
    return 0o666 & ~current_umask()


def open_temporary(target: Path, prefix: str | None = None) -> tuple[int, Path]:
    """A file descriptor and path for a temporary file beside `target`, already given the mode
    a newly created `target` would get. The caller writes, then `os.replace`s it over `target`."""
    folder = target.parent if str(target.parent) else Path(".")
    handle, name = tempfile.mkstemp(
        dir=folder, prefix=prefix if prefix is not None else f".{target.name}.", suffix=".part"
    )
    try:
        os.fchmod(handle, new_file_mode())
    except BaseException:
        os.close(handle)
        os.unlink(name)
        raise
    return handle, Path(name)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename.

    An OSError names `path`, never the temporary file, and says what is wrong with it.
    """
    check_writable_target(path)
    try:
        handle, temporary = open_temporary(path)
    except OSError as exc:
        raise _about(path, exc) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _about(path, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def check_writable_target(path: Path) -> None:
    """OSError naming `path` when it is a folder or its folder is missing or not a folder."""
    if path.is_dir():
        raise OSError(errno.EISDIR, "is a folder; give a file name inside it", str(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        raise OSError(errno.ENOENT, f"folder {folder} does not exist", str(path))
    if not folder.is_dir():
        raise OSError(errno.ENOTDIR, f"{folder} is not a folder", str(path))


def _about(path: Path, exc: OSError) -> OSError:
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def describe_os_error(exc: OSError) -> str:
    """`PATH: what is wrong`, or the error's words when it names no file."""
    reason = exc.strerror or str(exc)
    if exc.filename:
        return f"{exc.filename}: {reason}"
    return reason


def user_cache_file(name: str) -> str | None:
    """`$XDG_CACHE_HOME/ciimage/NAME` (default `~/.cache`), its folder made private (0700);
    None when there is no writable place for it, and the caller works without a cache."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "ciimage"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return None
    return str(folder / name)
