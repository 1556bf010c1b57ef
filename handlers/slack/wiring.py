"""``Runtime``: the one production process of ``aiops run``, assembled and stopped in one place.

Start order: database (refused when behind the migrations) → incident flows with the Slack
publisher → paging (escalation + notifications) → automatic investigation (its policy file) →
recovery of half-done remediations (posted loudly in their threads) → reports (metric sources,
capacity digest) → HTTP webhooks (uvicorn, own thread) → Slack socket mode → the APScheduler
(escalation ticks, approval expiry, the weekly digest + a start-up catch-up, prediction scans).
``stop()`` undoes it in reverse.

Investigations and remediations get their clients from factories built from the settings; tests
and the demo inject sandbox-world factories instead (``investigation_context=…``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import UpstreamUnavailable
from bot.escalate.flows import wire_escalation
from bot.incidents.flows import IncidentFlows
from bot.incidents.ports import NullPublisher
from bot.ingest.pipeline import IngestPipeline
from bot.jobs import JobRunner
from bot.remediate import service as remediate_service
from bot.remediate.policy import load_policy
from bot.respond.approvals import recover
from bot.store import Database
from bot.store.db import settings_database
from bot.teams.access import Gate
from bot.teams.config import load_services, load_teams
from bot.teams.directory import Directory, ensure_teams
from bot.teams.routing import Router, sync_teams
from handlers.slack.domain import Domain
from handlers.slack.domain_services import build_services
from handlers.slack.publisher import SlackIncidentPublisher, SlackSenderAdapter
from handlers.slack.wiring_reports import build_reports, hint_job, schedule_reports
from handlers.slack.wiring_runbooks import schedule_runbook_sync, start_runbook_sync

log = logging.getLogger("aiops.run")

APPROVAL_EXPIRY_EVERY_S = 30.0


def built_once(factory: Callable[[], Any]) -> Callable[[], Any]:
    """``factory()`` on first call, the same object afterwards (thread-safe)."""
    made: list[Any] = []
    lock = threading.Lock()

    def get() -> Any:
        with lock:
            if not made:
                made.append(factory())
            return made[0]

    return get


def production_aws_clients(settings: Settings) -> Callable[[], Any]:
    """The configured AWS clients (``AwsClients``), built on first use."""

    def build() -> Any:
        from integrations.aws.session import make_clients

        s = settings
        gaps = s.aiops_aws_gaps_endpoint_url
        return make_clients(s.aws_region, s.aws_endpoint_url, gaps_url=gaps)

    return built_once(build)


def production_investigation_context(settings: Settings, clock: Clock) -> Callable[[], Any]:
    """An ``InvestigationContext`` over the configured AWS, Kubernetes and log store
    (``bot.investigate.configured``): the clients are built once, on first use; each call gets
    evidence with an empty memo, so an investigation never reads what an earlier one saw."""

    def build() -> Any:
        from bot.investigate.configured import context_from_settings

        return context_from_settings(settings, clock)

    made = built_once(build)

    def get() -> Any:
        ctx = made()
        return replace(ctx, evidence=ctx.evidence.fresh())

    return get


def production_action_context(settings: Settings, clock: Clock) -> Callable[[], Any]:
    """An ``ActionContext`` over the configured AWS / Kubernetes, built once on first use."""
    made: list[Any] = []
    lock = threading.Lock()

    def build() -> Any:
        from bot.remediate.context import context_from_settings

        with lock:
            if not made:
                made.append(replace(context_from_settings(settings), clock=clock))
            return made[0]

    return build


@dataclass
class Runtime:
    settings: Settings
    slack: bool = True
    clock: Clock = field(default_factory=SystemClock)
    investigation_context: Callable[[], Any] | None = None
    action_context: Callable[[], Any] | None = None
    aws_clients: Callable[[], Any] | None = None  # AwsClients factory (tests: a sandbox world)
    http_port: int = 0
    scheduler: Any = None
    pipeline: IngestPipeline | None = None
    predictions: Any = None  # bot.predict.setup.PredictionJob
    runbooks: Any = None  # bot.runbooks.sync.RunbookSync when AIOPS_RUNBOOKS_GIT_URL is set
    auto: Any = None  # bot.respond.auto.AutoInvestigator (its policy_name_of: the services seam)
    _stops: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    db: Database | None = None
    domain: Domain | None = None
    acks_owed: Any = None  # handlers.slack.sockets.AcksOwed: jobs give way to owed Slack acks
    settle_heap: bool = False  # `aiops run`: freeze the start-up heap before Slack connects

    def start(self) -> Runtime:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        s = self.settings
        self.db = db = settings_database(s)
        self._stops.append(("database", db.dispose))
        if self.slack:  # a job waits (briefly) while Slack acks are owed: acks have a deadline
            from handlers.slack.sockets import AcksOwed

            self.acks_owed = AcksOwed()
        jobs = JobRunner(before_each=self.acks_owed.give_way if self.acks_owed else None)
        self._stops.append(("jobs", lambda: jobs.shutdown(wait=False)))
        client = publisher = None
        if self.slack:
            from handlers.slack.app import build_client

            client = build_client(s)
            publisher = SlackIncidentPublisher(client, s.aiops_slack_channel)
        routes = load_services(s.aiops_services_file)
        flows = IncidentFlows(
            db, clock=self.clock, topology=_topology(s), publisher=None, router=Router(routes),
        )  # fmt: skip
        paging = self._paging(db, client)
        domain = Domain(
            db=db, flows=flows, clock=self.clock, jobs=jobs,
            policy=load_policy(s.aiops_policy_file), publisher=publisher, client=client,
            paging=paging,
            investigation_context=self.investigation_context
            or production_investigation_context(s, self.clock),
            action_context=self.action_context or production_action_context(s, self.clock),
            approval_ttl=timedelta(minutes=s.aiops_approval_ttl_minutes),
            gate=_gate(s, db, routes, client),
        )  # fmt: skip
        self.domain = domain
        if publisher is not None:
            publisher.assignee_of = domain.assignee_of
            publisher.auto_of = domain.auto_investigated
        flows.publisher = publisher or NullPublisher()
        domain.reports = self._reports(domain, client)
        wire_escalation(flows, paging, jobs, also_on_opened=lambda iid: _hint(domain, iid))
        self.auto = self._auto(domain, paging)
        self._recover(domain)
        self.runbooks = start_runbook_sync(s, client, self.clock)
        self._serve_http(domain)
        if self.settle_heap:  # before envelopes arrive: the collection stops every thread
            from handlers.slack.sockets import settle_heap

            settle_heap()
        if self.slack:
            self._connect_slack(domain, client)
        self._schedule(domain)

    # ---- pieces
    def _paging(self, db: Database, client: WebClient | None) -> Any:
        from bot.escalate import configure
        from bot.escalate.setup import build_paging

        sender = SlackSenderAdapter(client, self.settings.aiops_slack_channel) if client else None
        paging = build_paging(self.settings, db, clock=self.clock, slack=sender)
        configure(paging)
        self._stops.append(("paging", lambda: configure(None)))
        return paging

    def _auto(self, domain: Domain, paging: Any) -> Any:
        """ "Opened → investigate" per ``AIOPS_AUTO_INVESTIGATE_FILE`` (none: nothing automatic)."""
        from bot.respond.auto import AutoInvestigator, wire_auto_investigation
        from bot.respond.auto_policy import load_auto_investigate
        from handlers.slack.domain_remediation import SlackAutoReport

        config = load_auto_investigate(self.settings.aiops_auto_investigate_file)
        report = SlackAutoReport(domain)
        auto = AutoInvestigator(domain.desk, config, context=domain.investigation_context,
                                pages=paging, report=report)  # fmt: skip
        wire_auto_investigation(domain.flows, auto, domain.jobs)
        return auto

    def _reports(self, domain: Domain, client: WebClient | None) -> Any:
        aws = self.aws_clients or production_aws_clients(self.settings)

        def on_stop(name: str, stop: Callable[[], None]) -> None:
            self._stops.append((name, stop))

        return build_reports(self.settings, domain, client, aws, built_once, on_stop)

    def _recover(self, domain: Domain) -> None:
        try:
            outcomes = recover(domain.desk)
        except Exception:
            log.exception("could not recover half-done remediations; they stay as they are")
            return
        for o in outcomes:
            log.warning("recovered request %s: %s (%s)", o.request_id, o.status, o.detail)

    def _serve_http(self, domain: Domain) -> None:
        import uvicorn

        from bot.ingest.sns import SnsVerifier
        from handlers.http import HttpServices, create_http_app
        from handlers.http.runbooks import SYNC_KEY
        from integrations.sns_http import fetch_url

        s = self.settings
        self.pipeline = pipeline = IngestPipeline(domain.flows)
        self._stops.append(("ingest", pipeline.stop))
        sns = SnsVerifier(
            fetch_url,
            host_pattern=s.aiops_sns_host_pattern,
            require_https=s.aiops_sns_require_https,
        )
        extra = {SYNC_KEY: self.runbooks} if self.runbooks is not None else {}
        app = create_http_app(HttpServices(s, domain.flows, pipeline, sns, self.clock, extra))
        config = uvicorn.Config(
            app, host=s.aiops_http_host, port=s.aiops_http_port, log_level="warning",
            access_log=False, lifespan="off", timeout_graceful_shutdown=3,
        )  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="http", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                where = f"{s.aiops_http_host}:{s.aiops_http_port}"
                raise UpstreamUnavailable(f"the webhook server could not listen on {where}")
            time.sleep(0.02)
        self.http_port = server.servers[0].sockets[0].getsockname()[1]

        def stop_http() -> None:
            server.should_exit = True
            thread.join(timeout=5)

        self._stops.append(("http", stop_http))

    def _connect_slack(self, domain: Domain, client: WebClient | None) -> None:
        from handlers.slack.app import build_app, start_socket_mode

        app_token = self.settings.slack_app_token
        assert app_token is not None and client is not None
        app = build_app(self.settings, client=client, services=build_services(domain),
                        jobs=domain.jobs)  # fmt: skip
        sockets = start_socket_mode(
            app,
            app_token.get_secret_value(),
            connections=self.settings.aiops_slack_connections,
            owed=self.acks_owed,
        )
        self._stops.append(("slack", sockets.close))

    def _schedule(self, domain: Domain) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        from bot.escalate.jobs import EscalationWorker, schedule

        s = self.settings
        paging = domain.paging
        assert paging is not None
        scheduler = BackgroundScheduler(timezone="UTC")
        worker = EscalationWorker(
            paging,
            lease=timedelta(seconds=s.aiops_escalation_lease_s),
            listen=s.aiops_escalation_listen,
        )
        schedule(scheduler, worker, s.aiops_escalation_tick_s)
        scheduler.add_job(
            lambda: _expire(domain), "interval", seconds=APPROVAL_EXPIRY_EVERY_S,
            id="approval-expiry", max_instances=1, coalesce=True,
        )  # fmt: skip
        submit = self.pipeline.submit if self.pipeline is not None else None
        self.predictions = schedule_reports(scheduler, s, domain, submit)
        schedule_runbook_sync(scheduler, s, self.runbooks)
        scheduler.start()
        self.scheduler = scheduler
        self._stops.append(("scheduler", lambda: scheduler.shutdown(wait=False)))
        reports = domain.reports
        if reports is not None and reports.digest is not None:  # the catch-up, once per week
            runner = reports.digest
            domain.jobs.submit("capacity digest catch-up", lambda: _catch_up(runner),
                               on_error=log.warning)  # fmt: skip

    def stop(self) -> None:
        while self._stops:
            name, stop = self._stops.pop()
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)


# ---------------------------------------------------------------- glue callbacks
def _gate(settings: Settings, db: Database, routes: Any, client: WebClient | None) -> Gate:
    """Team isolation from teams.yaml (off without it); decisions go to the audit chain."""
    from bot.remediate import audit
    from handlers.slack.groups import SlackGroups

    teams = load_teams(settings.aiops_teams_file)
    default = routes.default_team if routes is not None else None
    if routes is not None:  # after paging synced escalation.yaml: policies exist by name
        sync_teams(db, routes)
    if teams is not None:
        ensure_teams(db, list(teams.teams))
    groups = SlackGroups(client) if client is not None else None
    return Gate(db, Directory(db, teams, default_team=default, groups=groups), audit.append)


def _topology(settings: Settings) -> Any:
    from bot.topology import Topology, load_topology_file

    path = settings.aiops_topology_file
    return load_topology_file(path) if path else Topology()


def _hint(domain: Domain, incident_id: int) -> None:
    if domain.reports is not None:
        hint_job(domain, incident_id)


def _catch_up(runner: Any) -> None:
    result = runner.run_due()
    log.info("capacity digest %s: %s", result.key, "posted" if result.posted else result.reason)


def _expire(domain: Domain) -> None:
    for rid in remediate_service.expire_due(domain.db, now=domain.clock.now()):
        log.info("remediation request %s expired without approval", rid)
