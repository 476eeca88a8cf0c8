"""XML bodies of the bucket, multipart, copy and batch-delete calls (design §3.13, shapes §1.4).

Leaf elements carry no whitespace and no attributes: the SDK's `xml_to_dict` keeps text verbatim
and merges attributes into its dicts. With `encoding-type=url` exactly the fields the SDK decodes
are percent-encoded (design A25); `Delimiter` is sent as given.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from ciimage.server.cosxml import XML_DECLARATION, element
from ciimage.server.errors import MalformedXMLError
from ciimage.server.listing import ListPage, ListQuery
from ciimage.server.multipart import Part, Upload
from ciimage.server.storage import ObjectStat

MAX_DELETE_KEYS = 1000


def iso_time(epoch: float) -> str:
    """COS's `2026-12-01T19:00:00.000Z` (time.gmtime: a listing formats one per key)."""
    seconds = int(epoch)
    millis = int((epoch - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def owner_id(bucket: str) -> str:
    """The APPID after a bucket name's last hyphen, as COS names owners; "0" without one."""
    tail = bucket.rsplit("-", 1)[-1]
    return tail if "-" in bucket and tail.isdigit() else "0"


def _owner(bucket: str, tag: str = "Owner") -> str:
    owner = owner_id(bucket)
    return f"<{tag}>{element('ID', owner)}{element('DisplayName', owner)}</{tag}>"


def _common_prefix(prefix: str) -> str:
    return f"<CommonPrefixes>{element('Prefix', prefix)}</CommonPrefixes>"


def _document(root: str, parts: Iterable[str]) -> bytes:
    return (XML_DECLARATION + f"<{root}>" + "".join(parts) + f"</{root}>").encode("utf-8")


def _encoder(url_encoded: bool) -> Callable[[str], str]:
    return (lambda text: quote(text, safe="/")) if url_encoded else (lambda text: text)


def list_bucket_result(
    bucket: str, query: ListQuery, page: ListPage, stats: Sequence[ObjectStat], url_encoded: bool
) -> bytes:
    encode = _encoder(url_encoded)
    parts = [element("Name", bucket)]
    if url_encoded:
        parts.append(element("EncodingType", "url"))
    parts += [
        element("Prefix", encode(query.prefix)),
        element("Marker", encode(query.marker)),
        element("MaxKeys", query.max_keys),
    ]
    if query.delimiter:
        parts.append(element("Delimiter", query.delimiter))
    parts.append(element("IsTruncated", "true" if page.truncated else "false"))
    if page.next_marker is not None:
        parts.append(element("NextMarker", encode(page.next_marker)))
    owner = _owner(bucket)
    for key, stat in zip(page.keys, stats, strict=True):
        parts += [
            "<Contents>",
            element("Key", encode(key)),
            element("LastModified", iso_time(stat.mtime)),
            element("ETag", stat.etag),
            element("Size", stat.size),
            owner,
            "<StorageClass>STANDARD</StorageClass></Contents>",
        ]
    parts += [
        f"<CommonPrefixes>{element('Prefix', encode(p))}</CommonPrefixes>" for p in page.prefixes
    ]
    return _document("ListBucketResult", parts)


def initiate_result(bucket: str, upload: Upload) -> bytes:
    parts = [
        element("Bucket", bucket),
        element("Key", upload.key),
        element("UploadId", upload.upload_id),
    ]
    return _document("InitiateMultipartUploadResult", parts)


def complete_result(location: str, bucket: str, key: str, etag: str) -> bytes:
    parts = [
        element("Location", location),
        element("Bucket", bucket),
        element("Key", key),
        element("ETag", etag),
    ]
    return _document("CompleteMultipartUploadResult", parts)


@dataclass(frozen=True)
class PartsPage:
    upload: Upload
    parts: Sequence[Part]
    marker: int
    max_parts: int
    truncated: bool


def list_parts_result(page: PartsPage, url_encoded: bool) -> bytes:
    upload = page.upload
    encode = _encoder(url_encoded)
    parts = [element("Bucket", upload.bucket)]
    if url_encoded:
        parts.append(element("EncodingType", "url"))
    parts += [
        element("Key", encode(upload.key)),
        element("UploadId", upload.upload_id),
        _owner(upload.bucket, "Initiator"),
        _owner(upload.bucket),
        element("StorageClass", "STANDARD"),
        element("PartNumberMarker", page.marker),
        element("MaxParts", page.max_parts),
        element("IsTruncated", "true" if page.truncated else "false"),
    ]
    if page.truncated and page.parts:
        parts.append(element("NextPartNumberMarker", page.parts[-1].number))
    for part in page.parts:
        parts += [
            "<Part>",
            element("PartNumber", part.number),
            element("LastModified", iso_time(part.mtime)),
            element("ETag", part.etag),
            element("Size", part.size),
            "</Part>",
        ]
    return _document("ListPartsResult", parts)


@dataclass(frozen=True)
class UploadsPage:
    bucket: str
    prefix: str
    delimiter: str
    key_marker: str
    upload_id_marker: str
    max_uploads: int
    uploads: Sequence[Upload]
    prefixes: Sequence[str]
    truncated: bool


def list_uploads_result(page: UploadsPage, url_encoded: bool) -> bytes:
    encode = _encoder(url_encoded)
    parts = [element("Bucket", page.bucket)]
    if url_encoded:
        parts.append(element("EncodingType", "url"))
    parts += [
        element("KeyMarker", encode(page.key_marker)),
        element("UploadIdMarker", encode(page.upload_id_marker)),
        element("MaxUploads", page.max_uploads),
        element("Prefix", encode(page.prefix)),
    ]
    if page.delimiter:
        parts.append(element("Delimiter", page.delimiter))
    parts.append(element("IsTruncated", "true" if page.truncated else "false"))
    if page.truncated and page.uploads:
        parts.append(element("NextKeyMarker", encode(page.uploads[-1].key)))
        parts.append(element("NextUploadIdMarker", encode(page.uploads[-1].upload_id)))
    for upload in page.uploads:
        parts += [
            "<Upload>",
            element("Key", encode(upload.key)),
            element("UploadId", upload.upload_id),
            element("StorageClass", "STANDARD"),
            _owner(upload.bucket, "Initiator"),
            _owner(upload.bucket),
            element("Initiated", iso_time(upload.initiated)),
            "</Upload>",
        ]
    parts += [
        f"<CommonPrefixes>{element('Prefix', encode(p))}</CommonPrefixes>" for p in page.prefixes
    ]
    return _document("ListMultipartUploadsResult", parts)


def copy_result(stat: ObjectStat) -> bytes:
    parts = [element("ETag", stat.etag), element("LastModified", iso_time(stat.mtime))]
    return _document("CopyObjectResult", parts)


@dataclass(frozen=True)
class DeleteOutcome:
    key: str
    error_code: str | None = None
    error_message: str | None = None


def delete_result(outcomes: Sequence[DeleteOutcome], quiet: bool) -> bytes:
    parts = []
    for outcome in outcomes:
        if outcome.error_code is None:
            if not quiet:
                parts.append(f"<Deleted>{element('Key', outcome.key)}</Deleted>")
        else:
            parts += [
                "<Error>",
                element("Key", outcome.key),
                element("Code", outcome.error_code),
                element("Message", outcome.error_message or outcome.error_code),
                "</Error>",
            ]
    return _document("DeleteResult", parts)


# ---- request bodies ----


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # namespaces (S3's, COS's) are accepted and ignored


def _root(body: bytes, name: str) -> ElementTree.Element:
    if not body.strip():
        raise MalformedXMLError(f"the request needs a <{name}> body")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise MalformedXMLError(f"the request body is not well-formed XML: {exc}") from None
    if _local(root.tag) != name:
        raise MalformedXMLError(f"the request body must be <{name}>, not <{_local(root.tag)}>")
    return root


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ElementTree.Element, name: str) -> str | None:
    found = _children(element, name)
    return None if not found else (found[0].text or "")


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """`<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>...` -> [(number, etag)]."""
    root = _root(body, "CompleteMultipartUpload")
    wanted = []
    for part in _children(root, "Part"):
        number, etag = _text(part, "PartNumber"), _text(part, "ETag")
        if number is None or not number.strip().isdigit() or etag is None:
            raise MalformedXMLError("every <Part> needs a numeric <PartNumber> and an <ETag>")
        wanted.append((int(number.strip()), etag.strip()))
    return wanted


def parse_delete(body: bytes) -> tuple[bool, list[str]]:
    """`<Delete><Quiet/><Object><Key/></Object>...</Delete>` -> (quiet, keys)."""
    root = _root(body, "Delete")
    quiet = (_text(root, "Quiet") or "false").strip().lower() == "true"
    keys = []
    for item in _children(root, "Object"):
        key = _text(item, "Key")
        if key is None:
            raise MalformedXMLError("every <Object> of <Delete> needs a <Key>")
        keys.append(key)
    if not keys or len(keys) > MAX_DELETE_KEYS:
        raise MalformedXMLError(
            f"<Delete> must name 1 to {MAX_DELETE_KEYS} objects, not {len(keys)}"
        )
    return quiet, keys
