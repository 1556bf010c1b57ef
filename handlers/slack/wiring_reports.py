"""The report side of ``aiops run``: metric sources (CloudWatch, or Prometheus as the default
when ``PROMETHEUS_URL`` is set), the capacity digest runner with its Slack poster, the weekly
cron job, the prediction scan feeding the ingest pipeline, and the escalation hint job.

Everything connects lazily: a bot started while AWS or Prometheus is unreachable still starts,
and the first command (or tick) that needs them says what failed.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from slack_sdk import WebClient

from bot.config import Settings
from bot.errors import UpstreamUnavailable
from bot.inventory.llm import reader as inventory_reader
from bot.kube import kubernetes_api
from handlers.slack.domain import Domain
from handlers.slack.domain_reports import Reports, escalation_hint

log = logging.getLogger("aiops.run")

DIGEST_JOB = "capacity-digest"
PREDICT_JOB = "prediction-scan"
COMPLIANCE_JOB = "compliance-run"


def _fleet(settings: Settings) -> Any:
    """Every account of AIOPS_ACCOUNTS_FILE (roles assumed on first use), or None."""
    from bot.accounts.service import configured_fleet

    return configured_fleet(settings)


def build_reports(
    settings: Settings,
    domain: Domain,
    client: WebClient | None,
    aws: Callable[[], Any],
    once: Callable[[Callable[[], Any]], Callable[[], Any]],
    on_stop: Callable[[str, Callable[[], None]], None],
) -> Reports:
    """``aws`` returns the ``AwsClients``; ``once`` caches a factory; ``on_stop`` registers
    a clean-up."""
    from bot.capacity.config import load_config
    from bot.capacity.setup import digest_builder, metric_sources

    s = settings
    http: Any = None
    if s.prometheus_url:
        import httpx

        http = httpx.Client(timeout=30)
        on_stop("prometheus client", http.close)
    sources = once(
        lambda: metric_sources(aws().cloudwatch, prometheus_url=s.prometheus_url, http=http)
    )
    config = load_config(s.aiops_capacity_file)  # a bad file stops the start with its reason
    if s.aiops_accounts_file is not None:  # so does a bad accounts file
        from bot.accounts.service import load_accounts

        load_accounts(s.aiops_accounts_file)
    reports = Reports(
        metric_sources=sources,
        aws=aws,
        k8s=once(lambda: kubernetes_api(s)),
        fleet=once(lambda: _fleet(s)),
        slo_file=s.aiops_slo_file,
        compliance_file=s.aiops_compliance_file,
        prices_file=s.aiops_prices_file,
        cost_rules_file=s.aiops_cost_rules_file,
        questions=once(lambda: inventory_reader(s)),
    )
    # a bad price table or cost rules file stops the start with its reason, like the above
    from bot.posture.pricing import load_prices, load_rules

    load_prices(s.aiops_prices_file), load_rules(s.aiops_cost_rules_file)
    if client is not None:
        from bot.digest.flows import DigestRunner
        from bot.digest.schedule import DigestSchedule
        from handlers.slack.capacity import SlackDigestPoster

        def build() -> Any:
            clients = aws()
            return digest_builder(
                config, sources(), domain.clock, ec2_client=clients.ec2, rds_client=clients.rds
            )()

        reports.digest = DigestRunner(
            db=domain.db,
            clock=domain.clock,
            build=build,
            poster=SlackDigestPoster(client),
            channel=s.aiops_digest_channel or s.aiops_slack_channel,
            schedule=DigestSchedule.from_settings(s),
            owner=f"{socket.gethostname()}:{os.getpid()}",
        )
    return reports


def prediction_job(
    settings: Settings, domain: Domain, reports: Reports, submit: Callable[[Any], Any]
) -> Any:
    """The scan over every watched capacity resource, submitting through ``submit``."""
    from bot.capacity.config import load_config
    from bot.capacity.setup import capacity_plan
    from bot.predict.setup import PredictionJob

    config = load_config(settings.aiops_capacity_file)

    def resources() -> Any:
        clients = reports.aws()
        plan = capacity_plan(
            config, reports.metric_sources(), ec2_client=clients.ec2, rds_client=clients.rds
        )
        return plan.resources()

    return PredictionJob(reports.metric_sources, resources, submit, domain.clock)


def schedule_reports(
    scheduler: Any, settings: Settings, domain: Domain, submit: Callable[[Any], Any] | None
) -> Any:
    """Add the weekly digest cron job and the prediction scan; returns the prediction job."""
    reports: Reports | None = domain.reports
    if reports is None:
        return None
    if reports.digest is not None:
        reports.digest.schedule.add_job(scheduler, reports.digest.run_due, job_id=DIGEST_JOB)
    schedule_compliance(scheduler, settings, domain, reports)
    every = settings.aiops_predict_every_s
    if every <= 0 or submit is None:
        return None
    job = prediction_job(settings, domain, reports, submit)
    scheduler.add_job(
        job.run, "interval", seconds=every, id=PREDICT_JOB, max_instances=1, coalesce=True
    )
    return job


def schedule_compliance(
    scheduler: Any, settings: Settings, domain: Domain, reports: Reports
) -> Any:
    """Every ``AIOPS_COMPLIANCE_EVERY_S``: evaluate the compliance rules (and AWS Config's)
    and store the run, so ``/aiops audit compliance`` has a trend. Returns the job (or None)."""
    every = settings.aiops_compliance_every_s
    if every <= 0:
        return None
    from bot.compliance.flows import scheduled
    from bot.inventory.service import InventorySources

    job = scheduled(
        domain.db, domain.clock, reports.compliance_file,
        lambda: InventorySources(aws=reports.aws(), k8s=reports.k8s(), fleet=reports.fleet()),
        every,
    )  # fmt: skip
    scheduler.add_job(
        job.run, "interval", seconds=every, id=COMPLIANCE_JOB, max_instances=1, coalesce=True
    )
    return job


def hint_job(domain: Domain, incident_id: int) -> None:
    """Queue the escalation hint of a newly opened incident (a job: it reads history)."""

    def job() -> None:
        escalation_hint(domain, incident_id)

    with suppress(UpstreamUnavailable):
        domain.jobs.submit(f"hint #{incident_id}", job, on_error=log.warning)
