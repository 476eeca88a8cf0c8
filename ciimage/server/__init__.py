"""The local COS + CI server behind `ciimage serve`.

`create_app(ServerConfig(root=...))` builds the Starlette application; `ciimage.cli.serve` runs
it under uvicorn. The pieces, one job each: `hosts` (which bucket a request is for), `signature`
(COS v5 request signatures), `atomic` (the one way a file is written), `storage` (buckets as
folders), `metadata` (headers kept with objects), `listing` (List Objects by an ordered walk),
`multipart` (staged uploads), `keylocks`, `ranges`, `ci_paths` (which cos-host requests are CI job
calls), `styles` (per-bucket styles), `picops` (the Pic-Operations header), `gate` (bounded
processing work), `engine` (the rule and image pipeline the rest of ciimage provides), `cosxml`
and `bucketxml` (COS XML bodies) and the route modules `objects`, `bucket_routes`,
`multipart_routes`, `copying`, `processing` and `style_routes`, joined by `app`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ciimage.server.app import create_app
    from ciimage.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]

# Imported on first use, so that a module of the package (storage, say, which the jobs and the
# CLI use without a server) does not pull in the app and, through it, the jobs that import it.
_LAZY = {"create_app": "ciimage.server.app", "ServerConfig": "ciimage.server.config"}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ciimage.server' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
