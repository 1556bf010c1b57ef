"""Classification: queries and incidents pick playbooks and targets; bad queries get help."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import UserError
from bot.investigate.classify import AlertView, InvestigationTarget, classify
from bot.investigate.context import InvestigationContext, ServiceNode, Topology
from bot.investigate.flows import default_playbooks


class EmptyEvidence:
    """The evidence port with nothing in it (classification only reads the metric catalogue)."""

    def now(self) -> datetime:
        return datetime(2025, 1, 1, tzinfo=UTC)

    def metric_catalog(self) -> list:  # type: ignore[type-arg]
        return []


def ctx() -> InvestigationContext:
    topo = Topology(
        [
            ServiceNode("payment-api", "k8s_deployment", "payment-api", "prod", depends_on=("db",)),
            ServiceNode("db", "rds", "payments-db"),
        ]
    )
    return InvestigationContext(evidence=EmptyEvidence(), topology=topo)  # type: ignore[arg-type]


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_queries_list_what_can_be_investigated(query: str) -> None:
    with pytest.raises(UserError) as err:
        classify(ctx(), default_playbooks(), query=query)
    text = str(err.value)
    assert "I can investigate" in text and "Kubernetes CrashLoopBackOff" in text
    assert "payment-api" in text  # the known services are listed


@pytest.mark.parametrize("query", ["asdf", "latency on nosuch-service"])
def test_a_question_matching_nothing_looks_at_everything_not_refused(query: str) -> None:
    c = classify(ctx(), default_playbooks(), query=query)
    assert sorted(c.targets) == ["db", "payment-api"]
    assert "looked at every service" in c.assumed


def test_unknown_service_is_named() -> None:
    c = classify(ctx(), default_playbooks(), query="latency on nosuch-service")
    assert "'nosuch-service' matches no service" in c.assumed


def test_a_wide_query_targets_every_service() -> None:
    c = classify(ctx(), default_playbooks(), query="API latency spike in prod")
    assert c.incident_class == "performance_degradation"
    assert "api_latency_spike" in c.playbooks
    assert sorted(c.targets) == ["db", "payment-api"]


def test_a_named_service_is_the_target() -> None:
    c = classify(ctx(), default_playbooks(), query="payment-api pods crashlooping")
    assert c.targets == ["payment-api"] and c.playbooks[0] == "k8s_crashloop"


def test_an_incident_uses_its_alerts() -> None:
    view = InvestigationTarget(
        alerts=[
            AlertView(
                name="HikariCPPendingConnectionsHigh",
                service="payment-api",
                summary="41 threads waiting for a connection pool",
            )
        ]
    )
    c = classify(ctx(), default_playbooks(), incident=view)
    assert c.targets == ["payment-api"]
    assert c.playbooks[0] == "connection_pool_exhaustion"
