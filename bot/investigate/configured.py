"""The investigation context production reads through, built from the settings: AWS, the
cluster (``KUBECONFIG``), the log store (``LOKI_URL``), the service graph
(``AIOPS_TOPOLOGY_FILE``) and the accounts (``AIOPS_ACCOUNTS_FILE``). Every way in (Slack, the
CLI, automatic investigations) builds it here; tests and the demo hand a sandbox world's instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.investigate.context import InvestigationContext, Topology

if TYPE_CHECKING:
    from bot.config import Settings


def context_from_settings(settings: Settings, clock: Clock | None = None) -> InvestigationContext:
    from bot.accounts.service import configured_fleet
    from bot.investigate.sources_live import LiveEvidence
    from bot.kube import kubernetes_api
    from bot.logstore import log_router
    from integrations.aws.session import make_clients

    aws = make_clients(
        settings.aws_region,
        settings.aws_endpoint_url,
        gaps_url=settings.aiops_aws_gaps_endpoint_url,
    )
    topology = Topology()
    if settings.aiops_topology_file is not None:  # which resource runs which service
        from bot.topology import load_topology_file

        topology = load_topology_file(settings.aiops_topology_file)
    evidence = LiveEvidence(
        clock=clock or SystemClock(),
        topology=topology,
        aws=aws,
        k8s=kubernetes_api(settings),
        log_router=log_router(settings),
    )
    fleet = configured_fleet(settings)  # AIOPS_ACCOUNTS_FILE: investigations may read there
    return InvestigationContext(evidence=evidence, topology=topology, fleet=fleet)
