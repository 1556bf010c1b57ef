"""One remediation flow, several doors: a Slack ``/aiops approve`` (the local Slack server, the
real Bolt app over socket mode, inside the ``Runtime`` that ``aiops run`` starts) and the
terminal's ``aiops remediate approve`` (typer's CliRunner) store the same result: the request
executed once by the approver, the same approvals and audit trail, the outcome noted on the
incident and the verified fix moving it to *mitigated*. Rejecting without the role is refused
at each door and leaves the request pending; with it, both doors store the same rejection.

HTTP has no approve / reject endpoint; it is the door the incidents come in through here (the
generic alert webhook). Each door gets its own incident, opened the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.config import get_settings
from bot.errors import Forbidden
from bot.incidents import commands
from bot.remediate import service as remediate_service
from bot.respond.approvals import Desk
from bot.respond.proposals import propose
from bot.store import Approval, AuditEntry, Database, Investigation, TimelineEvent
from handlers.cli.main import app as cli_app
from handlers.slack.wiring import Runtime
from sandbox.slack import LocalSlack
from sandbox.world import SandboxWorld
from tests.slack.helpers import command, ephemeral
from tests.wired import wired_runtime

WORLD_FILE = Path(__file__).with_name("world_all.yaml")
TOKEN = "shared-webhook-token"
APPROVER, NOBODY = "USHAREOPS1", "USHARENO01"  # responder / no role at all
ACTION, NEEDS = "lambda.set_timeout", "responder"  # low-risk write: one approver with the role

pytestmark = pytest.mark.timeout(240)


@dataclass
class Env:
    slack: LocalSlack
    runtime: Runtime
    http: httpx.Client
    world: SandboxWorld
    db: Database
    desk: Desk  # proposals only: the setup of each case, not the flow under test
    cli_env: dict[str, str]

    def open_incident(self, name: str) -> int:
        """An alert through the HTTP webhook; the id of the (only open) incident it opens."""
        flows = self.runtime.domain.flows  # type: ignore[union-attr]
        for earlier in commands.open_ids(self.db):  # a new case starts with nothing open
            flows.resolve(earlier, actor="test")
        before = set(commands.open_ids(self.db))
        body = {"version": "1", "alerts": [{
            "name": name, "status": "firing", "severity": "critical", "service": "web",
            "summary": f"{name} on web", "labels": {"case": name},
            "starts_at": self.world.clock.now().isoformat(),
        }]}  # fmt: skip
        headers = {"Authorization": f"Bearer {TOKEN}"}
        assert self.http.post("/webhooks/generic", json=body, headers=headers).status_code == 200
        new = set(commands.open_ids(self.db)) - before
        assert len(new) == 1, f"{name} did not open its own incident"
        return new.pop()

    def proposed(self, incident_id: int, seconds: int) -> int:
        with self.db.session() as s:
            inv = Investigation(query="lambda timeouts", status="done", incident_id=incident_id)
            s.add(inv)
            s.flush()
            inv_id = inv.id
        proposal = propose(
            self.desk, action=ACTION, params={"name": "resizer", "seconds": seconds},
            requested_by="UREQUESTER", incident_id=incident_id, investigation_id=inv_id,
        )  # fmt: skip
        assert proposal.request.state == "pending" and proposal.request.id is not None
        return proposal.request.id

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(cli_app, list(args), env=self.cli_env)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with wired_runtime(WORLD_FILE, tmp_path_factory.mktemp("shared"), token=TOKEN,
                       users=[NOBODY], members={APPROVER: [NEEDS]}) as w:  # fmt: skip
        get_settings.cache_clear()
        try:
            yield Env(w.slack, w.runtime, w.http, w.world, w.db, Desk(db=w.db), w.cli_env)
        finally:
            get_settings.cache_clear()


def stored(db: Database, request_id: int, incident_id: int) -> dict[str, Any]:
    """What a door leaves behind, without ids, values and times."""
    req = remediate_service.get(db, request_id=request_id)
    with db.session() as s:
        approvals = list(s.exec(select(Approval).where(Approval.request_id == request_id)))
        audit = [
            e
            for e in s.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
            if e.action.startswith("remediation.") and e.params == req.params
        ]
        notes = list(
            s.exec(
                select(TimelineEvent)
                .where(TimelineEvent.incident_id == incident_id)
                .where(col(TimelineEvent.kind).in_(["action", "status"]))
                .order_by(col(TimelineEvent.id))
            )
        )
    return {
        "state": req.state,
        "executed_by": req.executed_by,
        "approvals": [(a.user, a.decision) for a in approvals],
        "audit": [(e.action, e.actor, e.result) for e in audit],
        # the two doors ask different values (60 vs 90): compare the notes with numbers masked
        "notes": [
            (n.kind, n.actor, re.sub(r"\d+", "N", n.text.split(" via ")[0]))
            for n in notes
            if n.actor != "aiops"
        ],
        "incident": _incident_status(db, incident_id),
    }


def _incident_status(db: Database, incident_id: int) -> str:
    from bot.store import Incident

    with db.session() as s:
        row = s.get(Incident, incident_id)
        assert row is not None
        return row.status


def _through_slack(env: Env, incident_id: int, rid: int) -> None:
    command(env.slack, APPROVER, f"approve {rid}")
    env.runtime.domain.jobs.wait_idle(60)  # type: ignore[union-attr]

    def outcome() -> bool | None:
        return remediate_service.get(env.db, request_id=rid).state == "verified" or None

    env.slack.wait_for(outcome, 60)


def test_approve_through_slack_and_the_cli_stores_the_same_result(env: Env) -> None:
    slack_incident = env.open_incident("SharedFlowSlack")
    slack_rid = env.proposed(slack_incident, 60)
    _through_slack(env, slack_incident, slack_rid)
    by_slack = stored(env.db, slack_rid, slack_incident)

    cli_incident = env.open_incident("SharedFlowCli")
    cli_rid = env.proposed(cli_incident, 90)
    out = env.cli("remediate", "approve", str(cli_rid), "--user", APPROVER)  # roles: the member's
    assert out.exit_code == 0, out.output
    assert "verified" in out.output
    by_cli = stored(env.db, cli_rid, cli_incident)

    assert by_slack == by_cli
    assert by_cli["state"] == "verified" and by_cli["executed_by"] == APPROVER
    assert by_cli["incident"] == "mitigated"
    kinds = [(kind, actor) for kind, actor, _ in by_cli["notes"]]
    assert kinds == [("action", APPROVER), ("status", APPROVER)]  # the outcome, then mitigated
    assert [a for a, _, r in by_cli["audit"] if r == "executed"] == ["remediation.execute"]


def test_reject_without_the_role_is_refused_at_each_door_and_with_it_stores_the_same(
    env: Env,
) -> None:
    incident = env.open_incident("SharedFlowReject")
    slack_rid, cli_rid = env.proposed(incident, 120), env.proposed(incident, 150)

    command(env.slack, NOBODY, f"reject {slack_rid}")
    refusal = ephemeral(env.slack, NOBODY, f"needs the role `{NEEDS}`", timeout=10)
    assert f"aiops member add {NOBODY} --role {NEEDS}" in refusal.all_text
    out = env.cli("remediate", "reject", str(cli_rid), "--user", NOBODY)
    assert isinstance(out.exception, Forbidden), out.output
    assert f"needs the role `{NEEDS}`" in str(out.exception)
    stated = env.cli("remediate", "reject", str(cli_rid), "--user", NOBODY, "--role", "viewer")
    assert isinstance(stated.exception, Forbidden), stated.output
    for rid in (slack_rid, cli_rid):
        assert remediate_service.get(env.db, request_id=rid).state == "pending"

    command(env.slack, APPROVER, f"reject {slack_rid}")
    env.slack.wait_for(
        lambda: remediate_service.get(env.db, request_id=slack_rid).state == "rejected" or None,
        10,
    )
    out = env.cli("remediate", "reject", str(cli_rid), "--user", APPROVER)
    assert out.exit_code == 0, out.output
    assert stored(env.db, slack_rid, incident) == stored(env.db, cli_rid, incident)
    assert stored(env.db, cli_rid, incident)["approvals"] == [(APPROVER, "reject")]
