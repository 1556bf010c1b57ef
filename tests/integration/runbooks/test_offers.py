"""An investigation offers the live runbooks whose triggers match it: a hypothesis of a named
kind or a finding with a named failure signature, on the service it is about. ``manual`` ones
are named in the summary; ``semi_auto`` ones always wait for an approver; ``auto`` ones run where
the policy auto-approves; the approval timeout and the rate limit apply."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.investigate.finding_types import FindingType
from bot.investigate.models import Classification, Finding, Hypothesis, InvestigationResult
from bot.remediate.policy import AutoApprove, Policy
from bot.respond.approvals import Desk
from bot.respond.proposals import save_and_propose
from bot.runbooks.sync import RunbookSync
from bot.store import Database
from tests.integration.runbooks.conftest import GOOD, RunbookRepo

MANUAL = GOOD.replace("restart-web", "restart-manually").replace("mode: semi_auto", "mode: manual")
AUTO = GOOD.replace("restart-web", "restart-auto").replace("mode: semi_auto", "mode: auto")
UNRELATED = GOOD.replace("restart-web", "restart-disk").replace(
    "{kinds: [memory_leak], signatures: [oom]}", "{kinds: [disk_exhaustion]}"
)


def _result(*, kind: str = "memory_leak", signature: str | None = None) -> InvestigationResult:
    findings = []
    if signature:
        findings.append(
            Finding(type=FindingType.POD_STATE, service="checkout", summary="OOMKilled",
                    source="k8s", attrs={"signature": signature, "reason": "OOMKilled"})
        )  # fmt: skip
    return InvestigationResult(
        query="checkout is slow",
        classification=Classification(incident_class="kubernetes_pod_failure"),
        hypotheses=[
            Hypothesis(kind="traffic_spike", service="edge", confidence=0.6, summary="more load"),
            Hypothesis(kind=kind, service="checkout", confidence=0.4, summary="heap grows"),
        ],
        findings=findings,
    )


@pytest.fixture
def synced(repo: RunbookRepo, tmp_path: Path) -> None:
    for name, text in (("restart-web", GOOD), ("restart-manually", MANUAL),
                       ("restart-auto", AUTO), ("restart-disk", UNRELATED)):  # fmt: skip
        repo.write(f"{name}.yaml", text)
    repo.commit("four runbooks")
    assert RunbookSync(url=str(repo.path), ref="main", cache=tmp_path / "cache").sync().ok


def test_matching_runbooks_are_offered_by_mode(synced: None, database: Database) -> None:
    policy = Policy(auto_approve=[AutoApprove(risk="medium", actions=["runbook.run"])])
    desk = Desk(db=database, policy=policy)
    found = save_and_propose(desk, _result(), requested_by="U1", incident_id=None)
    by_name = {r.params["name"]: r for r in found.requests}
    assert set(by_name) == {"restart-web", "restart-auto"}  # not the disk one, not the manual
    semi = by_name["restart-web"]
    assert semi.params["target"] == "checkout"
    assert semi.state == "pending"  # semi_auto: waits for a click though the policy would not
    assert "matches hypothesis memory_leak on checkout" in semi.rationale
    assert semi.expires_at is not None
    assert semi.expires_at - semi.created_at == timedelta(minutes=15)
    assert by_name["restart-auto"].state != "pending"  # auto: the policy let it run
    (note,) = found.runbooks
    assert "restart-manually" in note and "/aiops runbook run restart-manually checkout" in note


def test_a_failure_signature_triggers_too(synced: None, database: Database) -> None:
    found = save_and_propose(
        Desk(db=database), _result(kind="cpu_saturation", signature="oom"), requested_by="U1",
        incident_id=None,
    )  # fmt: skip
    names = {r.params["name"] for r in found.requests}
    assert "restart-web" in names
    web = next(r for r in found.requests if r.params["name"] == "restart-web")
    assert "signature oom on checkout" in web.rationale


def test_the_rate_limit_refuses_a_third_request_within_the_hour(
    synced: None, database: Database
) -> None:
    desk = Desk(db=database)
    for query in ("first", "second"):
        result = _result().model_copy(update={"query": query})
        found = save_and_propose(desk, result, requested_by="U1", incident_id=None)
        assert "restart-web" in {r.params["name"] for r in found.requests}
    third = save_and_propose(desk, _result(), requested_by="U1", incident_id=None)
    assert "restart-web" not in {r.params["name"] for r in third.requests}
    assert any("restart-web reached its rate limit (2 request(s)" in n for n in third.runbooks)
