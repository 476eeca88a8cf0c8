"""COS-side errors of the server, typed like the rest of ciimage (`ciimage.errors.CIError`).

The numeric codes are CI's download error codes (`shared/spec/error-codes.txt`): they travel in
`X-ErrNo`; `cos_code` and `http_status` are what COS answers for the same condition.
"""

from __future__ import annotations

from ciimage.errors import CIError


class AccessDeniedError(CIError):
    """A missing, malformed, wrong or expired COS v5 signature."""

    code = -46618
    cos_code = "AccessDenied"
    http_status = 403


class RequestExpiredError(AccessDeniedError):
    code = -46619


class NoSuchBucketError(CIError):
    code = -46152
    cos_code = "NoSuchBucket"
    http_status = 404


class NoSuchKeyError(CIError):
    code = -46628
    cos_code = "NoSuchKey"
    http_status = 404


class InvalidHostError(CIError):
    """A Host header that names no bucket this server holds."""

    code = -107
    cos_code = "InvalidArgument"
    http_status = 400


class InvalidKeyError(CIError):
    """An object key or fileid that is empty, escapes its bucket, or cannot be a local file."""

    code = -106
    cos_code = "InvalidURI"
    http_status = 400


class EntityTooLargeError(CIError):
    """A request body over the server's limit (32 MB), refused while it streams in."""

    code = -60996
    cos_code = "EntityTooLarge"
    http_status = 400


class BadDigestError(CIError):
    """A Content-MD5 header that does not match the body received."""

    code = -103
    cos_code = "BadDigest"
    http_status = 400


class MalformedXMLError(CIError):
    code = -103
    cos_code = "MalformedXML"
    http_status = 400


class MethodNotAllowedError(CIError):
    code = -103
    cos_code = "MethodNotAllowed"
    http_status = 405


class NotImplementedByServerError(CIError):
    code = -103
    cos_code = "NotImplemented"
    http_status = 501


class SlowDownError(CIError):
    """The processing queue is full: the client should retry later (the COS SDKs do)."""

    code = -164
    cos_code = "SlowDown"
    http_status = 503


class StyleLimitError(CIError):
    code = -60957
    cos_code = "InvalidArgument"
    http_status = 400


class InvalidStyleNameError(CIError):
    code = -60998
    cos_code = "InvalidArgument"
    http_status = 400


class InvalidPicOperationsError(CIError):
    """A Pic-Operations header that is not the documented JSON, or a fileid ruling 26 refuses."""

    code = -60998
    cos_code = "InvalidArgument"
    http_status = 400


class InvalidArgumentError(CIError):
    """A query parameter or header value outside what the call accepts (max-keys, part numbers)."""

    code = -103
    cos_code = "InvalidArgument"
    http_status = 400


class InvalidRequestError(CIError):
    """A request COS refuses as a whole: a self-copy without new metadata, no Content-MD5."""

    code = -103
    cos_code = "InvalidRequest"
    http_status = 400


class InvalidBucketNameError(CIError):
    code = -103
    cos_code = "InvalidBucketName"
    http_status = 400


class BucketAlreadyOwnedByYouError(CIError):
    code = -103
    cos_code = "BucketAlreadyOwnedByYou"
    http_status = 409


class BucketNotEmptyError(CIError):
    code = -103
    cos_code = "BucketNotEmpty"
    http_status = 409


class NoSuchUploadError(CIError):
    code = -103
    cos_code = "NoSuchUpload"
    http_status = 404


class InvalidPartError(CIError):
    """A completion naming a part that was not uploaded, or with another ETag."""

    code = -103
    cos_code = "InvalidPart"
    http_status = 400


class InvalidPartOrderError(CIError):
    code = -103
    cos_code = "InvalidPartOrder"
    http_status = 400


class EntityTooSmallError(CIError):
    """A completed part other than the last one under 1 MB."""

    code = -103
    cos_code = "EntityTooSmall"
    http_status = 400


class InvalidRangeError(CIError):
    """A Range no byte of the object satisfies; answered with `Content-Range: bytes */size`."""

    code = -103
    cos_code = "InvalidRange"
    http_status = 416

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.extra_headers = {"Content-Range": f"bytes */{size}"}
