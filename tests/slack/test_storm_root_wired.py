"""A detector storm through the real wiring (webhook → ingest → correlator → the incident's
Slack message, over the local Slack server and Bolt's socket mode): the message says which
service the storm's root is, on what basis, how sure, and the evidence with its times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import load_settings
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from handlers.slack.wiring import Runtime
from sandbox.slack import LocalSlack, Message

TOKEN = "storm-webhook-token"
T0 = datetime(2025, 5, 1, 10, 2, 3, tzinfo=UTC)


def _alert(name: str, service: str, labels: dict[str, str], at: datetime) -> dict[str, Any]:
    return {
        "name": name, "status": "firing", "severity": "critical", "service": service,
        "summary": "", "labels": labels, "starts_at": at.isoformat(),
    }  # fmt: skip


@pytest.fixture(scope="module")
def slack_env(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalSlack, httpx.Client]]:
    where = Path(tmp_path_factory.mktemp("storm"))
    url = f"sqlite:///{where / 'aiops.db'}"
    topology = where / "topology.yaml"
    topology.write_text(
        "services:\n  - {name: web, depends_on: [orders]}\n  - {name: orders, depends_on: []}\n",
        encoding="utf-8",
    )
    db = connect_db(url)
    upgrade(db.engine)
    db.dispose()
    with LocalSlack() as slack:
        slack.add_channel("incidents")
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-storm", slack_app_token="xapp-storm",
            slack_api_url=slack.api_url, aiops_http_port=0, aiops_webhook_token=TOKEN,
            aiops_slack_channel="#incidents", aiops_escalation_tick_s=3600,
            aiops_topology_file=str(topology),
        )  # fmt: skip
        runtime = Runtime(settings).start()
        try:
            slack.wait_connected()
            with httpx.Client(base_url=f"http://127.0.0.1:{runtime.http_port}") as http:
                yield slack, http
        finally:
            runtime.stop()


def test_the_incident_message_shows_the_storm_root_with_basis_and_confidence(
    slack_env: tuple[LocalSlack, httpx.Client],
) -> None:
    slack, http = slack_env
    own = [
        _alert(f"metric:{kpi}:up", "orders", {"entity": "orders-0", "kpi": kpi}, T0)
        for kpi in ("cpu_usage", "memory_usage", "threads")
    ]
    later = T0 + timedelta(seconds=40)
    calls = [
        _alert("trace:PD", "orders", {"caller": f"web-{i}", "callee": "orders-0"}, later)
        for i in range(2)
    ]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = http.post("/webhooks/generic", json={"version": "1", "alerts": own}, headers=auth)
    assert first.status_code == 200, first.text
    message: Message = slack.wait_for(lambda: next(iter(slack.messages("incidents")), None), 20)
    assert "root service" not in message.all_text  # not a storm yet: no verdict to show
    second = http.post("/webhooks/generic", json={"version": "1", "alerts": calls}, headers=auth)
    assert second.status_code == 200, second.text

    def shown() -> Message | None:
        found = slack.messages("incidents")
        return found[0] if found and "root service" in found[0].all_text else None

    card = slack.wait_for(shown, 20)
    assert len(slack.messages("incidents")) == 1  # the same message, edited
    text = card.all_text
    assert "root service orders (confidence 0." in text
    assert "from its own anomalies" in text
    assert "orders-0's own anomalies (cpu_usage up" in text
    assert "the first at 10:02:03, 40 s before the first symptom" in text
