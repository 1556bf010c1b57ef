"""integrations.pagerduty (real pdpyras sessions) against the local PagerDuty server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from integrations import pagerduty as pd
from sandbox.pagerduty_server import LocalPagerDuty
from tests.integration.notify.receiver import Receiver

SECRET = "whsec-test"


@pytest.fixture(scope="module")
def hooks() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def server(hooks: Receiver) -> Iterator[LocalPagerDuty]:
    with LocalPagerDuty(webhook_url=hooks.url, webhook_secret=SECRET) as srv:
        alice = srv.state.add_user("Alice", "alice@example.com")
        bob = srv.state.add_user("Bob", "bob@example.com")
        primary = srv.state.add_schedule("Primary", [alice])
        srv.state.add_policy("Payments", [(5, [primary]), (10, [bob])], loops=1)
        yield srv


def _events(srv: LocalPagerDuty, key: str | None = None) -> object:
    return pd.events_session(key or srv.routing_key, base_url=srv.events_url)


def _rest(srv: LocalPagerDuty, token: str | None = None) -> object:
    return pd.rest_session(
        token or srv.token, base_url=srv.api_url, default_from="alice@example.com"
    )


def test_trigger_dedups_into_one_incident_and_ack_resolve_follow(server: LocalPagerDuty) -> None:
    events = _events(server)
    assert pd.trigger(events, dedup_key="k-1", summary="db down", source="aiops") == "k-1"
    pd.trigger(events, dedup_key="k-1", summary="db down again", source="aiops")
    incident = server.incident("k-1")
    assert incident is not None and incident.alert_count == 2
    assert len(server.state.incidents) == 1
    pd.acknowledge_event(events, "k-1")
    assert server.incident("k-1").status == "acknowledged"  # type: ignore[union-attr]
    pd.resolve_event(events, "k-1")
    assert server.incident("k-1").status == "resolved"  # type: ignore[union-attr]
    pd.trigger(events, dedup_key="k-1", summary="back", source="aiops")
    assert len(server.state.incidents) == 2  # a resolved key opens a new incident


def test_wrong_routing_key_is_a_permanent_error(server: LocalPagerDuty) -> None:
    with pytest.raises(pd.PagerDutyError) as err:
        pd.trigger(_events(server, "wrong"), dedup_key="k", summary="x", source="aiops")
    assert err.value.status == 400 and not err.value.transient


@pytest.mark.parametrize("status", [500, 503, 429])
def test_5xx_and_429_are_transient_and_not_retried_inside_the_client(
    server: LocalPagerDuty, status: int
) -> None:
    server.fail_next("events", status, times=1)
    with pytest.raises(pd.PagerDutyError) as err:
        pd.trigger(_events(server), dedup_key="k-2", summary="x", source="aiops")
    assert err.value.transient and err.value.status == status
    assert server.incident("k-2") is None  # one try only: the caller owns retries
    pd.trigger(_events(server), dedup_key="k-2", summary="x", source="aiops")
    assert server.incident("k-2") is not None


def test_connection_drop_is_transient(server: LocalPagerDuty) -> None:
    server.fail_next("events", 0)
    with pytest.raises(pd.PagerDutyError) as err:
        pd.trigger(_events(server), dedup_key="k-3", summary="x", source="aiops")
    assert err.value.transient and err.value.status is None


def test_rest_reads_oncalls_policies_users(server: LocalPagerDuty) -> None:
    rest = _rest(server)
    users = {u.name: u for u in pd.list_users(rest)}
    assert set(users) == {"Alice", "Bob"}
    assert pd.get_user(rest, users["Bob"].id).email == "bob@example.com"
    oncalls = pd.list_oncalls(rest)
    assert [(o.level, o.user.name, o.schedule_name) for o in oncalls] == [
        (1, "Alice", "Primary"),
        (2, "Bob", None),
    ]
    sched = oncalls[0].schedule_id
    assert sched is not None
    assert [o.user.name for o in pd.list_oncalls(rest, schedule_ids=[sched])] == ["Alice"]
    (policy,) = pd.list_escalation_policies(rest)
    assert [(r.delay_minutes, [t.kind for t in r.targets]) for r in policy.rules] == [
        (5, ["schedule"]),
        (10, ["user"]),
    ]


def test_bad_token_is_a_permanent_error(server: LocalPagerDuty) -> None:
    with pytest.raises(pd.PagerDutyError) as err:
        pd.list_users(_rest(server, token="nope"))
    assert err.value.status == 401 and not err.value.transient


def test_rest_ack_and_reassign_and_the_signed_webhook(
    server: LocalPagerDuty, hooks: Receiver
) -> None:
    pd.trigger(_events(server), dedup_key="k-4", summary="api 5xx", source="aiops")
    rest = _rest(server)
    found = pd.find_incident(rest, "k-4")
    assert found is not None and found.status == "triggered"
    bob = next(u for u in pd.list_users(rest) if u.name == "Bob")
    assert pd.reassign_incident(rest, found.id, [bob.id]).assignees == [bob.id]
    before = len(hooks.received)
    (acked,) = pd.acknowledge_incidents(rest, [found.id], from_email="bob@example.com")
    assert acked.status == "acknowledged"
    server.wait_webhooks()
    got = hooks.received[before:]
    assert len(got) == 1
    body = got[0].body
    assert pd.verify_webhook(body, got[0].headers["X-PagerDuty-Signature"], [SECRET])
    assert not pd.verify_webhook(body, got[0].headers["X-PagerDuty-Signature"], ["other"])
    event = json.loads(body)["event"]
    assert event["event_type"] == "incident.acknowledged"
    assert event["data"]["incident_key"] == "k-4"
    assert event["agent"]["id"] == bob.id
    # a second ack changes nothing and sends no second webhook
    pd.acknowledge_incidents(rest, [found.id], from_email="bob@example.com")
    server.wait_webhooks()
    assert len(hooks.received) == before + 1


def test_ack_from_pagerduty_delivers_the_webhook_at_once(
    server: LocalPagerDuty, hooks: Receiver
) -> None:
    pd.trigger(_events(server), dedup_key="k-5", summary="x", source="aiops")
    assert server.ack_from_pagerduty("k-5") == [200]
    assert json.loads(hooks.received[-1].body)["event"]["event_type"] == "incident.acknowledged"
    assert server.resolve_from_pagerduty("k-5") == [200]
    assert server.incident("k-5").status == "resolved"  # type: ignore[union-attr]


def test_put_without_from_is_refused(server: LocalPagerDuty) -> None:
    pd.trigger(_events(server), dedup_key="k-6", summary="x", source="aiops")
    rest = pd.rest_session(server.token, base_url=server.api_url)
    found = pd.find_incident(rest, "k-6")
    assert found is not None
    with pytest.raises(pd.PagerDutyError) as err:
        pd.acknowledge_incidents(rest, [found.id])
    assert err.value.status == 400


def test_verify_webhook_accepts_any_of_several_signatures() -> None:
    body = b'{"event":{}}'
    header = f"{pd.webhook_signature(body, 'old')}, {pd.webhook_signature(body, 'new')}"
    assert pd.verify_webhook(body, header, ["new"])
    assert not pd.verify_webhook(body, header, ["third"])
    assert not pd.verify_webhook(body, None, ["new"])


def test_a_note_lands_on_the_page_as_its_author_and_bad_ones_are_refused(
    server: LocalPagerDuty,
) -> None:
    pd.trigger(_events(server), dedup_key="k-note", summary="db down", source="aiops")
    rest = _rest(server)
    found = pd.find_incident(rest, "k-note")
    assert found is not None
    note = pd.add_note(
        rest, found.id, "top hypothesis: pool exhausted", from_email="bob@example.com"
    )
    assert note.id and note.content == "top hypothesis: pool exhausted"
    assert [n.content for n in pd.list_notes(rest, found.id)] == [note.content]
    assert server.notes("k-note") == [note.content]
    with pytest.raises(pd.PagerDutyError) as err:  # From must be a PagerDuty user
        pd.add_note(rest, found.id, "x", from_email="stranger@example.com")
    assert err.value.status == 400 and not err.value.transient
    with pytest.raises(pd.PagerDutyError) as err:
        pd.add_note(rest, "QNOPE", "x", from_email="bob@example.com")
    assert err.value.status == 404


def test_trigger_webhooks_announce_a_new_page_when_asked(hooks: Receiver) -> None:
    with LocalPagerDuty(webhook_url=hooks.url, webhook_secret=SECRET, trigger_webhooks=True,
                        service_name="checkout") as srv:  # fmt: skip
        before = len(hooks.received)
        pd.trigger(_events(srv), dedup_key="k-new", summary="checkout 5xx", source="mon")
        srv.wait_webhooks()
    new = [json.loads(r.body) for r in hooks.received[before:]]
    assert [e["event"]["event_type"] for e in new] == ["incident.triggered"]
    data = new[0]["event"]["data"]
    assert (data["incident_key"], data["service"]["summary"]) == ("k-new", "checkout")
