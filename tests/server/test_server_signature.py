"""The COS v5 verifier: ruling 27's official vector, and requests signed by the official SDK."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from qcloud_cos import CosConfig, CosS3Client
from requests import Request

from ciimage.server.errors import AccessDeniedError, RequestExpiredError
from ciimage.server.signature import (
    SignatureVerifier,
    compute_signature,
    http_string,
    sign_key,
)

VECTOR_SECRET_KEY = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"
VECTOR_KEY_TIME = "1557989151;1557996351"
VECTOR_HEADERS = [
    ("content-length", "13"),
    ("content-md5", "mQ/fVh815F3k6TAUm8m0eg=="),
    ("content-type", "text/plain"),
    ("date", "Thu, 16 May 2019 06:45:51 GMT"),
    ("host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
    ("x-cos-acl", "private"),
    ("x-cos-grant-read", 'uin="100000000011"'),
]
VECTOR_PATH = "/exampleobject(腾讯云)"

SECRET_ID = "AKIDexample"
SECRET_KEY = "secret-key-for-tests"
BUCKET = "examplebucket-1250000000"
COS_HOST = f"{BUCKET}.cos.ap-beijing.myqcloud.com"


def test_official_sign_key() -> None:
    assert (
        sign_key(VECTOR_SECRET_KEY, VECTOR_KEY_TIME) == "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f"
    )


def test_official_signature() -> None:
    http = http_string("PUT", VECTOR_PATH, [], VECTOR_HEADERS)
    assert (
        compute_signature(VECTOR_SECRET_KEY, VECTOR_KEY_TIME, http)
        == "3b8851a11a569213c17ba8fa7dcf2abec6935172"
    )


def _vector_authorization(signature: str) -> str:
    header_list = ";".join(name for name, _ in VECTOR_HEADERS)
    return (
        f"q-sign-algorithm=sha1&q-ak=AKIDvector&q-sign-time={VECTOR_KEY_TIME}"
        f"&q-key-time={VECTOR_KEY_TIME}&q-header-list={header_list}&q-url-param-list="
        f"&q-signature={signature}"
    )


def test_verifier_accepts_official_request_inside_its_window() -> None:
    verifier = SignatureVerifier("AKIDvector", VECTOR_SECRET_KEY)
    verifier.verify(
        method="PUT",
        path=VECTOR_PATH,
        query_pairs=[],
        headers=[(k.title(), v) for k, v in VECTOR_HEADERS] + [("user-agent", "unsigned")],
        authorization_header=_vector_authorization("3b8851a11a569213c17ba8fa7dcf2abec6935172"),
        now=1557990000,
    )


def test_verifier_refuses_official_request_after_its_window() -> None:
    verifier = SignatureVerifier("AKIDvector", VECTOR_SECRET_KEY)
    with pytest.raises(RequestExpiredError, match="Request has expired") as caught:
        verifier.verify(
            method="PUT",
            path=VECTOR_PATH,
            query_pairs=[],
            headers=VECTOR_HEADERS,
            authorization_header=_vector_authorization("3b8851a11a569213c17ba8fa7dcf2abec6935172"),
            now=1557996352,
        )
    assert caught.value.http_status == 403
    assert caught.value.cos_code == "AccessDenied"


@pytest.mark.parametrize(
    ("name", "value"),
    [("content-md5", "AAAAAAAAAAAAAAAAAAAAAA=="), ("x-cos-acl", "public-read"), ("host", "x")],
)
def test_verifier_refuses_a_changed_signed_header(name: str, value: str) -> None:
    verifier = SignatureVerifier("AKIDvector", VECTOR_SECRET_KEY)
    headers = [(k, value if k == name else v) for k, v in VECTOR_HEADERS]
    with pytest.raises(AccessDeniedError, match="SignatureDoesNotMatch"):
        verifier.verify(
            method="PUT",
            path=VECTOR_PATH,
            query_pairs=[],
            headers=headers,
            authorization_header=_vector_authorization("3b8851a11a569213c17ba8fa7dcf2abec6935172"),
            now=1557990000,
        )


def _sdk_client(secret_key: str = SECRET_KEY) -> CosS3Client:
    config = CosConfig(
        Region="ap-beijing",
        SecretId=SECRET_ID,
        SecretKey=secret_key,
        Scheme="http",
        IP="127.0.0.1",
        Port=9,
    )
    return CosS3Client(config)


def _sdk_signed(method: str, key: str, params: dict[str, str], secret_key: str = SECRET_KEY):
    """A request signed by the official SDK's own signer, with the headers it would send."""
    client = _sdk_client(secret_key)
    headers = {"Host": COS_HOST, "Content-Type": "image/jpeg"}
    authorization = client.get_auth(
        Method=method, Bucket=BUCKET, Key=key, Headers=headers, Params=params
    )
    return headers, authorization


def test_sdk_signed_request_with_signed_processing_parameter_is_accepted() -> None:
    headers, authorization = _sdk_signed("GET", "photos/a b.jpg", {"imageMogr2/thumbnail/200x": ""})
    SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
        method="GET",
        path="/photos/a b.jpg",
        query_pairs=[("imageMogr2/thumbnail/200x", "")],
        headers=list(headers.items()),
        authorization_header=authorization,
    )


def test_unsigned_processing_directive_is_allowed() -> None:
    """Ruling 27: parameters outside q-url-param-list are not part of the signature."""
    headers, authorization = _sdk_signed("GET", "a.jpg", {})
    SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
        method="GET",
        path="/a.jpg",
        query_pairs=[("imageMogr2/thumbnail/100x", "")],
        headers=list(headers.items()),
        authorization_header=authorization,
    )


def test_changed_signed_parameter_is_refused() -> None:
    headers, authorization = _sdk_signed("GET", "a.jpg", {"imageMogr2/thumbnail/200x": ""})
    with pytest.raises(AccessDeniedError, match="SignatureDoesNotMatch"):
        SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
            method="GET",
            path="/a.jpg",
            query_pairs=[("imageMogr2/thumbnail/900x", "")],
            headers=list(headers.items()),
            authorization_header=authorization,
        )


def test_wrong_secret_key_is_refused() -> None:
    headers, authorization = _sdk_signed("GET", "a.jpg", {}, secret_key="not-the-key")
    with pytest.raises(AccessDeniedError, match="SignatureDoesNotMatch"):
        SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
            method="GET",
            path="/a.jpg",
            query_pairs=[],
            headers=list(headers.items()),
            authorization_header=authorization,
        )


def test_other_method_or_path_is_refused() -> None:
    headers, authorization = _sdk_signed("GET", "a.jpg", {})
    verifier = SignatureVerifier(SECRET_ID, SECRET_KEY)
    for method, path in (("DELETE", "/a.jpg"), ("GET", "/b.jpg")):
        with pytest.raises(AccessDeniedError):
            verifier.verify(
                method=method,
                path=path,
                query_pairs=[],
                headers=list(headers.items()),
                authorization_header=authorization,
            )


def test_missing_signature_is_refused() -> None:
    with pytest.raises(AccessDeniedError, match="requires a COS v5 signature"):
        SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
            method="GET", path="/a.jpg", query_pairs=[], headers=[], authorization_header=None
        )


def test_presigned_url_signs_bare_ip_and_request_carries_port() -> None:
    """Ruling 28: the SDK signs host=127.0.0.1 while the request says Host: 127.0.0.1:<port>."""
    client = _sdk_client()
    url = client.get_presigned_download_url(
        Bucket=BUCKET, Key="a.jpg", Params={"imageMogr2/thumbnail/64x": ""}
    )
    parts = urlsplit(url)
    assert "host" in dict(parse_qsl(parts.query))["q-header-list"]
    SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
        method="GET",
        path=parts.path,
        query_pairs=parse_qsl(parts.query, keep_blank_values=True),
        headers=[("host", "127.0.0.1:9")],
        authorization_header=None,
    )


def test_signature_window_from_sdk_is_checked_against_now() -> None:
    headers, authorization = _sdk_signed("GET", "a.jpg", {})
    verifier = SignatureVerifier(SECRET_ID, SECRET_KEY)
    with pytest.raises(RequestExpiredError):
        verifier.verify(
            method="GET",
            path="/a.jpg",
            query_pairs=[],
            headers=list(headers.items()),
            authorization_header=authorization,
            now=time.time() + 100_000,
        )


def test_requests_prepared_headers_match_what_the_sdk_signs() -> None:
    """The SDK signs the prepared request's headers; content-length included when there's a body."""
    client = _sdk_client()
    from qcloud_cos.cos_auth import CosS3Auth

    prepared = Request(
        "PUT", "http://127.0.0.1:9/a.txt", data=b"hello", headers={"Host": COS_HOST}
    ).prepare()
    CosS3Auth(client._conf, "a.txt")(prepared)
    SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
        method="PUT",
        path="/a.txt",
        query_pairs=[],
        headers=list(prepared.headers.items()),
        authorization_header=prepared.headers["Authorization"],
    )
