"""Wire an investigation context to a running sandbox world (CLI ``--scenario``, replay, bench).

The world serves AWS (moto + the gaps endpoint) and Kubernetes; the bot reads them through
the same clients it uses in production. The scenario supplies what production would get from
configuration: the service graph, the metric catalogue (which series belong to which service),
the log sources, and the deploy/config changes that arrive on the change webhook (non-CloudTrail
sources), here handed over directly instead of through the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.investigate.context import InvestigationContext, Topology
from bot.investigate.sources import ChangeRecord, PastAlert
from bot.investigate.sources_live import LiveEvidence
from sandbox.investigate.evidence import change_record, metric_catalog


def webhook_changes(scenario: Any) -> list[ChangeRecord]:
    """Changes delivered by deploy webhooks (github, argocd, jenkins, manual)."""
    return [change_record(scenario.now, c) for c in scenario.changes if c.source != "cloudtrail"]


def delivered_alerts(scenario: Any) -> list[PastAlert]:
    """The scenario's alerts as the store would hold them once delivered (up to ``now``)."""
    return [
        PastAlert(a.service, a.name, a.summary or "", a.severity, a.status, scenario.now + a.at)
        for a in scenario.alerts
        if a.service and a.at.total_seconds() <= 0
    ]


def context_for_world(
    world: Any, *, step_timeout_s: float = 20.0, aws_clients: Any = None, k8s_api: Any = None
) -> InvestigationContext:
    from integrations.aws.session import make_clients

    scenario = world.scenario
    topology = Topology.from_specs(scenario.services)
    endpoints = world.endpoints
    aws = aws_clients or make_clients(
        endpoints.region,
        endpoints.aws_endpoint_url,
        gaps_url=endpoints.gaps_endpoint_url,
        session=world.aws.session(),
    )
    k8s = k8s_api
    if k8s is None and endpoints.kubeconfig_path is not None:
        from integrations.kubernetes import KubernetesApi, client_from_kubeconfig

        k8s = KubernetesApi(client_from_kubeconfig(endpoints.kubeconfig_path))
    router = None
    if endpoints.loki_url is not None:
        import httpx

        from integrations.logs import LogRouter, LokiLogs

        router = LogRouter(loki=LokiLogs(httpx.Client(base_url=endpoints.loki_url, timeout=10)))
    changes = webhook_changes(scenario)

    def stored(start: datetime, end: datetime) -> list[ChangeRecord]:
        return [c for c in changes if start <= c.at <= end]

    evidence = LiveEvidence(
        clock=world.clock,
        topology=topology,
        aws=aws,
        k8s=k8s,
        metric_catalog=metric_catalog(scenario),
        log_sources=[s.source for s in scenario.logs],
        id_refs=world.id_refs,
        stored_changes=stored,
        log_router=router,
    )
    alerts = delivered_alerts(scenario)

    def past_alerts(services: Sequence[str], start: datetime, end: datetime) -> list[PastAlert]:
        return [
            a for a in alerts if a.service in services and a.at is not None and start <= a.at <= end
        ]

    return InvestigationContext(
        evidence=evidence,
        topology=topology,
        step_timeout_s=step_timeout_s,
        past_alerts=past_alerts,
    )
