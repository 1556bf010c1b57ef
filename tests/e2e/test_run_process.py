"""``aiops run`` as a real subprocess: against the local Slack server and a temp SQLite file it
starts, serves /healthz, turns a webhook into an incident message, answers a slash command over
socket mode, and exits 0 on SIGTERM within seconds. Without tokens: one line, exit 2. A database
behind the migrations is refused with the command that fixes it.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.config import load_settings
from bot.errors import ConfigError
from bot.store import connect
from bot.store.migrate import upgrade
from handlers.slack.wiring import Runtime
from sandbox.slack import LocalSlack

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "run-process-token"
START_TIMEOUT = 90.0  # imports alone take seconds on a busy machine


def _env(**values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "AIOPS_", "DATABASE_", "AWS_", "PAGERDUTY_", "KUBE"))
    }
    env.update(AIOPS_CONFIG=str(ROOT / "no-such-aiops.toml"), PYTHONUNBUFFERED="1", **values)
    return env


def _aiops(*args: str) -> list[str]:
    return [sys.executable, "-m", "handlers.cli.main", *args]


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """stdout lines until one contains ``marker`` (fails with what was printed)."""
    assert proc.stdout is not None
    seen: list[str] = []
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sel.select(timeout=0.5):
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if marker in line:
            return line
    err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
    raise AssertionError(f"no {marker!r} from aiops run; stdout={seen!r} stderr={err[-2000:]!r}")


@pytest.fixture(scope="module")
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as server:
        server.add_channel("incidents")
        server.add_user("URUN0001", "runner")
        yield server


def test_without_tokens_prints_one_line_naming_them_and_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        _aiops("run"), cwd=ROOT, env=_env(DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}"),
        capture_output=True, text=True, timeout=START_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "SLACK_BOT_TOKEN" in lines[0] and "SLACK_APP_TOKEN" in lines[0]
    assert "--no-slack" in lines[0] and "Traceback" not in result.stderr


def test_a_database_behind_the_migrations_is_refused(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'old.db'}")
    with pytest.raises(ConfigError, match="aiops db upgrade"):
        Runtime(settings, slack=False).start()


def test_run_serves_webhooks_and_slack_then_stops_cleanly_on_sigterm(
    tmp_path: Path, slack: LocalSlack
) -> None:
    url = f"sqlite:///{tmp_path / 'aiops.db'}"
    db = connect(url)
    upgrade(db.engine)
    db.dispose()
    env = _env(
        DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-run", SLACK_APP_TOKEN="xapp-run",
        SLACK_API_URL=slack.api_url, AIOPS_HTTP_PORT="0", AIOPS_WEBHOOK_TOKEN=TOKEN,
        AIOPS_SLACK_CHANNEL="#incidents", AIOPS_LOG_LEVEL="WARNING",
    )  # fmt: skip
    proc = subprocess.Popen(
        _aiops("run"), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = _read_until(proc, "aiops running", START_TIMEOUT)
        base = line.split("webhooks ", 1)[1].split()[0]
        slack.wait_connected(timeout=30)
        with httpx.Client(base_url=base, timeout=30) as http:
            health = http.get("/healthz")
            assert health.status_code == 200 and health.json()["ok"] is True
            alert = {
                "version": "1",
                "alerts": [
                    {"name": "DiskFull", "service": "reports", "severity": "critical",
                     "summary": "95% used"},
                ],
            }  # fmt: skip
            resp = http.post("/webhooks/generic", json=alert,
                             headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
            assert resp.status_code == 200, resp.text
            assert resp.json()["incidents"] == [1]
        posted = slack.wait_for(lambda: slack.messages("incidents") or None, 30)
        assert "DiskFull" in posted[0].all_text and "Acknowledge" in posted[0].all_text
        ack = slack.wait_ack(slack.send_slash_command("URUN0001", "incidents"), timeout=30)
        assert ack.latency is not None  # acked (the figure itself is bench_slack_ack's)
        slack.wait_for(
            lambda: [e for e in slack.ephemerals("URUN0001") if "DiskFull" in e.all_text] or None,
            30,
        )
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)  # a hang fails here; how fast is not this test's business
        assert code == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_member_cli_grants_and_takes_roles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.config import get_settings
    from bot.store import Member
    from handlers.cli.main import app

    url = f"sqlite:///{tmp_path / 'members.db'}"
    db = connect(url)
    upgrade(db.engine)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("AIOPS_CONFIG", str(ROOT / "no-such-aiops.toml"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        added = runner.invoke(app, ["member", "add", "U0MEMBER1", "--role", "operator",
                                    "--role", "responder", "--name", "Ana"])  # fmt: skip
        assert added.exit_code == 0, added.output
        removed = runner.invoke(app, ["member", "remove", "U0MEMBER1", "--role", "responder"])
        assert removed.exit_code == 0, removed.output
        bad = runner.invoke(app, ["member", "add", "not-a-user", "--role", "operator"])
        assert bad.exit_code != 0 and isinstance(bad.exception, Exception)
        with db.session() as s:
            (row,) = s.exec(select(Member)).all()
        assert (row.slack_user_id, row.name, row.roles) == ("U0MEMBER1", "Ana", ["operator"])
    finally:
        get_settings.cache_clear()
        db.dispose()


def test_start_fails_a_half_done_remediation_loudly_in_its_incident_thread(
    tmp_path: Path, slack: LocalSlack
) -> None:
    from bot.remediate.registry import ActionContext
    from bot.store import Incident, RemediationRequest

    url = f"sqlite:///{tmp_path / 'recover.db'}"
    db = connect(url)
    upgrade(db.engine)
    channel = slack.channel_id("incidents")
    posted = httpx.post(
        f"{slack.api_url}chat.postMessage",
        headers={"Authorization": "Bearer xoxb-run"},
        json={"channel": channel, "text": "incident before the restart"},
    ).json()
    parent = posted["ts"]
    with db.session() as s:
        inc = Incident(title="before the restart", slack_channel=channel, slack_ts=parent)
        s.add(inc)
        s.flush()
        s.add(
            RemediationRequest(
                idempotency_key="crash-1", incident_id=inc.id, action="k8s.restart_deployment",
                state="running", params={"namespace": "ns", "name": "web"}, risk="low",
            )
        )  # fmt: skip
    settings = load_settings(
        database_url=url, slack_bot_token="xoxb-run", slack_app_token="xapp-run",
        slack_api_url=slack.api_url, aiops_http_port=0, aiops_slack_channel="#incidents",
    )  # fmt: skip
    runtime = Runtime(settings, action_context=lambda: ActionContext()).start()
    try:
        with db.session() as s:
            (req,) = s.exec(select(RemediationRequest)).all()
        assert req.state == "failed" and "interrupted" in req.detail
        slack.wait_for(
            lambda: [m for m in slack.thread("incidents", parent)
                     if "After a restart" in m.text and "failed" in m.text] or None,
            10,
        )  # fmt: skip
    finally:
        runtime.stop()
        db.dispose()
