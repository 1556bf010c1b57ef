"""Docs move with code: the README lists every ``/aiops`` sub-command with the usage ``/aiops
help`` shows, and the tables of docs/webhooks.md + docs/operations.md list every HTTP route
the app serves (and no route it does not)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import SandboxClock
from bot.config import load_settings
from bot.incidents.flows import IncidentFlows
from bot.incidents.ports import RecordingPublisher
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.sns import SnsVerifier
from bot.store import connect
from bot.store.migrate import upgrade
from bot.topology import Topology
from handlers.http import HttpServices, create_http_app
from handlers.slack.commands import COMMAND, SUBCOMMANDS
from integrations.sns_http import fetch_url
from tests.conftest import ROOT

ENDPOINT_DOCS = ("docs/webhooks.md", "docs/operations.md")


def _inline_code(text: str) -> set[str]:
    """Every `inline code` span of a Markdown text, a span broken over lines joined by a space."""
    return {" ".join(span.split()) for span in re.findall(r"`([^`]+)`", text)}


def test_every_slash_command_is_in_the_readme_with_its_usage() -> None:
    readme = (ROOT / "README.md").read_text()
    paragraph = readme.split("\nIn Slack, ", 1)[1].split("\n\n", 1)[0]
    spans = _inline_code(paragraph)
    missing = [
        sub.usage for sub in SUBCOMMANDS if sub.usage.removeprefix(f"{COMMAND} ") not in spans
    ]
    assert not missing, f"add to the README's Slack paragraph (as `/aiops help` shows): {missing}"


def _served(tmp: Path) -> set[str]:
    url = f"sqlite:///{tmp / 'routes.db'}"
    db = connect(url)
    upgrade(db.engine)
    clock = SandboxClock(datetime(2025, 3, 1, tzinfo=UTC))
    flows = IncidentFlows(db, clock=clock, topology=Topology({}), publisher=RecordingPublisher())
    verifier = SnsVerifier(fetch_url, host_pattern=r"^127\.0\.0\.1$", require_https=False)
    services = HttpServices(load_settings(database_url=url), flows, IngestPipeline(flows),
                            verifier, clock)  # fmt: skip
    app = create_http_app(services)
    # the OpenAPI schema: every route, those of included routers too (not served: openapi_url=None)
    paths = app.openapi()["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}


def test_every_http_route_is_documented_and_only_those(tmp_path: Path) -> None:
    served = _served(tmp_path)
    rows = [line for doc in ENDPOINT_DOCS for line in (ROOT / doc).read_text().splitlines()]
    pattern = re.compile(r"^\| `((?:GET|POST|PUT|DELETE) /\S+)` \|")
    documented = {m[1] for row in rows if (m := pattern.match(row))}
    documented = {d for d in documented if "…" not in d}  # `POST /webhooks/…`: a pointer
    assert {"GET /healthz", "POST /webhooks/alertmanager"} <= served  # the app was walked
    assert not served - documented, f"document in {ENDPOINT_DOCS}: {served - documented}"
    assert not documented - served, f"documented, not served: {documented - served}"
