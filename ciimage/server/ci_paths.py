"""Which requests on the cos host are CI job calls (design §3.1, addendum ruling 28).

The official SDK sends its `ci_*` job calls with the cos Host, so they are told apart from object
requests by method, path and query alone. A shape COS itself never uses for objects is a job call
whatever exists (`POST /jobs`: COS has no object POST without a sub-resource; `?cancel`; a queue
update); a GET shape is one only when no object exists at that key ("an existing object wins", as
for URL styles). Only recognition lives here; answering is the jobs routes' business.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

JOB_RESOURCES = ("pic_jobs", "jobs", "inventorytriggerjob", "picqueue")
# The parameter the SDK always sends when it lists each resource.
_LIST_PARAMETER = {
    "pic_jobs": "tag",
    "jobs": "tag",
    "inventorytriggerjob": "type",
    "picqueue": "state",
}
_JOB_ID = r"[a-z][0-9a-f]{32}"
_ID_LIST = re.compile(rf"^{_JOB_ID}(?:,{_JOB_ID})*$")
_ONE_ID = re.compile(rf"^{_JOB_ID}$")
_QUEUE_ID = re.compile(r"^p[0-9a-f]{32}$")


@dataclass(frozen=True)
class JobCall:
    """`resource` one of JOB_RESOURCES; `action` create, list, get, cancel or update."""

    resource: str
    action: str
    target: str | None = None  # the id (or comma-joined ids) in the path


def _split(key: str) -> tuple[str, str | None]:
    resource, slash, rest = key.partition("/")
    return resource, (rest if slash else None)


def recognise_job_call(
    method: str,
    key: str,
    query_pairs: Sequence[tuple[str, str]],
    object_exists: Callable[[], bool],
) -> JobCall | None:
    """The job call a request on the cos host is, or None for an ordinary COS request.

    `key` is the decoded path without its leading `/`; `object_exists` is asked only for the
    GET shapes, where a stored object of that key takes precedence.
    """
    resource, rest = _split(key)
    if resource not in JOB_RESOURCES:
        return None
    names = {name.lower() for name, _ in query_pairs}
    if method == "POST" and rest is None and resource != "picqueue":
        if all(name.startswith("response-") for name in names):
            return JobCall(resource, "create")
        return None
    if (
        method == "PUT"
        and rest
        and "cancel" in names
        and resource in ("jobs", "inventorytriggerjob")
    ):
        return JobCall(resource, "cancel", rest)
    if method == "PUT" and resource == "picqueue" and rest and _QUEUE_ID.match(rest):
        return JobCall(resource, "update", rest)
    if method != "GET":
        return None
    if rest is None and _LIST_PARAMETER[resource] in names and not object_exists():
        return JobCall(resource, "list")
    pattern = _ONE_ID if resource == "inventorytriggerjob" else _ID_LIST
    if rest and resource != "picqueue" and pattern.match(rest) and not object_exists():
        return JobCall(resource, "get", rest)
    return None
