"""COS v5 request signatures (addendum ruling 27), checked the way COS checks them.

Only the headers in `q-header-list` and the query parameters in `q-url-param-list` are signed, so
processing directives a client appends without signing them are allowed. The signature is compared
in constant time, and the request must fall inside the signed time window.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from ciimage.server.errors import AccessDeniedError, RequestExpiredError
from ciimage.server.hosts import split_port

_AUTH_FIELDS = (
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
)
_SAFE = "-_.~"


@dataclass(frozen=True)
class Authorization:
    access_key: str
    sign_time: tuple[int, int]
    key_time: str
    header_list: tuple[str, ...]
    param_list: tuple[str, ...]
    signature: str


def encode_component(text: str) -> str:
    """CI's encoding of a header or parameter key/value: UTF-8 percent-encoding, `-_.~` kept."""
    return quote(text.encode("utf-8"), safe=_SAFE)


def sign_key(secret_key: str, key_time: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), key_time.encode("utf-8"), hashlib.sha1).hexdigest()


def _canonical(pairs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(`a;b` key list, `a=1&b=2` string) over key' = lower(encode(key)), value' = encode(value)."""
    encoded = sorted((encode_component(k).lower(), encode_component(v)) for k, v in pairs)
    return ";".join(k for k, _ in encoded), "&".join(f"{k}={v}" for k, v in encoded)


def http_string(
    method: str,
    path: str,
    params: Sequence[tuple[str, str]],
    headers: Sequence[tuple[str, str]],
) -> str:
    """`method\\npath\\nparams\\nheaders\\n`, `path` URL-decoded as the client signed it."""
    return f"{method.lower()}\n{path}\n{_canonical(params)[1]}\n{_canonical(headers)[1]}\n"


def string_to_sign(key_time: str, http: str) -> str:
    digest = hashlib.sha1(http.encode("utf-8")).hexdigest()
    return f"sha1\n{key_time}\n{digest}\n"


def compute_signature(secret_key: str, key_time: str, http: str) -> str:
    key = sign_key(secret_key, key_time)
    return hmac.new(
        key.encode("utf-8"), string_to_sign(key_time, http).encode("utf-8"), hashlib.sha1
    ).hexdigest()


def _parse_window(text: str, name: str) -> tuple[int, int]:
    start, sep, end = text.partition(";")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise AccessDeniedError(f"{name} must be '<start>;<end>' in Unix seconds, got {text!r}")
    return int(start), int(end)


def parse_authorization(fields: Mapping[str, str]) -> Authorization:
    """The signature fields, from the Authorization header or the query string."""
    missing = [name for name in _AUTH_FIELDS if name not in fields]
    if missing:
        raise AccessDeniedError(
            f"the request signature lacks {', '.join(missing)}; a COS v5 signature has "
            + ", ".join(_AUTH_FIELDS)
        )
    if fields["q-sign-algorithm"].lower() != "sha1":
        raise AccessDeniedError("q-sign-algorithm must be sha1")
    _parse_window(fields["q-key-time"], "q-key-time")

    def names(text: str) -> tuple[str, ...]:
        return tuple(name for name in text.lower().split(";") if name)

    return Authorization(
        access_key=fields["q-ak"],
        sign_time=_parse_window(fields["q-sign-time"], "q-sign-time"),
        key_time=fields["q-key-time"],
        header_list=names(fields["q-header-list"]),
        param_list=names(fields["q-url-param-list"]),
        signature=fields["q-signature"].lower(),
    )


def authorization_fields(
    authorization_header: str | None, query_pairs: Sequence[tuple[str, str]]
) -> dict[str, str] | None:
    """The `q-*` signature fields of a request, or None when it carries no signature at all."""
    if authorization_header and authorization_header.strip():
        # Not parse_qsl: the header is not form-encoded, and its parameter list keeps its escapes
        # (`imagemogr2%2fthumbnail`), the form keys are compared in.
        fields = {}
        for part in authorization_header.strip().split("&"):
            name, _, value = part.partition("=")
            fields[name.strip()] = value.strip()
        return fields
    fields = {k: v for k, v in query_pairs if k in _AUTH_FIELDS}
    return fields or None


def _select(
    pairs: Sequence[tuple[str, str]], wanted: tuple[str, ...], kind: str
) -> list[tuple[str, str]]:
    """The pairs whose encoded lower-case key is listed.

    A listed key the request lacks is refused outright: signing it with an empty value would let
    a client drop a signed parameter whose value was empty, such as a processing rule.
    """
    by_name: dict[str, list[tuple[str, str]]] = {}
    for key, value in pairs:
        by_name.setdefault(encode_component(key).lower(), []).append((key, value))
    chosen: list[tuple[str, str]] = []
    for name in dict.fromkeys(wanted):
        if name not in by_name:
            raise AccessDeniedError(
                f"SignatureDoesNotMatch: the signed {kind} {unquote(name)!r} is not in the request"
            )
        chosen.extend(by_name[name])
    return chosen


@dataclass(frozen=True)
class SignatureVerifier:
    secret_id: str
    secret_key: str
    clock_skew_seconds: int = 0

    def verify(
        self,
        *,
        method: str,
        path: str,
        query_pairs: Sequence[tuple[str, str]],
        headers: Sequence[tuple[str, str]],
        authorization_header: str | None,
        now: float | None = None,
    ) -> None:
        """Raise AccessDeniedError unless the request is signed by this key pair, in time."""
        fields = authorization_fields(authorization_header, query_pairs)
        if fields is None:
            raise AccessDeniedError(
                "this server requires a COS v5 signature (Authorization header or q-* query "
                "parameters); start it without --secret-key for anonymous access"
            )
        auth = parse_authorization(fields)
        if not hmac.compare_digest(auth.access_key.encode(), self.secret_id.encode()):
            raise AccessDeniedError("InvalidAccessKeyId: q-ak is not this server's SecretId")
        current = time.time() if now is None else now
        start, end = auth.sign_time
        if current + self.clock_skew_seconds < start or current - self.clock_skew_seconds > end:
            raise RequestExpiredError(
                f"Request has expired: the signature is valid from {start} to {end}, "
                f"and it is now {int(current)}"
            )
        signed_params = _select(query_pairs, auth.param_list, "parameter")
        lowered = [(k.lower(), v) for k, v in headers]
        for signed_headers in _header_variants(_select(lowered, auth.header_list, "header")):
            http = http_string(method, path, signed_params, signed_headers)
            expected = compute_signature(self.secret_key, auth.key_time, http)
            if hmac.compare_digest(expected.encode(), auth.signature.encode()):
                return
        raise AccessDeniedError(
            "SignatureDoesNotMatch: the signature computed from the listed headers "
            f"({';'.join(auth.header_list) or 'none'}) and parameters "
            f"({';'.join(auth.param_list) or 'none'}) differs from q-signature"
        )


def _header_variants(
    headers: list[tuple[str, str]],
) -> list[list[tuple[str, str]]]:
    """The headers as sent, then with `host` stripped of its port (addendum ruling 28).

    A client told to connect to IP:port signs the host as the bare IP while its request carries
    `Host: IP:port`.
    """
    variants = [headers]
    hosts = [value for key, value in headers if key == "host"]
    if hosts:
        bare, port = split_port(hosts[0])
        if port is not None:
            variants.append([(k, bare if k == "host" else v) for k, v in headers])
    return variants
