"""Deliver a scenario's changes and alerts to a running aiops (``Runtime``) over HTTP, each in its
source's own wire format (``sandbox.replay.wire``), at its time on the sandbox clock.

The same encoders as ``aiops replay``; the difference is the target: the webhooks of the real
process the demo started, so what follows (Slack message, paging, …) is that process's doing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from bot.clock import SandboxClock
from bot.errors import UpstreamUnavailable
from sandbox.replay import wire
from sandbox.replay.signer import SnsSigner


@dataclass
class Secrets:
    webhook_token: str
    pagerduty: str
    github: str


def _post(client: httpx.Client, path: str, body: bytes, headers: dict[str, str]) -> None:
    resp = client.post(path, content=body, headers=headers)
    if resp.status_code >= 300:
        raise UpstreamUnavailable(f"webhook {path} answered {resp.status_code}: {resp.text[:200]}")


def entries(scenario: Any) -> list[tuple[datetime, str, Any]]:
    """(when, kind, item) of every change (CloudTrail is served by the AWS sandbox) and alert."""
    out: list[tuple[Any, int, int, str, Any]] = []
    for i, ch in enumerate(scenario.changes):
        if ch.source != "cloudtrail":
            out.append((ch.at, 0, i, "change", ch))
    for i, al in enumerate(scenario.alerts):
        out.append((al.at, 1, i, "alert", al))
    out.sort(key=lambda e: (e[0], e[1], e[2]))
    return [(scenario.now + at, kind, item) for at, _, _, kind, item in out]


def deliver(
    scenario: Any,
    base_url: str,
    secrets: Secrets,
    clock: SandboxClock,
    *,
    on_item: Callable[[str, Any], None] | None = None,
) -> int:
    """Post everything in order; returns how many deliveries were made."""
    bearer = {"Authorization": f"Bearer {secrets.webhook_token}"}
    pd = wire.PagerDutyEncoder(secrets.pagerduty)
    metrics = {m.id: m for m in scenario.metrics}
    signer = SnsSigner()
    count = 0
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for when, kind, item in entries(scenario):
                clock.set(when)
                if kind == "change":
                    path, raw, headers = wire.change(item, when, github_secret=secrets.github)
                    auth = {} if path.endswith("/github") else bearer
                    _post(
                        client, path, raw, {"Content-Type": "application/json", **auth, **headers}
                    )
                else:
                    _alert(client, item, when, scenario, pd, signer, bearer, metrics)
                count += 1
                if on_item is not None:
                    on_item(kind, item)
    finally:
        signer.close()
    return count


def _alert(
    client: httpx.Client,
    alert: Any,
    when: datetime,
    scenario: Any,
    pd: wire.PagerDutyEncoder,
    signer: SnsSigner,
    bearer: dict[str, str],
    metrics: dict[str, Any],
) -> None:
    js = {"Content-Type": "application/json"}
    if alert.format == "alertmanager":
        body = json.dumps(wire.alertmanager(alert, when)).encode()
        _post(client, "/webhooks/alertmanager", body, {**js, **bearer})
    elif alert.format == "generic":
        _post(client, "/webhooks/generic", json.dumps(wire.generic(alert, when)).encode(),
              {**js, **bearer})  # fmt: skip
    elif alert.format == "pagerduty":
        raw, headers = pd.encode(alert, when)
        _post(client, "/webhooks/pagerduty", raw, {**js, **headers})
    else:
        envelope = wire.cloudwatch_sns(
            alert, when, region=scenario.region, metric=metrics.get(alert.metric or ""),
            signer=signer,
        )  # fmt: skip
        _post(client, "/webhooks/sns", json.dumps(envelope).encode(),
              {"Content-Type": "text/plain; charset=UTF-8"})  # fmt: skip
