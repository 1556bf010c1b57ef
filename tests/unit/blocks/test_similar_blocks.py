"""The "Similar past incidents" section of the investigation summary (structure, Slack limits)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from handlers.blocks import investigation_summary
from handlers.blocks.models import InvestigationView, SimilarView
from sandbox.slack.limits import block_errors

PAST = SimilarView(
    incident_id=12, title="checkout <pods> OOMKilled", cause="oom_killed on checkout: limit low",
    fixed_by=["k8s.set_memory_limit(name=checkout)"], did_not_fix=["k8s.restart_deployment()"],
    link="https://acme.slack.com/archives/C1/p1700000000000100",
    at=datetime(2026, 11, 2, tzinfo=UTC),
)  # fmt: skip


def _text(view: InvestigationView) -> str:
    return json.dumps([b.to_dict() for b in investigation_summary(view)])


def test_each_past_incident_shows_cause_fix_and_link() -> None:
    blocks = investigation_summary(InvestigationView(query="q", incident_id=3, similar=[PAST] * 4))
    assert not block_errors([b.to_dict() for b in blocks])
    text = _text(InvestigationView(query="q", incident_id=3, similar=[PAST] * 4))
    assert "Similar past incidents" in text
    assert "<https://acme.slack.com/archives/C1/p1700000000000100|#12 checkout &lt;pods&gt;" in text
    assert "Fixed by: k8s.set_memory_limit(name=checkout)" in text
    assert "Did not help: k8s.restart_deployment()" in text
    assert text.count("Root cause: oom_killed on checkout") == 3  # at most three


def test_no_past_incident_no_section() -> None:
    assert "Similar past incidents" not in _text(InvestigationView(query="q", incident_id=3))
