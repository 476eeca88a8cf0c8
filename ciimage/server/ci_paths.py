"""Which requests are CI job calls, by path (design §3.1): the SDK sends them to the cos Host.

In IP mode every `ci_*` call of cos-python-sdk-v5 arrives with `Host: <bucket>.cos.<region>...`,
so job calls are recognised by their shape. On the ci host every request is a CI request; on the
cos host only the shapes below are, and a GET yields to an object stored at that key ("an
existing object wins", as for URL styles). The shapes that change state (POST, `PUT ?cancel`,
`PUT /picqueue/p...`) are never object writes: COS has no object POST without a sub-resource and
no `cancel` sub-resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

JOB_ID = re.compile(r"^[a-z][0-9a-f]{32}$")
QUEUE_ID = re.compile(r"^p[0-9a-f]{32}$")
JOB_ROOTS = ("pic_jobs", "jobs")
BATCH_ROOT = "inventorytriggerjob"
QUEUE_ROOT = "picqueue"


class CIRouteKind(StrEnum):
    CREATE_JOB = "create_job"
    GET_JOBS = "get_jobs"
    LIST_JOBS = "list_jobs"
    CANCEL_JOB = "cancel_job"
    CREATE_BATCH = "create_batch"
    GET_BATCH = "get_batch"
    LIST_BATCHES = "list_batches"
    CANCEL_BATCH = "cancel_batch"
    GET_QUEUES = "get_queues"
    UPDATE_QUEUE = "update_queue"
    UNKNOWN = "unknown"  # the ci host only: 404


@dataclass(frozen=True)
class CIRoute:
    kind: CIRouteKind
    ids: tuple[str, ...] = ()


def _only_response_params(params: set[str]) -> bool:
    return all(name.startswith("response-") for name in params)


def _collection(method: str, root: str, params: set[str]) -> CIRoute | None:
    """`/pic_jobs`, `/jobs`, `/inventorytriggerjob`, `/picqueue` without an id."""
    if method == "POST" and _only_response_params(params):
        if root in JOB_ROOTS:
            return CIRoute(CIRouteKind.CREATE_JOB)
        if root == BATCH_ROOT:
            return CIRoute(CIRouteKind.CREATE_BATCH)
    if method == "GET":
        marker = {"pic_jobs": "tag", "jobs": "tag", BATCH_ROOT: "type", QUEUE_ROOT: "state"}
        if marker[root] in params:
            kind = {
                "pic_jobs": CIRouteKind.LIST_JOBS,
                "jobs": CIRouteKind.LIST_JOBS,
                BATCH_ROOT: CIRouteKind.LIST_BATCHES,
                QUEUE_ROOT: CIRouteKind.GET_QUEUES,
            }[root]
            return CIRoute(kind)
    return None


def _member(method: str, root: str, rest: str, params: set[str]) -> CIRoute | None:
    """`/<root>/<id>[,<id>...]`, `/<root>/<id>?cancel`, `PUT /picqueue/<id>`."""
    if method == "PUT" and "cancel" in params and root in ("jobs", BATCH_ROOT):
        kind = CIRouteKind.CANCEL_JOB if root == "jobs" else CIRouteKind.CANCEL_BATCH
        return CIRoute(kind, (rest,))
    if method == "PUT" and root == QUEUE_ROOT and QUEUE_ID.match(rest):
        return CIRoute(CIRouteKind.UPDATE_QUEUE, (rest,))
    if method == "GET" and root in JOB_ROOTS:
        ids = tuple(rest.split(","))
        if all(JOB_ID.match(job_id) for job_id in ids):
            return CIRoute(CIRouteKind.GET_JOBS, ids)
    if method == "GET" and root == BATCH_ROOT and JOB_ID.match(rest):
        return CIRoute(CIRouteKind.GET_BATCH, (rest,))
    return None


def recognise(
    method: str,
    key: str,
    param_names: set[str],
    *,
    ci_host: bool,
    object_exists: Callable[[str], bool],
) -> CIRoute | None:
    """The CI call a request is, or None for an ordinary COS object request."""
    root, _, rest = key.partition("/")
    route: CIRoute | None = None
    if root in (*JOB_ROOTS, BATCH_ROOT, QUEUE_ROOT):
        # On the ci host a GET of a collection is its listing even without the parameter the
        # SDK always sends: the handler then names what is missing.
        marked = param_names | ({"tag", "type", "state"} if ci_host else set())
        route = (
            _member(method, root, rest, param_names) if rest else _collection(method, root, marked)
        )
    if ci_host:
        return route or CIRoute(CIRouteKind.UNKNOWN)
    if route is None:
        return None
    if method == "GET" and key and object_exists(key):
        return None  # an object stored at that key wins
    return route
