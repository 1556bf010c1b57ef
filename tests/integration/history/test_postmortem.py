"""The postmortem draft from what the store recorded, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import NotFound
from bot.history.postmortem import build_postmortem
from bot.investigate import service as investigations
from bot.slo.config import SlaSpec, SloConfig
from bot.store import Alert, Database, Feedback, Incident, RemediationRequest, TimelineEvent
from tests.history_cases import oom, store_past, topology

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TOPO = topology(("payments", "k8s_deployment"), ("checkout", "k8s_deployment"))


def _incident(db: Database) -> int:
    result, _ = oom("payments")
    with db.session() as s:
        row = Incident(title="payments restarting", severity="critical", status="resolved",
                       services=["payments"], created_at=T0,
                       acknowledged_at=T0 + timedelta(minutes=12), acknowledged_by="UOPS",
                       resolved_at=T0 + timedelta(hours=1, minutes=5),
                       resolution_note="raised the limit to 512Mi")  # fmt: skip
        s.add(row)
        s.flush()
        assert row.id is not None
        iid = row.id
        s.add(Alert(source="generic", fingerprint="f1", name="PodRestarting", service="payments",
                    incident_id=iid, starts_at=T0))  # fmt: skip
        for minutes, text in ((0, "opened"), (12, "acknowledged by UOPS"), (65, "resolved")):
            s.add(TimelineEvent(incident_id=iid, at=T0 + timedelta(minutes=minutes),
                                kind="status", actor="UOPS", text=text))  # fmt: skip
        for n, (action, state) in enumerate(
            (("k8s.restart_deployment", "not_recovered"), ("k8s.set_memory_limit", "verified"))
        ):
            s.add(RemediationRequest(idempotency_key=f"pm{n}", incident_id=iid, action=action,
                                     params={"name": "payments"}, state=state))  # fmt: skip
    inv = investigations.save_result(db, result, incident_id=iid)
    with db.session() as s:
        s.add(Feedback(incident_id=iid, investigation_id=inv, user="UOPS", kind="fixed",
                       comment="the memory limit"))  # fmt: skip
    return iid


def test_the_draft_has_every_section_from_the_record(database: Database) -> None:
    iid = _incident(database)
    sla = SloConfig(slas=[SlaSpec(mtta=timedelta(minutes=5), mttr=timedelta(hours=2))])
    md = build_postmortem(database, iid, now=T0 + timedelta(days=1), slo=sla).markdown
    sections = md.split("\n## ")
    assert [s.split("\n")[0] for s in sections[1:]] == [
        "Summary", "Impact", "Timeline", "Root cause", "What fixed it", "What did not",
        "Follow-ups",
    ]  # fmt: skip
    impact = sections[2]
    assert "1h05m" in impact and "payments" in impact and "PodRestarting" in impact
    assert "MTTA 12m (target 5m, missed by 7m)" in impact and "MTTR 1h05m" in impact
    assert "oom_killed on payments" in sections[4] and "OOMKilled" in sections[4]
    fixed, failed = sections[5], sections[6]
    assert "k8s.set_memory_limit(name=payments)" in fixed and "raised the limit" in fixed
    assert "the memory limit" in fixed
    assert "k8s.restart_deployment" in failed and "k8s.restart_deployment" not in fixed
    follow = sections[7]
    assert "Find out why `k8s.restart_deployment` did not help" in follow
    assert "SLA target was missed" in follow
    assert sections[3].count("| UOPS |") == 3


def test_an_earlier_incident_of_the_same_kind_is_cited(database: Database) -> None:
    earlier = store_past(database, oom("checkout"), TOPO, created_at=T0 - timedelta(days=30))
    iid = _incident(database)
    result, alerts = oom("payments")
    from bot.history import flows

    flows.remember(database, result, incident_id=iid, investigation_id=None, topology=TOPO,
                   alerts=alerts)  # fmt: skip
    md = build_postmortem(database, iid, now=T0 + timedelta(days=1)).markdown
    assert f"This cause was seen before (#{earlier})" in md
    assert "## Similar past incidents" in md
    assert "SLO burn: not measured" in md


def test_an_unknown_incident_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound, match="no incident #404"):
        build_postmortem(database, 404, now=T0)
