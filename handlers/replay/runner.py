"""``replay(loaded)``: deliver a scenario's changes and alerts to the real webhook server at their
times on the sandbox clock, then report incidents with the scenario's alert ids.

Changes (except CloudTrail, which the AWS sandbox serves) go first at their times, then every
alert in its own wire format. The clock is SET to each entry's time (no real waiting). Other work
adds per-incident sections through ``enrichers``: callables ``(ReplayContext, incident_id) ->
dict`` whose keys are merged into that incident's JSON.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.clock import SandboxClock
from bot.config import Settings, load_settings
from bot.errors import UpstreamUnavailable, UserError
from bot.incidents import commands
from bot.incidents.flows import IncidentFlows
from bot.incidents.ports import IncidentPublisher, RecordingPublisher
from bot.ingest.pipeline import IngestPipeline
from bot.ingest.sns import SnsVerifier
from bot.jobs import JobRunner
from bot.respond import auto_claims
from bot.respond.approvals import Desk
from bot.respond.auto import AutoInvestigator, wire_auto_investigation
from bot.respond.auto_policy import AutoInvestigateFile
from bot.store import Database, connect
from bot.store.migrate import upgrade
from bot.teams.config import ServicesFile, load_services
from bot.teams.routing import Router
from bot.topology import Topology
from handlers.replay.server import BackgroundServer
from integrations.sns_http import fetch_url
from sandbox.replay import wire
from sandbox.replay.signer import SnsSigner


@dataclass
class ReplayContext:
    scenario: Any
    flows: IncidentFlows
    clock: SandboxClock
    settings: Settings
    ours_to_scenario: dict[int, list[str]] = field(default_factory=dict)


Enricher = Callable[[ReplayContext, int], dict[str, Any] | None]
AUTO_WAIT_S = 600.0  # an automatic investigation in the sandbox finishes well within this


def _settings(db_url: str) -> Settings:
    return load_settings(
        database_url=db_url,
        aiops_webhook_token=secrets.token_hex(16),
        github_webhook_secret=secrets.token_hex(16),
        pagerduty_webhook_secrets=[secrets.token_hex(16)],
        aiops_sns_host_pattern=r"^127\.0\.0\.1$",
        aiops_sns_require_https=False,
    )


def _post(client: httpx.Client, path: str, body: bytes, headers: dict[str, str]) -> Any:
    response = client.post(path, content=body, headers=headers)
    if response.status_code >= 300:
        raise UpstreamUnavailable(
            f"webhook {path} answered {response.status_code}: {response.text[:200]}"
        )
    return response.json()


def replay(
    scenario: Any,
    *,
    db_url: str | None = None,
    enrichers: Sequence[Enricher] = (),
    publisher: IncidentPublisher | None = None,
    services: ServicesFile | None = None,
    auto_investigate: AutoInvestigateFile | None = None,
    investigation_context: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Replay ``scenario`` (a loaded ``Scenario`` model, truth already dropped); with
    ``services`` (a services.yaml) each incident is routed and reports its team, channel,
    escalation policy and automatic-investigation policy. With ``auto_investigate`` (an
    auto_investigate.yaml) and an ``investigation_context`` factory, each new incident whose
    team's policy says so investigates itself as it opens, and reports ``auto_investigated``."""
    with tempfile.TemporaryDirectory(prefix="aiops-replay-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'replay.db'}"
        db = connect(url)
        try:
            upgrade(db.engine)
            extra = [*enrichers, _routing] if services is not None else list(enrichers)
            auto = None
            if auto_investigate is not None and investigation_context is not None:
                auto = (auto_investigate, investigation_context)
                extra.append(_automatic)
            return _run(scenario, db, _settings(url), extra, publisher, services, auto)
        finally:
            db.dispose()


def _run(
    scenario: Any,
    db: Database,
    settings: Settings,
    enrichers: Sequence[Enricher],
    publisher: IncidentPublisher | None,
    routes: ServicesFile | None = None,
    auto: tuple[AutoInvestigateFile, Callable[[], Any]] | None = None,
) -> dict[str, Any]:
    from handlers.http import HttpServices, create_http_app

    entries: list[tuple[Any, int, str, Any]] = []
    for i, ch in enumerate(scenario.changes):
        if ch.source != "cloudtrail":
            entries.append((ch.at, 0, "change", (i, ch)))
    for i, al in enumerate(scenario.alerts):
        entries.append((al.at, 1, "alert", (i, al)))
    entries.sort(key=lambda e: (e[0], e[1], e[3][0]))
    start = scenario.now + (entries[0][0] if entries else scenario.now - scenario.now)
    clock = SandboxClock(start)
    flows = IncidentFlows(
        db,
        clock=clock,
        topology=Topology.from_services(scenario.services),
        publisher=publisher or RecordingPublisher(channel=settings.aiops_slack_channel),
        router=Router(routes or load_services(settings.aiops_services_file)),
    )
    jobs: JobRunner | None = None
    if auto is not None:  # "opened → investigate": one job at a time, done before the next alert
        jobs = JobRunner(max_workers=1)  # off the webhook's request, which must answer at once
        desk = Desk(db=db, clock=clock, flows=flows)
        investigator = AutoInvestigator(desk, auto[0], context=auto[1])
        wire_auto_investigation(flows, investigator, jobs)
    pipeline = IngestPipeline(flows)
    signer = SnsSigner()
    verifier = SnsVerifier(
        fetch_url,
        host_pattern=settings.aiops_sns_host_pattern,
        require_https=settings.aiops_sns_require_https,
    )
    services = HttpServices(
        settings=settings, flows=flows, pipeline=pipeline, sns=verifier, clock=clock
    )
    ctx = ReplayContext(scenario=scenario, flows=flows, clock=clock, settings=settings)
    token = settings.aiops_webhook_token.get_secret_value() if settings.aiops_webhook_token else ""
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    pd = wire.PagerDutyEncoder(settings.pagerduty_webhook_secrets[0].get_secret_value())
    github_secret = (
        settings.github_webhook_secret.get_secret_value() if settings.github_webhook_secret else ""
    )
    metrics = {m.id: m for m in scenario.metrics}
    try:
        with (
            BackgroundServer(create_http_app(services)) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            for at, _, kind, (_, item) in entries:
                when = scenario.now + at
                clock.set(when)
                if kind == "change":
                    path, raw, headers = wire.change(item, when, github_secret=github_secret)
                    hdrs = (
                        {**bearer, **headers}
                        if path != "/webhooks/changes/github"
                        else {"Content-Type": "application/json", **headers}
                    )
                    _post(client, path, raw, hdrs)
                    continue
                result = _send_alert(client, item, when, scenario, pd, signer, bearer, metrics)
                if jobs is not None and not jobs.wait_idle(AUTO_WAIT_S):
                    raise UpstreamUnavailable(
                        f"the automatic investigation after alert {item.id} did not finish "
                        f"within {AUTO_WAIT_S:.0f} s"
                    )
                for alert_id in result.get("alerts", []):
                    ids = ctx.ours_to_scenario.setdefault(alert_id, [])
                    if item.id not in ids:
                        ids.append(item.id)
    finally:
        if jobs is not None:
            jobs.shutdown()
        pipeline.stop()
        signer.close()
    return {"scenario": scenario.name, "incidents": _incidents(ctx, enrichers)}


def _send_alert(
    client: httpx.Client,
    alert: Any,
    when: Any,
    scenario: Any,
    pd: wire.PagerDutyEncoder,
    signer: SnsSigner,
    bearer: dict[str, str],
    metrics: dict[str, Any],
) -> Any:
    import json

    if alert.format == "alertmanager":
        body = json.dumps(wire.alertmanager(alert, when)).encode()
        return _post(client, "/webhooks/alertmanager", body, bearer)
    if alert.format == "generic":
        return _post(
            client, "/webhooks/generic", json.dumps(wire.generic(alert, when)).encode(), bearer
        )
    if alert.format == "pagerduty":
        raw, headers = pd.encode(alert, when)
        return _post(
            client, "/webhooks/pagerduty", raw, {"Content-Type": "application/json", **headers}
        )
    envelope = wire.cloudwatch_sns(
        alert, when, region=scenario.region, metric=metrics.get(alert.metric or ""), signer=signer
    )
    return _post(
        client,
        "/webhooks/sns",
        json.dumps(envelope).encode(),
        {"Content-Type": "text/plain; charset=UTF-8"},
    )


def _incidents(ctx: ReplayContext, enrichers: Sequence[Enricher]) -> list[dict[str, Any]]:
    order = {a.id: i for i, a in enumerate(ctx.scenario.alerts)}
    out = []
    for inc, alerts in commands.every_incident_with_alerts(ctx.flows.db):
        assert inc.id is not None
        if not alerts:
            continue  # merged into another incident
        ids = sorted(
            {s for a in alerts for s in ctx.ours_to_scenario.get(a.id or 0, [])},
            key=lambda s: order.get(s, 0),
        )
        root = ctx.ours_to_scenario.get(inc.root_alert_id or 0, [None])[0]
        out.append(
            {
                "id": str(inc.id),
                "title": inc.title,
                "alerts": ids,
                "root_alert": root,
                "root_why": inc.root_why,
                "status": inc.status,
                "services": list(inc.services),
            }
        )
    for item in out:
        for enrich in enrichers:
            extra = enrich(ctx, int(str(item["id"])))
            if extra:
                item.update(extra)
    return out


def _routing(ctx: ReplayContext, incident_id: int) -> dict[str, Any]:
    """Where routing sent the incident: its team, channel and policies (names)."""
    view = ctx.flows.view(incident_id)
    return {
        "team": view.team,
        "channel": view.slack_channel,
        "escalation_policy": view.escalation_policy,
        "auto_investigate": view.auto_investigate,
    }


def _automatic(ctx: ReplayContext, incident_id: int) -> dict[str, Any]:
    """ "Investigated automatically (policy …): <top hypothesis>", or None (its policy said no),
    and what that investigation found and proposed (``auto_investigation``)."""
    outcome = auto_claims.outcome_of(ctx.flows.db, incident_id)
    return {
        "auto_investigated": auto_claims.label_of(ctx.flows.db, incident_id),
        "auto_investigation": outcome.to_json() if outcome is not None else None,
    }


#: ``aiops replay --auto-investigate`` without ``--auto-policy``: every new incident
#: investigates itself as it opens, whatever its severity
EVERY_INCIDENT = """\
default: replay
policies:
  - name: replay
    when: [{severities: [critical, high, error, warning, medium, low, info]}]
"""


def auto_replay(
    scenario: Any,
    policy: AutoInvestigateFile,
    *,
    db_url: str | None = None,
    services: ServicesFile | None = None,
    investigate_each: bool = False,
) -> dict[str, Any]:
    """The replay with the automatic investigation a page would start (``policy``), run against
    the scenario's sandbox world; ``investigate_each`` adds every incident's ``investigation``
    too (``--json``). Real ids in the output become the scenario's ``id_ref``s."""
    from sandbox.investigate.context import context_for_world
    from sandbox.investigate.enricher import InvestigateEach

    with InvestigateEach(scenario) as each:
        world = each.world
        made: list[Any] = []

        def context() -> Any:
            if not made:
                made.append(context_for_world(world))
            return made[0]

        result = replay(scenario, db_url=db_url, enrichers=[each] if investigate_each else [],
                        services=services, auto_investigate=policy,
                        investigation_context=context)  # fmt: skip
        return dict(world.to_id_refs(result))


def approve_first_replay(
    scenario: Any, mode: str, *, db_url: str | None = None, **options: Any
) -> dict[str, Any]:
    """The replay with ``--approve MODE`` (only ``first`` exists)."""
    from sandbox.remediate.approve import ApproveFirst

    if mode != "first":
        raise UserError(f"--approve {mode!r} is not known", hint="use --approve first")
    with ApproveFirst(scenario, **options) as approver:
        return replay(scenario, db_url=db_url, enrichers=[approver])
