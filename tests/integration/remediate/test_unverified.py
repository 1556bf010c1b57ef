"""With nothing to check a remediation by — no metric captured when it was proposed and no check
of the action's own — it ends ``unverified``: the incident stays as it was (only ``verified``
mitigates it), the timeline, the publisher and the Prometheus counter say ``unverified``, and
the automation rate counts that incident on neither side. An action whose own check passes still
ends ``verified`` and mitigates. Test actions over an in-memory target, real store and flows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.clock import SandboxClock
from bot.incidents.flows import IncidentFlows
from bot.ingest.models import AlertIn
from bot.observability.metrics import REGISTRY
from bot.observability.store_stats import automation_rate
from bot.remediate import service
from bot.remediate.enums import Risk, State
from bot.remediate.ports import RecordingOutcomes
from bot.remediate.registry import (
    REGISTRY as ACTIONS,
)
from bot.remediate.registry import (
    ActionContext,
    ActionSpec,
    Params,
    VerifyOutcome,
    register,
)
from bot.remediate.verify import MetricVerifier
from bot.respond import approvals
from bot.respond.approvals import Desk
from bot.store import Database, TimelineEvent

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
TARGET: dict[str, int] = {"size": 1}


class SizeParams(Params):
    size: int


def _pre(ctx: ActionContext, p: SizeParams) -> dict[str, Any]:
    return {"size": TARGET["size"]}


def _exe(ctx: ActionContext, p: SizeParams, before: dict[str, Any]) -> dict[str, Any]:
    TARGET["size"] = p.size
    return {"size": p.size}


def _undo(ctx: ActionContext, p: SizeParams, before: dict[str, Any]) -> dict[str, Any]:
    TARGET["size"] = int(before["size"])
    return dict(before)


def _check(ctx: ActionContext, p: SizeParams, before: dict[str, Any]) -> VerifyOutcome:
    return VerifyOutcome(TARGET["size"] == p.size, f"size is {TARGET['size']} (asked {p.size})")


if "test.resize_unchecked" not in ACTIONS:
    register(ActionSpec("test.resize_unchecked", SizeParams, _risk := Risk.MEDIUM,
                        "resize, nothing to check", _pre, _exe, _undo))  # fmt: skip
    register(ActionSpec("test.resize_checked", SizeParams, _risk, "resize, checked",
                        _pre, _exe, _undo, _check))  # fmt: skip


def _desk(db: Database, clock: SandboxClock, outcomes: RecordingOutcomes, verifier: Any) -> Desk:
    flows = IncidentFlows(db, clock=clock)
    return Desk(db=db, clock=clock, outcomes=outcomes, flows=flows,
                action_context=lambda: ActionContext(clock=clock), verifier=verifier)  # fmt: skip


def _incident(desk: Desk, name: str) -> int:
    assert desk.flows is not None
    (out,) = desk.flows.group_alerts([AlertIn(
        source="generic", fingerprint=name, name=name, service=name, severity="critical",
        starts_at=desk.clock.now(),
    )])  # fmt: skip
    assert out.incident_id is not None
    return out.incident_id


def _run(desk: Desk, action: str, incident_id: int) -> int:
    proposal = service.propose(
        desk.db, action=action, params={"size": 3}, requested_by="U_REQ", policy=desk.policy,
        incident_id=incident_id, verify_signal={"signals": []}, clock=desk.clock,
    )  # fmt: skip
    rid = proposal.request.id or 0
    approved = approvals.approve(desk, request_id=rid, user="U_OPS", roles=["operator"])
    assert approved.running  # inline jobs: executed, verified and settled by now
    return rid


def _counted(result: str) -> float:
    labels = {"result": result, "mode": "approved"}
    return REGISTRY.get_sample_value("aiops_remediations_total", labels) or 0.0


def _notes(db: Database, incident_id: int) -> list[str]:
    with db.session() as s:
        rows = s.exec(
            select(TimelineEvent).where(
                col(TimelineEvent.incident_id) == incident_id, col(TimelineEvent.kind) == "action"
            )
        )
        return [r.text for r in rows]


def test_nothing_to_check_ends_unverified_and_leaves_the_incident(database: Database) -> None:
    clock = SandboxClock(NOW)
    outcomes = RecordingOutcomes()
    for verifier in (None, MetricVerifier(window=timedelta(minutes=2))):  # default, production
        TARGET["size"] = 1
        desk = _desk(database, clock, outcomes, verifier)
        inc = _incident(desk, f"unchecked-{verifier is not None}")
        status = desk.flows.view(inc).status  # type: ignore[union-attr]
        counted = _counted("unverified")
        rid = _run(desk, "test.resize_unchecked", inc)

        req = service.get(database, request_id=rid)
        assert req.state == State.UNVERIFIED and TARGET["size"] == 3  # ran, not undone
        assert "nothing confirmed it worked" in (req.detail or "")
        assert desk.flows.view(inc).status == status  # type: ignore[union-attr]
        assert any(n.startswith("test.resize_unchecked unverified:") for n in _notes(database, inc))
        assert outcomes.events[-1].kind == "outcome" and outcomes.events[-1].text == "unverified"
        assert _counted("unverified") == counted + 1

    # resolved with only an unverified fix: on neither side of the automation rate
    desk.flows.resolve(inc, actor="U_OPS")  # type: ignore[union-attr]
    assert automation_rate(database, now=clock.now()) is None

    # the same action with a check that passes: verified, and the incident is mitigated
    TARGET["size"] = 1
    checked = _incident(desk, "checked")
    rid = _run(desk, "test.resize_checked", checked)
    assert service.get(database, request_id=rid).state == State.VERIFIED
    assert desk.flows.view(checked).status == "mitigated"  # type: ignore[union-attr]
    desk.flows.resolve(checked, actor="U_OPS")  # type: ignore[union-attr]
    assert automation_rate(database, now=clock.now()) == 1.0


def test_slack_says_unverified_not_done() -> None:
    from bot.remediate.flows import Outcome
    from handlers.slack.outcomes import outcome_text

    text = outcome_text(Outcome(7, "test.resize_unchecked", "unverified", "nothing confirmed it"))
    assert text.startswith(":grey_question: `test.resize_unchecked` (request 7): *unverified*")
    verified = outcome_text(Outcome(8, "test.resize_checked", "verified", "size is 3"))
    assert verified.startswith(":white_check_mark:")
