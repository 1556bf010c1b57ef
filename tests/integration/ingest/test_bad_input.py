"""Bad input that used to get a 500 gets a 4xx naming the field, on SQLite AND on PostgreSQL,
through the real app on uvicorn: nothing is stored, and the server keeps answering."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.ingest.signatures import github_signature
from sandbox.replay import wire
from tests.dbfixtures import _fresh_pg
from tests.integration.ingest.harness import GH_SECRET, NOW, Harness, running

DEEP = 10_000
PLAIN = {"Content-Type": "text/plain"}  # how SNS posts
ALERT_ENDPOINTS = ["/webhooks/alertmanager", "/webhooks/generic"]
BEARER_ENDPOINTS = [
    *ALERT_ENDPOINTS,
    "/webhooks/changes/argocd",
    "/webhooks/changes/jenkins",
    "/webhooks/changes/manual",
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def h(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Harness]:
    tmp: Path = tmp_path_factory.mktemp("badinput")
    url = None
    if request.param == "postgres":
        url = _fresh_pg(request.getfixturevalue("pg_cluster"))
    with running(tmp, {"api": ["db"], "db": []}, url=url) as harness:
        yield harness


def deep(depth: int = DEEP) -> bytes:
    return b'{"version": "1", "alerts": ' + b"[" * depth + b"]" * depth + b"}"


def refused(
    h: Harness, path: str, body: Any, status: int = 422, headers: Mapping[str, str] | None = None
) -> str:
    """POST, expect a refusal with ``status``, nothing stored; returns the reason."""
    before = h.counts()
    r = h.post(path, body, {**h.bearer, **(headers or {})})
    assert r.status_code == status, (path, r.status_code, r.text)
    assert h.counts() == before
    assert h.client.get("/healthz").status_code == 200
    return str(r.json()["error"])


def generic(**alert: Any) -> dict[str, Any]:
    return {"version": "1", "alerts": [{"name": "BadInput", "service": "api", **alert}]}


def am(labels: dict[str, str], **alert: Any) -> dict[str, Any]:
    return {
        "version": "4",
        "status": "firing",
        "alerts": [
            {"status": "firing", "labels": {"alertname": "BadInput", **labels}, **alert},
        ],
    }


@pytest.mark.parametrize("path", BEARER_ENDPOINTS)
def test_deep_nesting_is_a_422_on_every_bearer_endpoint(h: Harness, path: str) -> None:
    assert "nested deeper" in refused(h, path, deep())


def test_deep_nesting_on_signed_endpoints_is_refused_cleanly(h: Harness) -> None:
    body = deep()
    sig = github_signature(body, GH_SECRET)
    gh = {"X-Hub-Signature-256": sig, "X-GitHub-Event": "deployment_status"}
    assert "nested deeper" in refused(h, "/webhooks/changes/github", body, headers=gh)
    # SNS parses before it can verify; the parse is bounded, so no credentials reach a 500
    assert "nested deeper" in refused(h, "/webhooks/sns", body, headers=PLAIN)
    assert refused(h, "/webhooks/pagerduty", body, 401)  # PagerDuty verifies the HMAC first


def test_sns_checks_the_certificate_host_before_the_signature(h: Harness) -> None:
    env = wire.cloudwatch_sns(wire_alert(), NOW, region="us-east-1", metric=None, signer=h.signer)
    env.update(SigningCertURL="http://sns.evil.example/cert.pem", Signature="%%not base64%%")
    reason = refused(h, "/webhooks/sns", env, 401, headers=PLAIN)
    assert "not an allowed SNS host" in reason
    env = wire.cloudwatch_sns(wire_alert(), NOW, region="us-east-1", metric=None, signer=h.signer)
    typ = {"Content-Type": "text/plain", "x-amz-sns-message-type": "Bogus"}
    assert "x-amz-sns-message-type" in refused(h, "/webhooks/sns", env, headers=typ)


def wire_alert() -> Any:
    class A:
        id = name = "SnsBad"
        service, status, severity, summary = "api", "firing", "critical", ""
        labels: dict[str, str] = {}
        metric = None

    return A()


@pytest.mark.parametrize(
    "message",
    [
        {"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": {"Metrics": 5}},
        {"AlarmName": "x", "NewStateValue": "ALARM", "AlarmDescription": ["a"]},
        {"detail-type": "AWS Health Event", "detail": {"eventArn": "a", "affectedEntities": 1}},
        {"AlarmName": "x", "NewStateValue": "ALARM", "StateChangeTime": "9999-12-31T23:59:59Z"},
    ],
)
def test_signed_sns_message_of_the_wrong_shape_is_a_422(h: Harness, message: Any) -> None:
    env = wire.cloudwatch_sns(wire_alert(), NOW, region="us-east-1", metric=None, signer=h.signer)
    unsigned = {k: v for k, v in env.items() if k not in ("Signature", "SigningCertURL")}
    signed = h.signer.sign({**unsigned, "Message": json.dumps(message)})
    assert refused(h, "/webhooks/sns", signed, headers=PLAIN)


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:01Z", "2025-03-22T19:00:00"]
)
def test_extreme_or_naive_alert_times_are_a_422_with_the_field(h: Harness, when: str) -> None:
    reason = refused(h, "/webhooks/generic", generic(starts_at=when))
    assert "alerts.0.starts_at" in reason
    reason = refused(h, "/webhooks/alertmanager", am({}, startsAt=when))
    assert "alerts[0].startsAt" in reason


def test_a_manual_change_without_a_timezone_is_a_422(h: Harness) -> None:
    body = {"kind": "deployment", "service": "api", "at": "2025-03-22T18:50:00"}
    assert "timezone" in refused(h, "/webhooks/changes/manual", body)
    assert "out of range" in refused(
        h, "/webhooks/changes/manual", {**body, "at": "9999-12-31T23:59:59Z"}
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/webhooks/generic", generic(labels={"env": "pr\x00od"}), "labels.env"),
        ("/webhooks/generic", generic(name="Bad\x00Name"), "alerts[0].name"),
        ("/webhooks/generic", generic(annotations={"x": float("nan")}), "annotations.x"),
        ("/webhooks/generic", generic(annotations={"x": [float("inf")]}), "annotations.x[0]"),
        ("/webhooks/alertmanager", am({"env": "a\x00"}), "labels.env"),
        ("/webhooks/alertmanager", am({"alertname": "Bad\x00"}), "labels.alertname"),
        ("/webhooks/generic", generic(annotations={"n": 2**70}), "annotations.n"),
        ("/webhooks/changes/manual", {"kind": "config", "version": "v\x00"}, "version"),
        ("/webhooks/changes/manual", {"kind": "config", "detail": {"x": float("nan")}}, "detail.x"),
    ],
)
def test_nul_nan_and_huge_numbers_are_a_422_on_both_engines(
    h: Harness, path: str, body: Any, field: str
) -> None:
    assert field in refused(h, path, body)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/webhooks/alertmanager", am({"service": "s" * 300}), "alerts[0].service"),
        ("/webhooks/alertmanager", am({}, generatorURL="http://x/" + "g" * 300), "external_id"),
        ("/webhooks/alertmanager", am({}, fingerprint="f" * 129), "fingerprint"),
        ("/webhooks/changes/argocd", {"app": "a" * 300, "revision": "r"}, "service"),
        ("/webhooks/changes/jenkins", {"name": "j" * 300, "build": {"number": 1}}, "service"),
    ],
)
def test_strings_longer_than_their_columns_are_a_422_on_both_engines(
    h: Harness, path: str, body: Any, field: str
) -> None:
    if path.endswith("jenkins"):  # a build that did not succeed is ignored, not stored
        body["build"].update(phase="COMPLETED", status="SUCCESS")
    assert field in refused(h, path, body)


def test_the_server_still_stores_good_alerts_after_all_that(h: Harness) -> None:
    before = h.counts()
    r = h.post("/webhooks/generic", generic(labels={"env": "prod"}), h.bearer)
    assert r.status_code == 200, r.text
    assert h.counts()[0] == before[0] + 1
    assert h.flows.view(r.json()["incidents"][0]).changes == ()
