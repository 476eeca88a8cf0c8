"""Property: whatever the SDK signs verifies, and changing any signed part breaks it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_auth import CosS3Auth
from requests import Request

from ciimage.server.errors import AccessDeniedError
from ciimage.server.signature import SignatureVerifier

SECRET_ID = "AKIDproperty"
SECRET_KEY = "property-secret"
HOST = "prop-1250000000.cos.ap-beijing.myqcloud.com"

keys = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x4E2D, exclude_characters="/\\"),
    min_size=1,
    max_size=12,
)
params = st.dictionaries(
    st.text(alphabet="abcXYZ/-_.~%+ =", min_size=1, max_size=10),
    st.text(alphabet="abc123/-_.~%+ =&", max_size=10),
    max_size=3,
)


def _signed(key: str, query: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    config = CosConfig(
        Region="ap-beijing",
        SecretId=SECRET_ID,
        SecretKey=SECRET_KEY,
        Scheme="http",
        IP="127.0.0.1",
        Port=9,
    )
    prepared = Request("GET", "http://127.0.0.1:9/x", headers={"Host": HOST}).prepare()
    CosS3Auth(CosS3Client(config)._conf, key, params=query)(prepared)
    return prepared.headers["Authorization"], list(prepared.headers.items())


@settings(max_examples=40, deadline=None)
@given(key=keys, query=params)
def test_sdk_signatures_verify(key: str, query: dict[str, str]) -> None:
    authorization, headers = _signed(key, query)
    SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
        method="GET",
        path="/" + key,
        query_pairs=list(query.items()),
        headers=headers,
        authorization_header=authorization,
    )


@settings(max_examples=40, deadline=None)
@given(key=keys, query=params, data=st.data())
def test_any_changed_signed_value_is_refused(
    key: str, query: dict[str, str], data: st.DataObject
) -> None:
    authorization, headers = _signed(key, query)
    pairs = list(query.items())
    choices = ["path", "method"] + (["param"] if pairs else [])
    change = data.draw(st.sampled_from(choices))
    path, method = "/" + key, "GET"
    if change == "path":
        path += "x"
    elif change == "method":
        method = "PUT"
    else:
        index = data.draw(st.integers(0, len(pairs) - 1))
        name, value = pairs[index]
        pairs[index] = (name, value + "!")
    try:
        SignatureVerifier(SECRET_ID, SECRET_KEY).verify(
            method=method,
            path=path,
            query_pairs=pairs,
            headers=headers,
            authorization_header=authorization,
        )
    except AccessDeniedError:
        return
    raise AssertionError(f"a changed {change} was accepted")
