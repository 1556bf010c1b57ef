"""Every webhook endpoint: the happy path, dedup, and every kind of bad input (4xx + reason,
nothing stored)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.ingest.signatures import github_signature, pagerduty_signature
from sandbox.replay import wire
from tests.integration.ingest.harness import GH_SECRET, NOW, PD_SECRETS, Harness, running

TOPOLOGY = {"web": ["api"], "api": ["db"], "db": []}


@pytest.fixture(scope="module")
def h(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with running(tmp_path_factory.mktemp("ingest"), TOPOLOGY) as harness:
        yield harness


class A:  # a scenario-like alert for the wire encoders
    def __init__(self, name: str, service: str, status: str = "firing", **labels: str) -> None:
        self.id, self.name, self.service, self.status = name, name, service, status
        self.severity, self.summary, self.labels, self.metric = (
            "critical",
            f"{name} x",
            labels,
            None,
        )


def am(name: str, service: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return wire.alertmanager(A(name, service, status, **labels), NOW)


def pd_body(event_type: str = "incident.triggered", key: str = "k1", at: Any = NOW) -> bytes:
    enc = wire.PagerDutyEncoder(PD_SECRETS[0])
    raw, _ = enc.encode(A("PdAlert", "web"), at)
    body = json.loads(raw)
    body["event"]["event_type"] = event_type
    body["event"]["data"]["incident_key"] = key
    return json.dumps(body).encode()


def sns(h: Harness, alert: A, *, at: Any = NOW, version: str = "2") -> dict[str, Any]:
    env = wire.cloudwatch_sns(alert, at, region="us-east-1", metric=None, signer=h.signer)
    return h.signer.sign({k: v for k, v in env.items() if k != "Signature"}, version)


def test_alertmanager_stores_dedups_and_groups(h: Harness) -> None:
    before = h.counts()
    r = h.post("/webhooks/alertmanager", am("ApiDown", "api"), h.bearer)
    assert r.status_code == 200, r.text
    inc = r.json()["incidents"][0]
    r2 = h.post("/webhooks/alertmanager", am("ApiDown", "api"), h.bearer)
    assert r2.json()["alerts"] == r.json()["alerts"]  # a repeat updates, never duplicates
    r3 = h.post("/webhooks/generic", wire.generic(A("DbDown", "db"), NOW), h.bearer)
    assert r3.json()["incidents"] == [inc]
    after = h.counts()
    assert after[0] - before[0] == 2 and after[1] - before[1] == 1
    view = h.flows.view(inc)
    assert view.root_alert is not None and view.root_alert.service == "db"
    assert view.title.startswith("db:")
    assert h.publisher.of(inc, "publish") and h.publisher.of(inc, "thread")


def test_resolved_alerts_offer_to_resolve(h: Harness) -> None:
    r = h.post("/webhooks/alertmanager", am("Lonely", "solo"), h.bearer)
    inc = r.json()["incidents"][0]
    h.post("/webhooks/alertmanager", am("Lonely", "solo", "resolved"), h.bearer)
    texts = [m.text for m in h.publisher.of(inc, "thread")]
    assert any("Resolve it?" in t for t in texts)
    assert h.flows.view(inc).status == "triggered"


def test_pagerduty_rotation_and_owned_incident_ack(h: Harness) -> None:
    raw = pd_body(key="pd-alert-1")
    sigs = ",".join(pagerduty_signature(raw, s) for s in ["stale-secret", PD_SECRETS[1]])
    r = h.post("/webhooks/pagerduty", raw, {"X-PagerDuty-Signature": sigs})
    assert r.status_code == 200, r.text
    inc = r.json()["incidents"][0]
    with h.db.session() as s:
        from bot.store import Incident

        row = s.get(Incident, inc)
        assert row is not None
        row.pagerduty_dedup_key = "ours-1"
    heard: list[tuple[str, str]] = []
    h.flows.listeners.append(lambda v, status, source: heard.append((status, source)))
    raw = pd_body("incident.acknowledged", key="ours-1")
    r = h.post(
        "/webhooks/pagerduty",
        raw,
        {"X-PagerDuty-Signature": pagerduty_signature(raw, PD_SECRETS[0])},
    )
    assert r.json() == {"incident": inc, "action": "acknowledged"}
    assert heard == [("acknowledged", "pagerduty")]
    assert h.flows.view(inc).acknowledged_at == h.clock.now()
    again = h.post(
        "/webhooks/pagerduty",
        raw,
        {"X-PagerDuty-Signature": pagerduty_signature(raw, PD_SECRETS[0])},
    )
    assert again.json() == {"duplicate": True}
    h.flows.listeners.clear()


def test_sns_subscription_alarm_and_eventbridge(h: Harness) -> None:
    confirm = h.signer.sign(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": "m-sub",
            "Token": "tok",
            "TopicArn": "arn:aws:sns:us-east-1:1:t",
            "Message": "confirm please",
            "SubscribeURL": h.signer.subscribe_url("tok"),
            "Timestamp": NOW.isoformat().replace("+00:00", "Z"),
        }
    )
    before = h.signer.confirmations
    assert h.post("/webhooks/sns", confirm).status_code == 200
    assert h.signer.confirmations == before + 1
    r = h.post("/webhooks/sns", sns(h, A("web-5xx", "web", env="prod"), version="1"))
    assert r.status_code == 200, r.text
    guru = {
        "version": "0",
        "id": "e1",
        "detail-type": "DevOps Guru New Insight Open",
        "source": "aws.devops-guru",
        "time": "2025-03-22T19:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"insightId": "ins-1", "insightSeverity": "high", "insightType": "REACTIVE"},
    }
    env = h.signer.sign(
        {
            "Type": "Notification",
            "MessageId": "m-guru",
            "TopicArn": "arn:aws:sns:us-east-1:1:t",
            "Message": json.dumps(guru),
            "Timestamp": "2025-03-22T19:00:00.000Z",
        }
    )
    r = h.post("/webhooks/sns", env)
    assert r.status_code == 200 and r.json()["accepted"] == 1


def test_change_webhooks_store_change_events(h: Harness) -> None:
    class C:
        at, kind, service, source = None, "deployment", "api", "github"
        version, previous, actor, detail = "v2", "v1", "dev", {"commit": "abc"}

    before = h.counts()[2]
    for source in ("github", "argocd", "jenkins", "manual"):
        C.source = source
        path, raw, headers = wire.change(C, NOW, github_secret=GH_SECRET)
        hdrs = headers if source == "github" else {**h.bearer, **headers}
        r = h.post(path, raw, hdrs)
        assert r.status_code == 200 and r.json()["created"] is True, (source, r.text)
    assert h.counts()[2] == before + 4


def _bad_cases(h: Harness) -> list[tuple[str, str, bytes, dict[str, str], int]]:
    good_am = json.dumps(am("X", "api")).encode()
    pd_raw = pd_body(key="never")
    pd_sig = {"X-PagerDuty-Signature": pagerduty_signature(pd_raw, PD_SECRETS[0])}
    stale_pd = pd_body(key="stale", at=NOW - timedelta(minutes=6))
    gh = json.dumps({"repository": {"name": "x"}}).encode()
    tampered = sns(h, A("t", "api"))
    tampered["Message"] = tampered["Message"].replace("ALARM", "OK")
    bad_host = sns(h, A("t", "api"))
    bad_host["SigningCertURL"] = "http://evil.example.com/cert.pem"
    stale_sns = sns(h, A("t", "api"), at=NOW - timedelta(minutes=10))
    return [
        ("am no token", "/webhooks/alertmanager", good_am, {}, 401),
        ("am wrong token", "/webhooks/alertmanager", good_am, {"Authorization": "Bearer x"}, 401),
        ("am malformed", "/webhooks/alertmanager", b"{not json", h.bearer, 422),
        (
            "am content type",
            "/webhooks/alertmanager",
            good_am,
            {**h.bearer, "Content-Type": "text/plain"},
            415,
        ),
        ("am version", "/webhooks/alertmanager", good_am.replace(b'"4"', b'"3"'), h.bearer, 422),
        ("am missing field", "/webhooks/alertmanager", b'{"version":"4"}', h.bearer, 422),
        ("am too big", "/webhooks/alertmanager", b" " * 1_000_001, h.bearer, 413),
        ("generic missing", "/webhooks/generic", b'{"version":"1","alerts":[{}]}', h.bearer, 422),
        ("generic version", "/webhooks/generic", b'{"version":"9","alerts":[]}', h.bearer, 422),
        ("pd no sig", "/webhooks/pagerduty", pd_raw, {}, 401),
        ("pd bad sig", "/webhooks/pagerduty", pd_raw, {"X-PagerDuty-Signature": "v1=00"}, 401),
        (
            "pd stale",
            "/webhooks/pagerduty",
            stale_pd,
            {"X-PagerDuty-Signature": pagerduty_signature(stale_pd, PD_SECRETS[0])},
            401,
        ),
        (
            "pd not json",
            "/webhooks/pagerduty",
            b"[",
            {"X-PagerDuty-Signature": pagerduty_signature(b"[", PD_SECRETS[0])},
            422,
        ),
        ("pd sig header body swap", "/webhooks/pagerduty", pd_raw + b" ", pd_sig, 401),
        ("sns tampered", "/webhooks/sns", json.dumps(tampered).encode(), {}, 401),
        ("sns cert host", "/webhooks/sns", json.dumps(bad_host).encode(), {}, 401),
        ("sns stale", "/webhooks/sns", json.dumps(stale_sns).encode(), {}, 401),
        ("sns type", "/webhooks/sns", b'{"Type":"Nope"}', {}, 422),
        ("gh no sig", "/webhooks/changes/github", gh, {"X-GitHub-Event": "workflow_run"}, 401),
        (
            "gh bad event",
            "/webhooks/changes/github",
            gh,
            {"X-GitHub-Event": "push", "X-Hub-Signature-256": github_signature(gh, GH_SECRET)},
            422,
        ),
        ("argocd missing", "/webhooks/changes/argocd", b'{"app":"x"}', h.bearer, 422),
        ("jenkins no token", "/webhooks/changes/jenkins", b"{}", {}, 401),
        ("manual bad kind", "/webhooks/changes/manual", b'{"kind":"party"}', h.bearer, 422),
    ]


def test_every_bad_input_is_a_4xx_with_reason_and_stores_nothing(h: Harness) -> None:
    for name, path, raw, headers, status in _bad_cases(h):
        before = h.counts()
        r = h.post(path, raw, headers)
        assert r.status_code == status, (name, r.status_code, r.text)
        assert r.json()["error"], name
        assert h.counts() == before, name


def test_streamed_body_over_limit_without_content_length(h: Harness) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 60_000

    r = h.client.post(
        "/webhooks/generic",
        content=chunks(),
        headers={**h.bearer, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and "body over" in r.json()["error"]


def test_healthz(h: Harness) -> None:
    r = h.client.get("/healthz")
    assert r.status_code == 200 and r.json()["ok"] is True


def test_unknown_path_is_json_404(tmp_path: Path, h: Harness) -> None:
    r = h.client.post("/webhooks/nope")
    assert r.status_code == 404 and r.json() == {"error": "no such endpoint"}
    assert isinstance(h.client, httpx.Client)
