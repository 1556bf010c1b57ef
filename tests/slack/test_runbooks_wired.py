"""Runbooks from git through the real wiring of ``aiops run``: a local git repository (``git
init`` + commits), the local Slack server (real Bolt over socket mode), the webhook server
(uvicorn) and a migrated SQLite file. The start-up sync makes the repository live; a signed
GitHub push with a bad file is answered with ``FILE:LINE: key: reason``, the failure lands in
the ops channel, and the previous version stays live (``/aiops runbook list`` shows it); bad
signatures get a 401 and malformed deliveries a 4xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import load_settings
from bot.errors import UpstreamUnavailable
from bot.ingest.signatures import github_signature
from bot.remediate.runbooks_live import LIVE
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from handlers.slack.wiring import Runtime
from handlers.slack.wiring_runbooks import SYNC_JOB
from sandbox.slack import LocalSlack
from tests.integration.runbooks.conftest import BAD, GOOD, RunbookRepo
from tests.slack.helpers import command, ephemeral

pytestmark = pytest.mark.timeout(180)
SECRET = "runbook-push-secret"
USER = "URUNBOOK1"


@dataclass
class Env:
    slack: LocalSlack
    runtime: Runtime
    http: httpx.Client
    repo: RunbookRepo
    good: str


def _no_aws() -> Any:
    raise UpstreamUnavailable("no AWS in this test")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = Path(tmp_path_factory.mktemp("runbooks"))
    url = f"sqlite:///{tmp / 'aiops.db'}"
    db = connect_db(url)
    upgrade(db.engine)
    db.dispose()
    repo = RunbookRepo(tmp / "repo")
    repo.write("restart-web.yaml", GOOD)
    good = repo.commit("restart-web")
    with LocalSlack() as slack:
        for channel in ("incidents", "ops"):
            slack.add_channel(channel)
        slack.add_user(USER, "runbook-author")
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-rb", slack_app_token="xapp-rb",
            slack_api_url=slack.api_url, aiops_http_port=0, aiops_slack_channel="#incidents",
            aiops_ops_channel="#ops", aiops_escalation_tick_s=3600, aiops_predict_every_s=0,
            aiops_runbooks_git_url=str(repo.path), aiops_runbooks_git_ref="main",
            aiops_runbooks_cache_dir=tmp / "cache", aiops_runbooks_sync_every_s=3600,
            aiops_github_webhook_secret=SECRET,
        )  # fmt: skip
        runtime = Runtime(settings, aws_clients=_no_aws).start()
        try:
            slack.wait_connected()
            with httpx.Client(base_url=f"http://127.0.0.1:{runtime.http_port}") as http:
                yield Env(slack, runtime, http, repo, good)
        finally:
            runtime.stop()
            LIVE.reset()


def _deliver(env: Env, event: str, body: Any, *, secret: str = SECRET) -> httpx.Response:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    headers = {
        "Content-Type": "application/json", "X-GitHub-Event": event,
        "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": github_signature(raw, secret),
    }  # fmt: skip
    return env.http.post("/webhooks/github", content=raw, headers=headers)


def test_the_start_up_sync_made_the_repository_live_and_a_sync_is_scheduled(env: Env) -> None:
    assert LIVE.current().commit == env.good
    assert set(LIVE.current().books) == {"restart-web"}
    assert env.runtime.scheduler.get_job(SYNC_JOB) is not None


def test_signatures_and_malformed_deliveries_are_refused(env: Env) -> None:
    assert _deliver(env, "ping", {"zen": "Keep it simple."}).status_code == 200
    wrong = _deliver(env, "push", {"ref": "refs/heads/main"}, secret="not-the-secret")
    assert wrong.status_code == 401 and "signature" in wrong.json()["error"]
    unsigned = env.http.post("/webhooks/github", json={"ref": "refs/heads/main"},
                             headers={"X-GitHub-Event": "push"})  # fmt: skip
    assert unsigned.status_code == 401
    assert 400 <= _deliver(env, "push", b"{not json").status_code < 500
    assert _deliver(env, "push", ["a", "list"]).status_code == 422
    assert _deliver(env, "push", {"after": "abc"}).status_code == 422  # no ref
    other = _deliver(env, "push", {"ref": "refs/heads/feature"})
    assert other.status_code == 200 and "ignored" in other.json()


def test_a_push_with_a_bad_file_is_reported_in_the_ops_channel_and_the_good_version_stays(
    env: Env,
) -> None:
    env.repo.write("scale-web.yaml", BAD)
    bad = env.repo.commit("add scale-web (broken)")
    resp = _deliver(env, "push", {"ref": "refs/heads/main", "after": bad})
    assert resp.status_code == 422, resp.text
    result = resp.json()
    assert result["commit"] == bad and result["live"] == env.good
    assert result["errors"][0].startswith(
        "scale-web.yaml:8: steps[1].action: unknown action 'k8s.nuke_everything'"
    )
    posted = env.slack.wait_for(
        lambda: [m for m in env.slack.messages("ops") if "scale-web.yaml:8" in m.text] or None, 20
    )
    assert "steps[1].action: unknown action 'k8s.nuke_everything'" in posted[0].text
    assert env.good[:12] in posted[0].text and "stays live" in posted[0].text
    assert LIVE.current().commit == env.good
    command(env.slack, USER, "runbook list", channel="ops")
    shown = ephemeral(env.slack, USER, "restart-web", timeout=20).all_text
    assert env.good[:12] in shown and "scale-web" not in shown
    env.repo.remove("scale-web.yaml")
    fixed = env.repo.commit("remove the broken runbook")
    again = _deliver(env, "push", {"ref": "refs/heads/main", "after": fixed})
    assert again.status_code == 200 and again.json()["live"] == fixed
    assert LIVE.current().commit == fixed
