"""Property: random bodies and headers on every endpoint never give a 5xx and never leave rows
behind when rejected."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.ingest.harness import TOKEN, Harness, running

ENDPOINTS = [
    "/webhooks/alertmanager",
    "/webhooks/generic",
    "/webhooks/pagerduty",
    "/webhooks/sns",
    "/webhooks/changes/github",
    "/webhooks/changes/argocd",
    "/webhooks/changes/jenkins",
    "/webhooks/changes/manual",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from(["1", "4", "2", 4]),
        "alerts": st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["labels", "status", "name", "annotations", "startsAt", "severity"]
                ),
                json_values,
                max_size=5,
            ),
            max_size=3,
        ),
        "event": st.dictionaries(st.sampled_from(["id", "event_type", "data"]), json_values),
        "Type": st.sampled_from(["Notification", "SubscriptionConfirmation", "x"]),
        "app": st.text(max_size=5),
        "kind": st.text(max_size=8),
    },
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    shaped.map(lambda v: json.dumps(v).encode()),
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Authorization": st.sampled_from([f"Bearer {TOKEN}", "Bearer nope", "Basic x", ""]),
        "Content-Type": st.sampled_from(["application/json", "text/plain", "x/y", ""]),
        "X-PagerDuty-Signature": st.sampled_from(["v1=00", "", "v0=1,v1=ab"]),
        "X-GitHub-Event": st.sampled_from(["deployment_status", "workflow_run", "ping", "x"]),
        "X-Hub-Signature-256": st.sampled_from(["sha256=00", ""]),
    },
)


@pytest.fixture(scope="module")
def h(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with running(tmp_path_factory.mktemp("fuzz")) as harness:
        yield harness


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(ENDPOINTS), body=bodies, hdrs=headers)
def test_random_input_never_5xx_never_partial(
    h: Harness, path: str, body: bytes, hdrs: dict[str, str]
) -> None:
    before = h.counts()
    r = h.client.post(path, content=body, headers=hdrs)
    assert r.status_code < 500, (r.status_code, r.text)
    if r.status_code >= 400:
        assert "error" in r.json()
        assert h.counts() == before
