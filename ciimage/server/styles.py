"""Per-bucket image styles, persisted under the server root and written atomically.

One JSON file per bucket in `<root>/.ciimage/styles/`, a folder no bucket name can collide with
(bucket names cannot start with a dot). At most 100 styles per bucket (addendum ruling 7).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from pathlib import Path

from ciimage.errors import StyleNotFoundError
from ciimage.server.atomic import atomic_write_bytes
from ciimage.server.errors import InvalidStyleNameError, StyleLimitError

MAX_STYLES_PER_BUCKET = 100
MAX_STYLE_NAME_LENGTH = 64
STYLE_NAME = re.compile(r"^[A-Za-z0-9._\-]+$")


class StyleStore:
    def __init__(self, root: Path, separators: str) -> None:
        self.folder = root / ".ciimage" / "styles"
        self.separators = separators
        self._lock = threading.Lock()

    def _file(self, bucket: str) -> Path:
        return self.folder / f"{bucket}.json"

    def check_name(self, name: str) -> str:
        if not STYLE_NAME.match(name) or len(name) > MAX_STYLE_NAME_LENGTH:
            raise InvalidStyleNameError(
                f"style name {name!r} must be 1-{MAX_STYLE_NAME_LENGTH} characters from "
                "A-Z a-z 0-9 . _ -"
            )
        used = sorted({char for char in name if char in self.separators})
        if used:
            raise InvalidStyleNameError(
                f"style name {name!r} contains the enabled style separator(s) {''.join(used)!r}; "
                f"names cannot contain any of {self.separators!r} (addendum ruling 7)"
            )
        return name

    def all(self, bucket: str) -> dict[str, str]:
        """Every style of the bucket, in the order they were added."""
        path = self._file(bucket)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        styles = document.get("styles", {})
        return {str(name): str(body) for name, body in styles.items()}

    def get(self, bucket: str, name: str) -> str:
        styles = self.all(bucket)
        if name not in styles:
            raise StyleNotFoundError(f"style {name!r} is not set on bucket {bucket!r}")
        return styles[name]

    def put(self, bucket: str, name: str, body: str) -> None:
        """Add or replace a style; a 101st style is refused (-60957)."""
        self.check_name(name)
        with self._lock:
            styles = self.all(bucket)
            if name not in styles and len(styles) >= MAX_STYLES_PER_BUCKET:
                raise StyleLimitError(
                    f"bucket {bucket!r} already has {MAX_STYLES_PER_BUCKET} styles, the most CI "
                    "allows; delete one first"
                )
            styles[name] = body
            self._write(bucket, styles)

    def delete(self, bucket: str, name: str) -> None:
        with self._lock:
            styles = self.all(bucket)
            if name not in styles:
                raise StyleNotFoundError(
                    f"style {name!r} is not set on bucket {bucket!r}", code=-60967
                )
            del styles[name]
            self._write(bucket, styles)

    def _write(self, bucket: str, styles: dict[str, str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"styles": styles}, ensure_ascii=False, indent=1)
        atomic_write_bytes(self._file(bucket), body.encode("utf-8"))

    def drop_bucket(self, bucket: str) -> None:
        """A deleted bucket's styles go with it (a new bucket of that name starts with none)."""
        with self._lock, contextlib.suppress(FileNotFoundError):
            self._file(bucket).unlink()
