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

from ciimage.server.app import create_app
from ciimage.server.config import ServerConfig

__all__ = ["ServerConfig", "create_app"]
