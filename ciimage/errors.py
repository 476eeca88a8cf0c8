"""Typed errors. Every error raised on bad input (a rule, an image, a request) is a `CIError`.

Each class carries CI's numeric error code (X-ErrNo, `shared/spec/error-codes.txt`), the COS error
code string used in the XML body, and the HTTP status CI answers with, so the CLI and the server
can report it without a lookup table of their own.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """`text` with control characters written as `\\xNN`, so a terminal shows rather than obeys
    them (a BEL, an escape sequence or a newline in a rule)."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def printable(text: str) -> str:
    """`text` quoted for a message, its control characters escaped."""
    return f"'{escape_controls(text)}'"


class CIError(Exception):
    """Base of every error ciimage raises on bad input."""

    code: int = -60998
    cos_code: str = "InvalidArgument"
    http_status: int = 400
    detail: str | None = None

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        cos_code: str | None = None,
        http_status: int | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # What the library underneath said, for `--verbose` and logs; never the message itself.
        self.detail = detail
        if code is not None:
            self.code = code
        if cos_code is not None:
            self.cos_code = cos_code
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return self.message


class RuleError(CIError):
    """A processing rule that is malformed or out of the documented limits.

    `position` is a 0-based offset into the text the caller gave (a full URL included);
    `parameter` names the rule parameter at fault, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        position: int = 0,
        parameter: str | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.position = position
        self.parameter = parameter


class TooManyRulesError(CIError):
    """More than five rules in one Pic-Operations header."""

    code = -60997


class StyleNotFoundError(CIError):
    """`style/NAME` or a URL style separator names a style that is not stored."""

    code = -105
    cos_code = "InvalidArgument"
    http_status = 404


class ImageError(CIError):
    """Input bytes that are not an image CI can read."""

    code = -443
    cos_code = "InvalidImageFormat"


class UnsupportedFormatError(ImageError):
    """A known format CI does not process (or a format ciimage refuses, such as tpg output)."""

    code = -443
    cos_code = "InvalidImageFormat"


class ImageTooLargeError(CIError):
    """Input over 32 MB."""

    code = -60996
    cos_code = "ImageTooLarge"


class ResolutionExceededError(CIError):
    """Input over 30,000 px a side, 250 million pixels (x frames), or 300 GIF frames."""

    code = -447
    cos_code = "ImageResolutionExceed"


class OutputTooLargeError(CIError):
    """A rule whose output would be wider or taller than 9,999 px."""

    code = -442
    cos_code = "ImageResolutionExceed"


class ResolverError(CIError):
    """A watermark URL that cannot be resolved to local bytes."""

    code = -60987
    cos_code = "InvalidArgument"


class ProcessingTimeoutError(CIError):
    """Processing went past its deadline."""

    code = -901
    cos_code = "RequestTimeout"
    http_status = 504
