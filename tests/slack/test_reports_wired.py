"""Reports through the real wiring of ``aiops run``: a disk-filling example world (moto
CloudWatch/EC2/RDS read by boto3), the local Slack server (real Bolt over socket mode), a
migrated SQLite file. ``/aiops capacity`` posts the digest with its chart, ``/aiops slo`` shows
an error budget and a live SLA clock, a new warning gets its escalation hint in the thread, the
started scheduler has the weekly digest job and the week's digest is posted once however many
times ``run_due`` is called; ``aiops slo report`` prints the month with its breaches.

One ``Runtime`` serves the module; module fixtures open the incident the SLO tests read and
wait for the start-up catch-up digest, so any test may run alone (or on another xdist worker).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bot.config import get_settings, load_settings
from bot.digest import runs
from bot.digest.flows import DigestRunner
from bot.store import Alert, Database
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from handlers.cli.main import app as cli_app
from handlers.slack.wiring import Runtime
from handlers.slack.wiring_reports import COMPLIANCE_JOB, DIGEST_JOB, PREDICT_JOB
from integrations.aws.session import make_clients
from sandbox.replay.wire import generic
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack, Message
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR
from tests.slack.helpers import command, ephemeral

pytestmark = pytest.mark.timeout(180)
SCENARIO = SCENARIOS_DIR / "05-db-disk-trend-warning.yaml"
TOKEN = "reports-webhook-token"
USER = "UREPORT01"


@dataclass
class Env:
    slack: LocalSlack
    runtime: Runtime
    http: httpx.Client
    world: Any
    db: Database
    url: str
    slo_file: Path


def _slo_yaml(world: SandboxWorld, path: Path) -> Path:
    """An SLO on the world's CPU series (good while at or under 80 %) and a catch-all SLA."""
    instance = world.id_refs["pg-analytics-1"]
    path.write_text(
        "slos:\n"
        "  - name: db-cpu-headroom\n"
        "    target: 99\n"
        "    window: 7d\n"
        "    step: 1h\n"
        "    sli:\n"
        "      kind: latency\n"
        "      metric: {namespace: AWS/EC2, name: CPUUtilization, stat: Average,\n"
        f"               dimensions: {{InstanceId: {instance}}}}}\n"
        "      threshold: 80\n"
        "slas:\n"
        "  - {mtta: 30m, mttr: 4h}\n"
    )
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    tmp = Path(tmp_path_factory.mktemp("reports"))
    url = f"sqlite:///{tmp / 'aiops.db'}"
    db = connect_db(url)
    upgrade(db.engine)
    with SandboxWorld(load_scenario(SCENARIO).scenario) as world, LocalSlack() as slack:
        for channel in ("incidents", "capacity", "ops"):
            slack.add_channel(channel)
        slack.add_user(USER, "reporter")
        slo_file = _slo_yaml(world, tmp / "slo.yaml")
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-rep", slack_app_token="xapp-rep",
            slack_api_url=slack.api_url, aiops_http_port=0, aiops_webhook_token=TOKEN,
            aiops_slack_channel="#incidents", aiops_digest_channel="#capacity",
            aiops_escalation_tick_s=3600, aiops_slo_file=slo_file,
        )  # fmt: skip
        endpoints = world.endpoints
        assert world.aws is not None  # the world is running
        clients = make_clients(endpoints.region, endpoints.aws_endpoint_url,
                               session=world.aws.session())  # fmt: skip
        runtime = Runtime(settings, clock=world.clock, aws_clients=lambda: clients).start()
        try:
            slack.wait_connected()
            with httpx.Client(base_url=f"http://127.0.0.1:{runtime.http_port}") as http:
                yield Env(slack, runtime, http, world, db, url, slo_file)
        finally:
            runtime.stop()
            db.dispose()


def _digests(env: Env, channel: str) -> list[Message]:
    return [m for m in env.slack.messages(channel) if "Weekly capacity digest" in m.text]


@pytest.fixture(scope="module")
def opened(env: Env) -> Message:
    """Alert history (the warning twice followed by a critical 2 h later), then the scenario's
    warning through the webhook: the open incident the SLO tests read."""
    alert = env.world.scenario.alerts[0]
    now = env.world.clock.now()
    with env.db.session() as s:
        for day, (w, c) in enumerate([("w1", "c1"), ("w2", "c2")], start=3):
            at = now - timedelta(days=day)
            s.add(Alert(source="generic", fingerprint=w, name=alert.name, service=alert.service,
                        severity="warning", status="resolved", starts_at=at))  # fmt: skip
            s.add(Alert(source="generic", fingerprint=c, name="DiskFull", service=alert.service,
                        severity="critical", status="resolved",
                        starts_at=at + timedelta(hours=2)))  # fmt: skip
    body = generic(alert, env.world.scenario.now + alert.at)
    resp = env.http.post("/webhooks/generic", json=body,
                         headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert resp.status_code == 200, resp.text
    (message,) = env.slack.wait_for(lambda: env.slack.messages("incidents") or None, 20)
    return message


@pytest.fixture(scope="module")
def caught_up(env: Env) -> list[Message]:
    """The start-up catch-up digest (its first forecast also warms the forecasting code)."""
    return env.slack.wait_for(lambda: _digests(env, "capacity") or None, 90)


def test_a_new_warning_gets_the_escalation_hint_learned_from_history(
    env: Env, opened: Message
) -> None:
    alert = env.world.scenario.alerts[0]

    def hint() -> Message | None:
        found = [m for m in env.slack.thread("incidents", opened.ts) if "became" in m.text]
        return found[0] if found else None

    line = env.slack.wait_for(hint, 20).text
    # the two past episodes escalated; this one (in the store too, when learned) has not yet
    assert f"{alert.name} became DiskFull " in line and "after 2.0 h on average (2 of " in line


def test_slo_shows_an_error_budget_and_the_open_incident_sla_clock(
    env: Env, opened: Message
) -> None:
    command(env.slack, USER, "slo", channel="ops")
    shown = ephemeral(env.slack, USER, "db-cpu-headroom", timeout=30).all_text
    assert "error budget" in shown and "% left" in shown and "target 99%" in shown
    assert "Incident SLAs" in shown and "#1 " in shown
    assert "before MTTA breach" in shown or "MTTA breached" in shown


def test_the_digest_job_is_scheduled_and_the_week_posts_once(
    env: Env, caught_up: list[Message]
) -> None:
    scheduler = env.runtime.scheduler
    job = scheduler.get_job(DIGEST_JOB)
    assert job is not None and "day_of_week='mon'" in str(job.trigger)
    assert "hour='9'" in str(job.trigger)
    assert scheduler.get_job(PREDICT_JOB) is not None
    compliance = scheduler.get_job(COMPLIANCE_JOB)  # AIOPS_COMPLIANCE_EVERY_S, daily by default
    assert compliance is not None and "interval[1 day" in str(compliance.trigger)
    assert len(caught_up) == 1  # the start-up catch-up posted the week in the digest channel
    domain = env.runtime.domain
    assert domain is not None and domain.reports is not None  # started, with its reports
    runner: DigestRunner = domain.reports.digest
    key = runner.schedule.key_for(env.world.clock.now())
    env.slack.wait_for(
        lambda: (state := runs.state_of(env.db, key)) and state.state == "done" or None, 30
    )
    replica = DigestRunner(
        db=env.db, clock=runner.clock, build=runner.build, poster=runner.poster,
        channel=runner.channel, schedule=runner.schedule, owner="another-replica",
    )  # fmt: skip
    results = [runner.run_due(), runner.run_due(), replica.run_due()]
    assert [r.posted for r in results] == [False, False, False]
    assert {r.key for r in results} == {key}
    assert len(_digests(env, "capacity")) == 1


def test_capacity_posts_the_digest_with_its_chart_in_the_asking_channel(
    env: Env, caught_up: list[Message]
) -> None:
    command(env.slack, USER, "capacity", channel="ops")
    channel = env.slack.channel_id("ops")

    def posted() -> Any:
        files = [f for f in env.slack.files() if f.completed and f.channel == channel]
        digests = _digests(env, "ops")
        return (digests, files) if digests and files else None

    digests, files = env.slack.wait_for(posted, 60)
    assert "disk /var/lib/postgresql on pg-analytics-1" in digests[0].text
    assert "reaches 90%" in digests[0].text
    assert files[0].filename.endswith(".png") and files[0].data[:4] == b"\x89PNG"
    ephemeral(env.slack, USER, "Posted the capacity digest here", timeout=10)
    assert len(_digests(env, "capacity")) == 1  # on demand: no run key, no post elsewhere


def test_slo_report_prints_the_month_with_breaches_and_reasons(
    env: Env, opened: Message, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoints = env.world.endpoints
    for name, value in {
        "DATABASE_URL": env.url, "AIOPS_SLO_FILE": str(env.slo_file),
        "AWS_ENDPOINT_URL": endpoints.aws_endpoint_url, "AWS_REGION": endpoints.region,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AIOPS_CONFIG": str(env.slo_file.parent / "none.toml"),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        month = env.world.scenario.now.strftime("%Y-%m")
        result = CliRunner().invoke(cli_app, ["slo", "report", "--month", month])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"# SLA / SLO compliance, {month}" in out
    assert "| warning | 1 | 0/1 (0%) | 0/1 (0%) |" in out
    assert "## Breaches (2)" in out and "MTTA" in out and "nobody acknowledged it" in out
    assert "db-cpu-headroom" in out
    bad = CliRunner().invoke(cli_app, ["slo", "report", "--month", "May"])
    assert bad.exit_code != 0 and "YYYY-MM" in str(bad.exception or bad.output)
