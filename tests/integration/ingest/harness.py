"""A running webhook server on loopback for the ingest tests: real uvicorn, real httpx client,
a migrated SQLite file, the sandbox SNS signer serving its certificate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import func, select

from bot.clock import SandboxClock
from bot.config import Settings, load_settings
from bot.incidents.flows import IncidentFlows
from bot.incidents.ports import RecordingPublisher
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.sns import SnsVerifier
from bot.store import Alert, ChangeEvent, Database, Incident, TimelineEvent, connect
from bot.store.migrate import upgrade
from bot.topology import Topology
from handlers.http import HttpServices, create_http_app
from handlers.replay.server import BackgroundServer
from integrations.sns_http import fetch_url
from sandbox.replay.signer import SnsSigner

NOW = datetime(2025, 3, 22, 19, 0, tzinfo=UTC)
TOKEN = "t0ken-for-tests"
PD_SECRETS = ["pd-old-secret", "pd-new-secret"]
GH_SECRET = "gh-secret"


@dataclass
class Harness:
    client: httpx.Client
    db: Database
    flows: IncidentFlows
    publisher: RecordingPublisher
    clock: SandboxClock
    signer: SnsSigner
    settings: Settings

    def counts(self) -> tuple[int, int, int, int]:
        with self.db.session() as s:
            return tuple(  # type: ignore[return-value]
                int(s.exec(select(func.count()).select_from(t)).one())
                for t in (Alert, Incident, ChangeEvent, TimelineEvent)
            )

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        return self.client.post(path, content=raw, headers=hdrs)

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def running(
    tmp: Path, topology: dict[str, list[str]] | None = None, *, url: str | None = None
) -> Iterator[Harness]:
    """The server on a fresh SQLite file, or on ``url`` (an already migrated database)."""
    if url is None:
        url = f"sqlite:///{tmp / 'ingest.db'}"
        db = connect(url)
        upgrade(db.engine)
    else:
        db = connect(url)
    settings = load_settings(
        database_url=url,
        aiops_webhook_token=TOKEN,
        github_webhook_secret=GH_SECRET,
        pagerduty_webhook_secrets=PD_SECRETS,
        aiops_sns_host_pattern=r"^127\.0\.0\.1$",
        aiops_sns_require_https=False,
    )
    clock = SandboxClock(NOW)
    publisher = RecordingPublisher()
    flows = IncidentFlows(db, clock=clock, topology=Topology(topology or {}), publisher=publisher)
    pipeline = IngestPipeline(flows)
    signer = SnsSigner()
    verifier = SnsVerifier(fetch_url, host_pattern=r"^127\.0\.0\.1$", require_https=False)
    services = HttpServices(settings, flows, pipeline, verifier, clock)
    try:
        with (
            BackgroundServer(create_http_app(services)) as server,
            httpx.Client(base_url=server.url, timeout=10) as client,
        ):
            yield Harness(client, db, flows, publisher, clock, signer, settings)
    finally:
        pipeline.stop()
        signer.close()
        db.dispose()
