"""What every route shares: configuration, stores, the gate, the verifier and the engine."""

from __future__ import annotations

from dataclasses import dataclass

from ciimage.server.config import ServerConfig
from ciimage.server.engine import Engine, Resolver
from ciimage.server.errors import InvalidHostError
from ciimage.server.gate import ProcessingGate
from ciimage.server.hosts import HostTarget
from ciimage.server.multipart import MultipartStore
from ciimage.server.signature import SignatureVerifier
from ciimage.server.storage import BucketStore
from ciimage.server.styles import StyleStore


@dataclass
class ServerState:
    config: ServerConfig
    engine: Engine
    store: BucketStore
    multipart: MultipartStore
    styles: StyleStore
    gate: ProcessingGate
    verifier: SignatureVerifier | None

    @classmethod
    def build(cls, config: ServerConfig, engine: Engine) -> ServerState:
        store = BucketStore(config.root)
        verifier = None
        if config.secret_id is not None and config.secret_key is not None:
            verifier = SignatureVerifier(config.secret_id, config.secret_key)
        return cls(
            config=config,
            engine=engine,
            store=store,
            multipart=MultipartStore(store),
            styles=StyleStore(store.root, config.style_separators),
            gate=ProcessingGate(config.max_concurrency, config.max_queue),
            verifier=verifier,
        )

    def bucket_for(self, target: HostTarget) -> str:
        """The bucket a Host names; for an IP or localhost, the default bucket."""
        if target.bucket is not None:
            return target.bucket
        if self.config.default_bucket is not None:
            return self.config.default_bucket
        buckets = self.store.buckets()
        if len(buckets) == 1:
            return buckets[0]
        raise InvalidHostError(
            "a request to an IP address or localhost needs a default bucket: start the server "
            f"with --default-bucket, or keep exactly one bucket under the root (found "
            f"{len(buckets)}), or send Host: <bucket>.cos.<region>.myqcloud.com"
        )

    def resolver_for(self, bucket: str) -> Resolver:
        return self.engine.resolver(self.store.root, bucket)
