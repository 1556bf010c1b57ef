"""Block builders: structure, ids/values that parse back, and Slack's size limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.errors import UserError
from handlers.blocks import (
    approval_request,
    help_blocks,
    home_tab,
    incident_message,
    incident_text,
    investigation_summary,
    resolve_modal,
    timeline,
    usage_blocks,
)
from handlers.blocks.ids import (
    ActionId,
    BlockId,
    CallbackId,
    FeedbackRef,
    IncidentRef,
    RequestRef,
    ResolveMetadata,
    parse_value,
)
from handlers.blocks.models import (
    ActionView,
    ApprovalView,
    ChangeView,
    HomeView,
    HypothesisView,
    IncidentCard,
    InvestigationView,
    OnCallView,
    TeamWeekView,
    TimelineEntryView,
    TimelineView,
    UsageLine,
)
from handlers.blocks.text import truncate
from sandbox.slack.limits import block_errors, view_errors

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def dump(blocks: list[Block]) -> list[dict[str, Any]]:
    """What goes over the wire (slack_sdk validates its own limits here too)."""
    return [b.to_dict() for b in blocks]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def incident(**kw: Any) -> IncidentCard:
    base: dict[str, Any] = dict(
        id=7, title="API p99 <high> & rising", severity="critical", status="triggered",
        root_cause_alert="HighLatency on <api>", services=["api", "db"], alert_count=4,
        related_changes=[ChangeView("api v2.3 deployed", at=T0)], started_at=T0,
    )  # fmt: skip
    return IncidentCard(**{**base, **kw})


def test_incident_message_has_all_parts_and_buttons_carrying_the_id() -> None:
    blocks = dump(incident_message(incident()))
    assert not block_errors(blocks)
    assert blocks[0]["type"] == "header" and "#7" in blocks[0]["text"]["text"]
    text = json.dumps(blocks)
    for part in (":red_circle:", "triggered", "HighLatency on &lt;api&gt;", "`api`", "api v2.3"):
        assert part in text
    assert blocks[0]["text"]["text"] == "#7 API p99 <high> & rising"  # plain_text: as is
    ids = [b["action_id"] for b in buttons(blocks)]
    assert ids == [ActionId.ACKNOWLEDGE, ActionId.INVESTIGATE, ActionId.RESOLVE]
    assert {parse_value(IncidentRef, b["value"]).incident_id for b in buttons(blocks)} == {7}
    assert "API p99" in incident_text(incident())


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("acknowledged", [ActionId.INVESTIGATE, ActionId.RESOLVE]),
        ("resolved", []),
    ],
)
def test_incident_buttons_follow_status(status: str, expected: list[str]) -> None:
    blocks = dump(incident_message(incident(status=status)))
    assert [b["action_id"] for b in buttons(blocks)] == expected


def test_long_texts_are_truncated_with_a_note() -> None:
    blocks = dump(incident_message(incident(root_cause_alert="x" * 10_000, title="t" * 400)))
    assert not block_errors(blocks)
    assert len(blocks[0]["text"]["text"]) <= 150
    rca = next(b for b in blocks if "Root-cause" in b.get("text", {}).get("text", ""))
    assert len(rca["text"]["text"]) <= 3000
    assert "…" in rca["text"]["text"] and "more characters not shown" in rca["text"]["text"]


def test_truncate_never_exceeds_the_limit_and_keeps_short_text() -> None:
    assert truncate("short", 10) == "short"
    for n in (81, 150, 3000):
        for length in (n + 1, n * 3):
            assert len(truncate("y" * length, n)) <= n


def summary(n_hyp: int = 2, n_actions: int = 2, n_facts: int = 2) -> InvestigationView:
    return InvestigationView(
        query="API latency spike in prod",
        facts=[f"fact {i}" for i in range(n_facts)],
        hypotheses=[HypothesisView(f"hyp {i}", i / max(n_hyp, 1), ["ev"]) for i in range(n_hyp)],
        actions=[ActionView(f"req-{i}", f"action {i}", "medium") for i in range(n_actions)],
        incident_id=7,
    )


def test_investigation_summary_orders_hypotheses_and_gives_each_action_its_buttons() -> None:
    blocks = dump(investigation_summary(summary()))
    assert not block_errors(blocks)
    text = json.dumps(blocks)
    assert text.index("hyp 1") < text.index("hyp 0")  # highest confidence first
    assert "confidence 50%" in text
    rows = [b for b in blocks if b.get("block_id", "").startswith(BlockId.APPROVAL_PREFIX)]
    assert [b["block_id"] for b in rows] == ["approval:req-0", "approval:req-1"]
    for row in rows:
        approve, reject = row["elements"]
        assert (approve["action_id"], reject["action_id"]) == (ActionId.APPROVE, ActionId.REJECT)
        assert parse_value(RequestRef, approve["value"]).request_id in row["block_id"]
    feedback = next(b for b in blocks if b.get("block_id") == BlockId.FEEDBACK)
    assert parse_value(FeedbackRef, feedback["elements"][0]["value"]).incident_id == 7


def test_decided_actions_have_no_buttons() -> None:
    inv = InvestigationView(
        "q", actions=[ActionView("req-1", "roll back", "low", status="approved")]
    )
    blocks = dump(investigation_summary(inv))
    assert buttons(blocks) == []
    assert "approved" in json.dumps(blocks)


def test_huge_investigation_stays_within_fifty_blocks() -> None:
    blocks = dump(investigation_summary(summary(n_hyp=60, n_actions=40, n_facts=500)))
    assert len(blocks) <= 50 and not block_errors(blocks)
    assert "more actions not shown" in json.dumps(blocks)


def test_approval_request() -> None:
    req = ApprovalView(
        "req-9", "k8s.rollback_deployment", "high", "U0ALICE",
        params={"namespace": "prod", "name": "api"}, reason="bad deploy", incident_id=7,
        expires_at=T0 + timedelta(minutes=30), approvals_needed=2, approved_by=["U0BOB"],
        acts_in="account staging (us-east-1)",
    )  # fmt: skip
    blocks = dump(approval_request(req))
    assert not block_errors(blocks)
    text = json.dumps(blocks)
    for part in ("<@U0ALICE>", "`namespace=prod`", "1/2", "<@U0BOB>", "bad deploy", "#7",
                 "account staging (us-east-1)"):  # fmt: skip
        assert part in text
    assert "Acts in" not in json.dumps(dump(approval_request(replace(req, acts_in=None))))
    assert [b["action_id"] for b in buttons(blocks)] == [ActionId.APPROVE, ActionId.REJECT]


def test_timeline_is_sorted_and_bounded() -> None:
    entries = [
        TimelineEntryView(T0 + timedelta(minutes=i), "note", f"entry {i} " + "z" * 200, "U0ALICE")
        for i in range(1000, 0, -1)
    ]
    blocks = dump(timeline(TimelineView(7, "API latency", entries)))
    assert len(blocks) <= 50 and not block_errors(blocks)
    text = json.dumps(blocks)
    assert "earlier parts not shown" in text
    assert "entry 1000" in text  # the newest kept
    small = json.dumps(dump(timeline(TimelineView(7, "x", entries[-3:]))))
    assert small.index("entry 1 ") < small.index("entry 3 ")


def test_help_and_usage() -> None:
    lines = [UsageLine("/aiops ack <id>", "Acknowledge")]
    text = json.dumps(dump(help_blocks("aiops", lines)))
    assert "/aiops ack &lt;id&gt;" in text and "Acknowledge" in text
    usage = json.dumps(dump(usage_blocks("Missing arguments.", "/aiops ack <id>")))
    assert "Missing arguments." in usage and "Usage" in usage


def test_incident_message_says_it_was_investigated_automatically() -> None:
    plain = json.dumps(dump(incident_message(incident())))
    assert "Investigated automatically" not in plain
    card = incident(auto_investigated="Investigated automatically (policy p): x")
    blocks = dump(incident_message(card))
    assert not block_errors(blocks)
    text = json.dumps(blocks)
    assert "Investigated automatically (policy p): x" in text and "findings in the thread" in text


def test_home_tab() -> None:
    home = HomeView(
        open_incidents=[incident(id=i) for i in range(1, 30)],
        pending_approvals=[
            ApprovalView("req-1", "restart", "low", "U0BOB"),
            ApprovalView(
                "req-2", "ec2.revoke_ingress", "medium", "U0BOB", acts_in="account prod (eu-west-1)"
            ),
        ],  # fmt: skip
        oncall=[OnCallView("primary", "U0ALICE", until=T0)],
    )
    view = home_tab(home).to_dict()
    assert view["type"] == "home" and not view_errors(view, home=True)
    text = json.dumps(view)
    assert "Open incidents* (29)" in text and "+9 more" in text and "<@U0ALICE>" in text
    assert "ec2.revoke_ingress*" in text and "\\u00b7 in account prod (eu-west-1)" in text
    assert ActionId.APPROVE in text
    empty = json.dumps(home_tab(HomeView()).to_dict())
    assert "No open incidents" in empty and "Nothing waiting" in empty
    assert "This week" not in empty and "Your teams" not in empty


def test_home_tab_names_my_teams_and_their_week() -> None:
    home = HomeView(
        teams=["payments"],
        weeks=[
            TeamWeekView("payments", 3, mtta=timedelta(minutes=4), mttr=timedelta(hours=5)),
            TeamWeekView("quiet", 0),
        ],
    )
    view = home_tab(home).to_dict()
    assert not view_errors(view, home=True)
    text = json.dumps(view, ensure_ascii=False)
    assert "Your teams: payments" in text and "This week" in text
    assert "*payments*: 3 incident(s) · MTTA 4 min · MTTR 5.0 h" in text
    assert "*quiet*: 0 incident(s) · MTTA — · MTTR —" in text


def test_resolve_modal_carries_typed_metadata() -> None:
    meta = ResolveMetadata(incident_id=7, channel_id="C1", message_ts="1.2")
    view = resolve_modal(meta).to_dict()
    assert not view_errors(view)
    assert view["callback_id"] == CallbackId.RESOLVE_MODAL
    assert parse_value(ResolveMetadata, view["private_metadata"]) == meta


@pytest.mark.parametrize(
    "raw", [None, "", "{", '{"incident_id": -1}', '{"incident_id": 1, "x": 2}']
)
def test_bad_values_are_user_errors(raw: str | None) -> None:
    with pytest.raises(UserError, match="out of date or malformed"):
        parse_value(IncidentRef, raw)
