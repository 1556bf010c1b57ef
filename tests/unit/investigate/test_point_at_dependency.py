"""A caller "failing because a dependency it calls is down" names that dependency when its own
lines point to it by role ("database connection failed" and exactly one data-tier dependency) or
by name; the kind follows the dependency's tier (issue 15 pt 3, topology). Synthetic facts."""

from __future__ import annotations

from bot.investigate.blame import point_at_dependency
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.signatures import match_line


def topo(*deps: ServiceNode) -> Topology:
    caller = ServiceNode(
        "quotes", "k8s_deployment", "quotes", "shop", depends_on=tuple(d.name for d in deps)
    )
    return Topology([caller, *deps])


DB = ServiceNode("quotes-store", "external", "quotes-store", tier="data")
CACHE = ServiceNode("rates", "k8s_deployment", "rates", "shop", tier="cache")
OTHER_DB = ServiceNode("audit-store", "external", "audit-store", tier="data")


def line(text: str, type_: FindingType = FindingType.LOG_TEMPLATE) -> Finding:
    return Finding(
        type=type_,
        service="quotes",
        summary=f'quotes: 3 line(s) like "{text}"',
        source="k8s:shop/quotes-1/app",
        attrs={"example": text, "level": "ERROR", "mentions": None},
    )


def dependency_down(evidence: list[Finding]) -> Hypothesis:
    return Hypothesis(
        kind="dependency_failure",
        service="quotes",
        confidence=0.3,
        summary="quotes fails because a dependency it calls is down",
        evidence=[f.summary for f in evidence],
    )


def test_a_line_naming_the_database_role_moves_the_blame_onto_the_data_dependency() -> None:
    refused = line("Backup connection failed: ECONNREFUSED", FindingType.LOG_SIGNATURE)
    role = line("Database connection failed: ETIMEDOUT")
    hyp = dependency_down([refused])
    point_at_dependency([hyp], [refused, role], topo(DB, CACHE))
    assert (hyp.kind, hyp.service) == ("database_unavailable", "quotes-store")
    assert "quotes, which calls it" in hyp.summary


def test_nothing_moves_when_the_role_is_ambiguous_or_unsaid() -> None:
    role = line("Database connection failed: ETIMEDOUT")
    two_dbs = dependency_down([role])
    point_at_dependency([two_dbs], [role], topo(DB, OTHER_DB))
    assert (two_dbs.kind, two_dbs.service) == ("dependency_failure", "quotes")
    vague = line("upstream connect error")
    unsaid = dependency_down([vague])
    point_at_dependency([unsaid], [vague], topo(DB, CACHE))
    assert unsaid.service == "quotes"


def test_a_line_naming_the_dependency_wins_and_keeps_the_kind_of_an_app_dependency() -> None:
    named = line("GET http://rates:8080/v1 refused")
    named.attrs["mentions"] = "rates"
    hyp = dependency_down([named])
    point_at_dependency([hyp], [named], topo(DB, CACHE))
    assert (hyp.kind, hyp.service) == ("dependency_failure", "rates")


def test_a_caller_with_one_dependency_points_at_it_when_its_lines_name_none() -> None:
    # "Gateway timeout" names no one; it calls one service, so that is the one not answering
    reports = ServiceNode("reports", "external", "reports", tier="external")
    timeout = line('"POST /api/reports HTTP/1.1" 503 30000ms - Gateway timeout')
    hyp = dependency_down([timeout])
    point_at_dependency([hyp], [timeout], topo(reports))
    assert (hyp.kind, hyp.service) == ("dependency_failure", "reports")


def own_network_degraded() -> Finding:
    """The caller's own line that its network is degraded (``own_network_ids``)."""
    return Finding(
        type=FindingType.LOG_SIGNATURE,
        service="quotes",
        summary='quotes: 1 line(s) like "CRITICAL: Network connectivity severely degraded"',
        source="k8s:shop/quotes-1/app",
        attrs={
            "example": "CRITICAL: Network connectivity severely degraded",
            "level": "ERROR",
            "signature_id": "net.self_degraded",
            "signature": "network_unreachable",
        },
    )


def test_a_caller_reporting_its_own_network_degraded_is_the_partition() -> None:
    backend = ServiceNode("ledger", "k8s_deployment", "ledger", "shop")
    timeouts = line("Connection timeout to ledger:8080")
    timeouts.attrs["mentions"] = "ledger"
    degraded = own_network_degraded()
    hyp = dependency_down([timeouts])
    point_at_dependency([hyp], [timeouts, degraded], topo(backend))
    assert (hyp.kind, hyp.service) == ("network_partition", "quotes")
    # the dependency failing on its own is the cause after all
    crashing = Finding(
        type=FindingType.POD_STATE,
        service="ledger",
        summary="ledger: 1 of 1 pod(s) CrashLoopBackOff",
        source="k8s:pods/shop/ledger",
        attrs={"reason": "CrashLoopBackOff", "count": 1, "pods": 1},
    )
    hyp = dependency_down([timeouts])
    point_at_dependency([hyp], [timeouts, degraded, crashing], topo(backend))
    assert (hyp.kind, hyp.service) == ("dependency_failure", "ledger")


def restarted(service: str) -> Finding:
    return Finding(
        type=FindingType.POD_STATE,
        service=service,
        summary=f"{service}: 1 of 1 pod(s) last terminated with Error (exit code 143)",
        source=f"k8s:pods/shop/{service}",
        attrs={"reason": "Error", "exit_code": 143},
    )


def test_an_unnamed_refusal_points_at_the_only_dependency_that_fails_itself() -> None:
    # "ECONNREFUSED <address>" names no service; of the two it calls, one restarted just then
    refused = line("connect ECONNREFUSED 10.96.4.7:8080", FindingType.LOG_SIGNATURE)
    own = restarted("rates")
    hyp = dependency_down([refused])
    point_at_dependency([hyp], [refused, own], topo(DB, CACHE))
    assert (hyp.kind, hyp.service) == ("dependency_failure", "rates")
    assert own.summary in hyp.evidence


def test_no_single_failing_dependency_or_a_stronger_own_reading_leaves_the_caller() -> None:
    refused = line("connect ECONNREFUSED 10.96.4.7:8080", FindingType.LOG_SIGNATURE)
    both = dependency_down([refused])
    point_at_dependency(
        [both], [refused, restarted("rates"), restarted("quotes-store")], topo(DB, CACHE)
    )
    assert both.service == "quotes"
    explained = dependency_down([refused])
    its_own = Hypothesis(
        kind="oom_killed", service="rates", confidence=0.6, summary="rates is OOM-killed"
    )
    point_at_dependency([explained, its_own], [refused, restarted("rates")], topo(DB, CACHE))
    assert explained.service == "quotes" and its_own.service == "rates"


def _broker_topo() -> Topology:
    broker = ServiceNode("events", "k8s_deployment", "events", "shop", tier="queue")
    caller = ServiceNode("quotes", "k8s_deployment", "quotes", "shop", depends_on=("events",))
    other = ServiceNode("billing", "k8s_deployment", "billing", "shop", depends_on=("events",))
    return Topology([caller, other, broker])


def _lost_broker() -> Finding:
    text = (
        "[kafka-coordinator-heartbeat-thread | quotes] INFO org.apache.kafka.clients.NetworkClient"
        " - [Consumer clientId=consumer-quotes-1, groupId=quotes] Disconnecting from node 1 due"
        " to request timeout."
    )
    hit = match_line(text)
    assert hit is not None and hit.id == "kafka.request_timeout"
    return Finding(
        type=FindingType.LOG_SIGNATURE,
        service="quotes",
        summary=f'quotes: 20 line(s) like "{text}"',
        source="k8s:shop/quotes-1/app",
        attrs={"example": text, "level": "INFO", "mentions": "events", **hit.finding_attrs()},
    )


def test_one_client_cut_off_from_a_broker_that_serves_the_others_is_the_partition() -> None:
    lost = _lost_broker()
    hyp = dependency_down([lost])
    point_at_dependency([hyp], [lost], _broker_topo())
    assert (hyp.kind, hyp.service) == ("network_partition", "quotes")
    assert "The path from quotes to events is cut" in hyp.summary


def test_a_broker_whose_other_clients_fail_too_is_the_cause() -> None:
    lost = _lost_broker()
    also = Finding(
        type=FindingType.LOG_SIGNATURE,
        service="billing",
        summary='billing: 9 line(s) like "Disconnecting from node 1 due to request timeout."',
        source="k8s:shop/billing-1/app",
        attrs={"signature": "upstream_timeout", "level": "INFO"},
    )
    hyp = dependency_down([lost])
    point_at_dependency([hyp], [lost, also], _broker_topo())
    assert (hyp.kind, hyp.service) == ("dependency_failure", "events")


def test_a_kafka_client_s_line_names_its_broker_by_role_whatever_the_broker_is_called() -> None:
    # the line names no service (no "events" in it), the caller calls two services: the
    # signature says the far end is a broker, so the one queue-tier dependency is meant
    broker = ServiceNode("zorvane", "k8s_deployment", "zorvane", "shop", tier="queue")
    flags = ServiceNode("toggles", "k8s_deployment", "toggles", "shop", tier="infra")
    caller = ServiceNode(
        "quotes", "k8s_deployment", "quotes", "shop", depends_on=("zorvane", "toggles")
    )
    other = ServiceNode("billing", "k8s_deployment", "billing", "shop", depends_on=("zorvane",))
    text = (
        "[Consumer clientId=consumer-quotes-1, groupId=quotes] Disconnecting from node 1 due to"
        " request timeout."
    )
    hit = match_line(text)
    assert hit is not None
    lost = Finding(
        type=FindingType.LOG_SIGNATURE,
        service="quotes",
        summary=f'quotes: 20 line(s) like "{text}"',
        source="k8s:shop/quotes-1/app",
        attrs={"example": text, "level": "INFO", "mentions": None, **hit.finding_attrs()},
    )
    hyp = dependency_down([lost])
    point_at_dependency([hyp], [lost], Topology([caller, other, broker, flags]))
    assert (hyp.kind, hyp.service) == ("network_partition", "quotes")
    assert "to zorvane is cut" in hyp.summary


def test_a_dependency_that_only_reports_health_does_not_fail_by_itself() -> None:
    # one reading of "fails by itself" (blame.fails_itself): a resource reported healthy and an
    # INFO line that matches a signature are no failure of the dependency's own, so the caller's
    # own degraded network stays the cause
    backend = ServiceNode("ledger", "k8s_deployment", "ledger", "shop")
    timeouts = line("Connection timeout to ledger:8080")
    timeouts.attrs["mentions"] = "ledger"
    degraded = own_network_degraded()
    healthy = Finding(
        type=FindingType.RESOURCE_STATE,
        service="ledger",
        summary="ledger: available",
        source="aws:rds/ledger",
        attrs={"state": "available", "healthy": True},
    )
    info = Finding(
        type=FindingType.LOG_SIGNATURE,
        service="ledger",
        summary='ledger: 4 line(s) like "retrying connection to peer in 2s"',
        source="k8s:shop/ledger-1/app",
        attrs={"example": "retrying connection to peer in 2s", "level": "INFO"},
    )
    hyp = dependency_down([timeouts])
    point_at_dependency([hyp], [timeouts, degraded, healthy, info], topo(backend))
    assert (hyp.kind, hyp.service) == ("network_partition", "quotes")
