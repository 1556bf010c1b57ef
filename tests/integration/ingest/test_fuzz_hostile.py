"""Property: well-formed, authenticated deliveries to every webhook with ONE hostile value put
anywhere (nesting up to 10,000 deep, extreme or naive dates, NUL, lone surrogates, NaN,
Infinity, 1e999, integers past 64 bits or past the parser's digit limit, over-long strings)
never get a 5xx, store nothing when refused, and the server keeps answering. Signed endpoints
are signed after the mutation, so the parsers behind the signature are what gets fuzzed.
Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest.signatures import github_signature, pagerduty_signature
from tests.dbfixtures import _fresh_pg
from tests.integration.ingest.harness import GH_SECRET, NOW, PD_SECRETS, Harness, running

ISO = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
PLACEHOLDER = "\u2603hostile\u2603"


def bases() -> dict[str, Any]:
    """A valid body per endpoint (fresh ids each call, so a valid delivery is never a dup)."""
    uid = uuid.uuid4().hex[:8]
    return {
        "/webhooks/alertmanager": {
            "version": "4",
            "status": "firing",
            "commonLabels": {"env": "prod"},
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": f"Fz{uid}", "service": "api"},
                    "annotations": {"summary": "s"},
                    "startsAt": ISO,
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prom/graph",
                    "fingerprint": uid,
                }
            ],
        },
        "/webhooks/generic": {
            "version": "1",
            "alerts": [
                {
                    "name": f"Fz{uid}",
                    "service": "api",
                    "labels": {"env": "prod"},
                    "annotations": {"runbook": "r", "n": [1, 2.5]},
                    "starts_at": ISO,
                }
            ],
        },
        "/webhooks/pagerduty": {
            "event": {
                "id": uid,
                "event_type": "incident.triggered",
                "resource_type": "incident",
                "occurred_at": ISO,
                "agent": {"summary": "a"},
                "data": {
                    "id": f"Q{uid}",
                    "incident_key": f"k{uid}",
                    "title": "t",
                    "service": {"summary": "api"},
                    "urgency": "high",
                },
            }
        },
        "/webhooks/sns": {
            "AlarmName": f"Fz{uid}",
            "AlarmDescription": "cpu high\nservice=api",
            "NewStateValue": "ALARM",
            "NewStateReason": "r",
            "StateChangeTime": NOW.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "AlarmArn": f"arn:aws:cloudwatch:us-east-1:1:alarm:{uid}",
            "Trigger": {"Dimensions": [{"name": "DBInstanceIdentifier", "value": "db"}]},
        },
        "/webhooks/changes/github": {
            "deployment_status": {"state": "success", "created_at": ISO},
            "deployment": {"id": uid, "environment": "prod", "ref": "v1", "payload": {}},
            "repository": {"name": "api", "full_name": "o/api"},
        },
        "/webhooks/changes/argocd": {"app": "api", "revision": uid, "finished_at": ISO},
        "/webhooks/changes/jenkins": {
            "name": "api",
            "build": {"number": uid, "phase": "COMPLETED", "status": "SUCCESS"},
        },
        "/webhooks/changes/manual": {"kind": "deployment", "service": "api", "at": ISO, "id": uid},
    }


def slots(value: Any, out: list[tuple[Any, Any]] | None = None) -> list[tuple[Any, Any]]:
    """Every (container, key) whose value can be replaced, plus a new key per object."""
    out = [] if out is None else out
    if isinstance(value, dict):
        out.append((value, "zz_extra"))
        for key, child in value.items():
            out.append((value, key))
            slots(child, out)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out.append((value, i))
            slots(child, out)
    return out


# (JSON value to put in the body, raw bytes that replace it, or None to keep json.dumps's text)
HOSTILE_RAW = {
    "deep-list": lambda d: b"[" * d + b"]" * d,
    "deep-object": lambda d: b'{"a":' * d + b"1" + b"}" * d,
    "huge-int": lambda d: b"9" * (19 + d % 6000),
    "huge-exp": lambda d: b"1e" + str(309 + d).encode(),
}
hostile_values: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(
        [
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:01Z",
            "1969-12-31T23:59:59Z",
            "2100-01-01T00:00:00Z",
            "2025-03-22T19:00:00",
            "2025-03-22T19:00:00+14:00",
            "x\x00y",
            "\x00",
            "\ud800",
            "a\udfffb",
            "s" * 300,
            float("nan"),
            float("inf"),
            float("-inf"),
            2**63,
            -(2**63) - 1,
            2**64,
            0,
            -1,
            True,
            None,
            [],
            {},
        ]
    ),
    st.tuples(st.sampled_from(sorted(HOSTILE_RAW)), st.sampled_from([5, 200, 202, 1_000, 10_000])),
)


def encode(body: Any, hostile: Any) -> bytes:
    raw = json.dumps(body).encode()
    if isinstance(hostile, tuple):
        kind, depth = hostile
        raw = raw.replace(json.dumps(PLACEHOLDER).encode(), HOSTILE_RAW[kind](depth))
    return raw


def deliver(h: Harness, path: str, body: Any, hostile: Any) -> Any:
    headers = {"Content-Type": "application/json"}
    if path == "/webhooks/sns":
        message = encode(body, hostile).decode("utf-8", "surrogatepass")
        envelope = {
            "Type": "Notification",
            "MessageId": uuid.uuid4().hex,
            "TopicArn": "arn:aws:sns:us-east-1:1:aiops",
            "Message": message,
            "Timestamp": ISO,
        }
        raw = json.dumps(h.signer.sign(envelope)).encode()
        headers["Content-Type"] = "text/plain"
    else:
        raw = encode(body, hostile)
        if path == "/webhooks/pagerduty":
            headers["X-PagerDuty-Signature"] = pagerduty_signature(raw, PD_SECRETS[0])
        elif path == "/webhooks/changes/github":
            headers["X-Hub-Signature-256"] = github_signature(raw, GH_SECRET)
            headers["X-GitHub-Event"] = "deployment_status"
            headers["X-GitHub-Delivery"] = uuid.uuid4().hex
        else:
            headers.update(h.bearer)
    return h.client.post(path, content=raw, headers=headers)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def h(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Harness]:
    tmp: Path = tmp_path_factory.mktemp("hostile")
    url = _fresh_pg(request.getfixturevalue("pg_cluster")) if request.param == "postgres" else None
    with running(tmp, url=url) as harness:
        yield harness


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(sorted(bases())),
    where=st.integers(min_value=0, max_value=10_000),
    hostile=hostile_values,
)
def test_one_hostile_value_anywhere_never_5xx_never_partial(
    h: Harness, path: str, where: int, hostile: Any
) -> None:
    body = bases()[path]
    places = slots(body)
    container, key = places[where % len(places)]
    container[key] = PLACEHOLDER if isinstance(hostile, tuple) else hostile
    before = h.counts()
    r = deliver(h, path, body, hostile)
    assert r.status_code < 500, (path, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert "error" in r.json()
        assert h.counts() == before, (path, r.text[:300])
    assert h.client.get("/healthz").status_code == 200


def test_the_valid_bodies_are_accepted(h: Harness) -> None:
    """The fuzz starts from deliveries that work, so a refusal is the hostile value's doing."""
    for path, body in bases().items():
        r = deliver(h, path, body, None)
        assert r.status_code == 200, (path, r.text)
        assert "ignored" not in r.json(), (path, r.text)
