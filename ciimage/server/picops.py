"""The `Pic-Operations` header of persistent processing, and where each result is stored."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any

from ciimage.errors import TooManyRulesError
from ciimage.server.errors import InvalidKeyError, InvalidPicOperationsError
from ciimage.server.storage import check_key

MAX_RULES = 5  # addendum ruling 6; -60997 beyond it


@dataclass(frozen=True)
class PicRule:
    fileid: str
    rule: str
    bucket: str | None = None


@dataclass(frozen=True)
class PicOperations:
    is_pic_info: bool
    rules: tuple[PicRule, ...]


def header_text(raw: str) -> str:
    """HTTP header values arrive as latin-1; a client that sent UTF-8 JSON gets its text back."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def _flag(value: Any) -> bool:
    if value in (0, 1, "0", "1") and not isinstance(value, bool):
        return int(value) == 1
    raise InvalidPicOperationsError(f"Pic-Operations is_pic_info must be 0 or 1, got {value!r}")


def _string(entry: dict[str, Any], name: str, index: int, *, required: bool) -> str | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidPicOperationsError(
            f"Pic-Operations rules[{index}].{name} must be a non-empty string"
        )
    return value


def parse_pic_operations(raw: str) -> PicOperations:
    """`{"is_pic_info": 0|1, "rules": [{"fileid": ..., "rule": ..., "bucket": ...}, ...]}`."""
    try:
        document = json.loads(header_text(raw))
    except json.JSONDecodeError as exc:
        raise InvalidPicOperationsError(f"Pic-Operations is not valid JSON: {exc.msg}") from None
    if not isinstance(document, dict):
        raise InvalidPicOperationsError("Pic-Operations must be a JSON object")
    is_pic_info = _flag(document.get("is_pic_info", 0))
    entries = document.get("rules", [])
    if not isinstance(entries, list):
        raise InvalidPicOperationsError("Pic-Operations rules must be a JSON array")
    if len(entries) > MAX_RULES:
        raise TooManyRulesError(
            f"Pic-Operations has {len(entries)} rules; persistent processing takes at most "
            f"{MAX_RULES}"
        )
    rules = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidPicOperationsError(f"Pic-Operations rules[{index}] must be an object")
        fileid = _string(entry, "fileid", index, required=True)
        rule = _string(entry, "rule", index, required=True)
        assert fileid is not None and rule is not None
        rules.append(
            PicRule(
                fileid=fileid,
                rule=rule,
                bucket=_string(entry, "bucket", index, required=False),
            )
        )
    return PicOperations(is_pic_info=is_pic_info, rules=tuple(rules))


def result_key(fileid: str, input_key: str) -> str:
    """Ruling 26: `/a/b.jpg` is from the bucket root, `b.jpg` from the input's folder.

    A fileid ending in `/`, or with `.`/`..`/empty segments, is refused: results never leave the
    bucket and never land at a name other than the one written.
    """
    if fileid.endswith("/"):
        raise InvalidPicOperationsError(
            f"fileid {fileid!r} ends with '/', which would make an empty file name"
        )
    if fileid.startswith("/"):
        key = fileid[1:]
    else:
        folder = posixpath.dirname(input_key)
        key = f"{folder}/{fileid}" if folder else fileid
    try:
        return check_key(key)
    except InvalidKeyError as exc:
        raise InvalidPicOperationsError(f"fileid {fileid!r}: {exc.message}") from None
