"""Which bucket and which service a request is for, from its Host header, as COS routes them."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum

from ciimage.server.errors import InvalidHostError

# COS bucket names are lowercase letters, digits and hyphens, with the APPID after the last hyphen
# in the cloud; locally the APPID is optional so that `--default-bucket photos` also works.
BUCKET_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

_SERVICE_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9-]+)\.(?P<service>cos|cos-internal|pic|ci)\.(?P<region>[a-z0-9-]+)"
    r"\.(?:myqcloud\.com|tencentcos\.cn)$"
)
# Design A29: the region a Host without one (an IP, localhost) is taken to be in.
DEFAULT_REGION = "ap-guangzhou"


class Service(StrEnum):
    COS = "cos"  # objects and download-time / persistent processing
    PIC = "pic"  # the styles API
    CI = "ci"  # asynchronous jobs (not served yet)


@dataclass(frozen=True)
class HostTarget:
    """`bucket` None means "the default bucket" (an IP address or localhost was used)."""

    bucket: str | None
    service: Service
    region: str | None


def split_port(host: str) -> tuple[str, str | None]:
    """`example.com:8080` -> (`example.com`, `8080`); IPv6 literals keep their brackets off."""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return host, None
        rest = host[end + 1 :]
        return host[1:end], rest[1:] if rest.startswith(":") else None
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, port
    return host, None


def _is_local_name(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def parse_host(host_header: str | None) -> HostTarget:
    """Route a Host: `<bucket>.<cos|cos-internal|pic|ci>.<region>.<domain>`, an IP or localhost."""
    if not host_header:
        raise InvalidHostError("the request has no Host header; COS routes by Host")
    name, _port = split_port(host_header.strip().lower())
    name = name.rstrip(".")
    if _is_local_name(name):
        return HostTarget(bucket=None, service=Service.COS, region=None)
    match = _SERVICE_HOST.match(name)
    if match is None or not BUCKET_NAME.match(match["bucket"]):
        raise InvalidHostError(
            f"Host {host_header!r} is not <bucket>.cos.<region>.myqcloud.com (or .pic., .ci., "
            ".cos-internal.<region>.tencentcos.cn), "
            "an IP address or localhost"
        )
    # `cos-internal` is the SDK's host under EnableOldDomain=False: the cos service.
    service = Service.COS if match["service"] == "cos-internal" else Service(match["service"])
    return HostTarget(bucket=match["bucket"], service=service, region=match["region"])
