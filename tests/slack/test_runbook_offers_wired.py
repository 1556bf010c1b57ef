"""A runbook from git offered in the investigation thread, end to end: the runbook repository
(``git init`` + a commit) synced at start-up, an example scenario's sandbox world, the local
Slack server (real Bolt socket mode). An alert opens the incident, [Investigate] posts the
summary; the ``semi_auto`` runbook whose trigger names the hypothesis kind carries its own
[Approve] / [Reject], and the ``manual`` one is named with the command that runs it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.remediate.runbooks_live import LIVE
from bot.store import Database, RemediationRequest
from handlers.blocks.ids import ActionId
from sandbox.replay.wire import generic
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack, Message
from tests.conftest import SCENARIOS_DIR
from tests.integration.runbooks.conftest import RunbookRepo
from tests.wired import wired_runtime

pytestmark = pytest.mark.timeout(240)
SCENARIO = SCENARIOS_DIR / "02-k8s-crashloop-bad-env.yaml"
TOKEN = "offers-webhook-token"
USER = "UOFFER001"

ROLLBACK = """\
name: {name}
description: Roll the deployment back ({mode}).
triggers: {{kinds: [{kind}]}}
mode: {mode}
approval_timeout_minutes: 20
inputs:
  target: {{type: str}}
steps:
  - action: k8s.rollback_deployment
    params: {{namespace: prod, name: "{{target}}"}}
"""


@dataclass
class Env:
    slack: LocalSlack
    world: Any
    db: Database
    http: httpx.Client
    kind: str


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    tmp = Path(tmp_path_factory.mktemp("offers"))
    loaded = load_scenario(SCENARIO)
    assert loaded.truth is not None and loaded.truth.root_cause is not None
    kind = loaded.truth.root_cause.kind  # the kind the investigation should find
    repo = RunbookRepo(tmp / "repo")
    for name, mode in (("roll-back-semi-auto", "semi_auto"), ("roll-back-manual", "manual")):
        repo.write(f"{name}.yaml", ROLLBACK.format(name=name, mode=mode, kind=kind))
    repo.commit("two rollbacks")
    try:
        with wired_runtime(
            SCENARIO, tmp, token=TOKEN, users=[USER], aiops_predict_every_s=0,
            aiops_runbooks_git_url=str(repo.path), aiops_runbooks_cache_dir=tmp / "cache",
        ) as wired:  # fmt: skip
            yield Env(wired.slack, wired.world, wired.db, wired.http, kind)
    finally:
        LIVE.reset()


def test_the_investigation_offers_the_matching_runbooks(env: Env) -> None:
    alert = env.world.scenario.alerts[0]
    body = generic(alert, env.world.scenario.now + alert.at)
    resp = env.http.post("/webhooks/generic", json=body,
                         headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert resp.status_code == 200, resp.text
    (incident,) = env.slack.wait_for(lambda: env.slack.messages("incidents") or None, 20)
    env.slack.click_button(USER, ActionId.INVESTIGATE, message_ts=incident.ts)

    def summary() -> Message | None:
        found = [m for m in env.slack.thread("incidents", incident.ts)
                 if "Investigation" in m.all_text]  # fmt: skip
        return found[0] if found else None

    posted = env.slack.wait_for(summary, 90)
    with env.db.session() as s:
        offered = [r for r in s.exec(select(RemediationRequest)) if r.action == "runbook.run"]
    (semi,) = offered  # the manual runbook is not proposed
    assert semi.params["name"] == "roll-back-semi-auto" and semi.state == "pending"
    assert f"matches hypothesis {env.kind} on {semi.params['target']}" in semi.rationale
    assert f"approval:{semi.id}" in str(posted.blocks)  # its own [Approve] / [Reject]
    assert f"/aiops runbook run roll-back-manual {semi.params['target']}" in posted.all_text
