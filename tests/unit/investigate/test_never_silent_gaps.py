"""Never silent on the failures the failure-mode data used to miss (issue 15 pt 1): a Job that
gave up, pods a controller cannot create, one line failing to resolve a host, a few error lines
naming the dependency that cannot be used, a consumer group falling behind. Small synthetic
facts of each kind; each test fails without its rule in ``failure_modes.yaml``/``fallback``.
When nothing read shows a failure, a firing alert (not an informational one) still gets a low
"cause not identified" on its service."""

from __future__ import annotations

from typing import Any

from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import failing_services, from_alerts, never_silent
from bot.investigate.flows import default_playbooks
from bot.investigate.interpret import matches, recommend
from bot.investigate.models import Finding, FindingType
from bot.investigate.playbook_schema import Matcher
from bot.investigate.primitives.signals import metric_signal
from bot.investigate.reasoning import conclude
from bot.investigate.reasoning_data import failure_modes


def topo() -> Topology:
    return Topology(
        [
            ServiceNode(
                "report", "k8s_deployment", "report", "batch", depends_on=("ledger", "cache")
            ),
            ServiceNode("ledger", "external", "ledger", tier="data"),
            ServiceNode("cache", "k8s_deployment", "cache", "batch", tier="app"),
            ServiceNode("other", "k8s_deployment", "other", "batch"),
        ]
    )


def fact(type_: FindingType, service: str, summary: str, **attrs: Any) -> Finding:
    return Finding(type=type_, service=service, summary=summary, source="test", attrs=attrs)


def event(reason: str, **attrs: Any) -> Finding:
    return fact(
        FindingType.K8S_EVENT, "report", f"report: Warning {reason}", reason=reason, **attrs
    )


def error_lines(text: str, count: int, **attrs: Any) -> Finding:
    return fact(
        FindingType.LOG_TEMPLATE,
        "report",
        f'report: {count} line(s) like "{text}"',
        level="ERROR",
        count=count,
        template=text,
        example=text,
        **attrs,
    )


def one(findings: list[Finding]) -> Any:
    added = never_silent(findings, [], topo())
    assert added, "silent"
    return added[0]


def test_a_job_that_reached_its_backoff_limit_is_failing() -> None:
    job = event("BackoffLimitExceeded", object_kind="Job", signature="job_failed")
    hyp = one([job])
    assert hyp.service == "report"
    assert "job failed" in hyp.summary and "cause not identified" in hyp.summary
    assert job.summary in hyp.evidence


def test_pods_refused_by_a_quota_are_a_scaling_limit() -> None:
    refused = event("FailedCreate", object_kind="ReplicaSet", signature="quota_exceeded")
    hyp = one([refused])
    assert (hyp.kind, hyp.service) == ("scaling_limit", "report")
    assert hyp.confidence > failure_modes().unknown_confidence


def test_pods_that_cannot_be_created_from_their_spec_are_bad_config() -> None:
    refused = event("FailedCreate", object_kind="Job", signature="service_account_missing")
    assert (one([refused]).kind, one([refused]).service) == ("crashloop_bad_config", "report")


def test_one_line_failing_to_resolve_a_host_is_a_failure() -> None:
    line = fact(
        FindingType.LOG_SIGNATURE,
        "report",
        'report: 1 line(s) like "Could not resolve host"',
        level="ERROR",
        count=1,
        signature="dns_failure",
    )
    hyp = one([line])
    assert (hyp.kind, hyp.service) == ("network_partition", "report")


def test_a_few_error_lines_are_erroring_one_is_not() -> None:
    assert failing_services([error_lines("request failed", 3)], topo())
    assert not failing_services([error_lines("request failed", 1)], topo())


def test_error_lines_naming_a_data_tier_dependency_blame_it_as_a_database_down() -> None:
    hyp = one([error_lines("query failed (tried: ledger:<*>)", 4, mentions="ledger")])
    assert (hyp.kind, hyp.service) == ("database_unavailable", "ledger")


def test_error_lines_naming_another_dependency_blame_it_as_a_dependency_failure() -> None:
    hyp = one([error_lines("call to cache failed", 4, mentions="cache")])
    assert (hyp.kind, hyp.service) == ("dependency_failure", "cache")


def test_error_lines_naming_a_service_it_does_not_use_blame_nobody_else() -> None:
    hyp = one([error_lines("other said no", 4, mentions="other")])
    assert hyp.service == "report"
    assert "cause not identified" in hyp.summary


def test_dependency_placeholder_matches_only_dependencies() -> None:
    m = Matcher(type=FindingType.LOG_TEMPLATE, where={"mentions": "$dependency"})
    assert matches(m, error_lines("x", 4, mentions="cache"), "report", topo())
    assert not matches(m, error_lines("x", 4, mentions="other"), "report", topo())


def test_a_consumer_group_lag_is_a_backlog_and_a_growing_one_is_saturation() -> None:
    assert metric_signal("ContainerInsights", "kafka_consumergroup_lag") == "backlog"
    lag = fact(
        FindingType.METRIC_SHIFT,
        "report",
        "kafka_consumergroup_lag (report) rose",
        signal=metric_signal("ContainerInsights", "kafka_consumergroup_lag"),
        direction="up",
    )
    assert "saturated" in one([lag]).summary


def test_a_queue_whose_backlog_grows_is_loaded_not_short_of_cpu() -> None:
    """The tier says it, never the name: the same backlog on an app is saturation, on a
    queue-tier service (called anything) more messages than its consumers take."""
    graph = Topology(
        [
            ServiceNode("zorvel", "k8s_deployment", "zorvel", "shop", tier="queue"),
            ServiceNode("kibano", "k8s_deployment", "kibano", "shop", tier="app"),
        ]
    )
    for service, want in (("zorvel", "traffic_spike"), ("kibano", "cpu_saturation")):
        lag = fact(
            FindingType.METRIC_SHIFT,
            service,
            f"records_lag_max ({service}) rose",
            signal=metric_signal("Prometheus", "kafka_consumer_records_lag_max"),
            direction="up",
        )
        (hyp,) = never_silent([lag], [], graph)
        assert (hyp.kind, hyp.service) == (want, service)
        assert "saturated" in hyp.summary and "cause not identified" in hyp.summary


def test_a_restart_is_not_offered_for_a_name_that_does_not_resolve() -> None:
    dns = fact(
        FindingType.LOG_SIGNATURE,
        "report",
        'report: 4 line(s) like "NameResolutionError"',
        level="ERROR",
        count=4,
        signature="dns_failure",
    )
    (hyp,) = never_silent([dns], [], topo())
    assert hyp.kind == "network_partition"
    hyp.confidence = 0.5  # well above the action threshold: only the evidence decides
    offered = recommend([hyp], default_playbooks(), [dns], topo())
    assert "k8s.restart_deployment" not in {a.action for a in offered}
    not_ready = fact(
        FindingType.POD_STATE, "report", "report: 2 pod(s) not ready", reason="NotReady"
    )
    restarts = recommend([hyp], default_playbooks(), [dns, not_ready], topo())
    assert "k8s.restart_deployment" in {a.action for a in restarts}


def alert(name: str, summary: str = "", severity: str = "warning") -> AlertView:
    return AlertView(name=name, service="report", summary=summary, severity=severity)


def test_an_alert_alone_gives_a_low_hypothesis_in_the_mode_it_names() -> None:
    slow = alert("SlowResponses", "report is experiencing slow response times")
    (hyp,) = from_alerts([slow], slow, topo())
    assert hyp.service == "report"
    assert hyp.summary.startswith("slow on report") and "cause not identified" in hyp.summary
    assert hyp.confidence < failure_modes().unknown_confidence
    assert any("SlowResponses" in e for e in hyp.evidence)


def test_an_alert_that_names_no_mode_is_taken_as_erroring() -> None:
    (hyp,) = from_alerts([alert("CheckoutBroken")], None, topo())
    assert hyp.summary.startswith("erroring on report")


def test_an_informational_alert_shows_no_failure() -> None:
    assert from_alerts([alert("Watchdog", "always firing", severity="info")], None, topo()) == []


def test_conclude_falls_back_to_the_alert_only_when_nothing_else_is_said() -> None:
    slow = alert("SlowResponses")
    target = InvestigationTarget(alerts=[slow], root_alert=slow)
    books = list(default_playbooks())
    assert conclude([], books, [], topo(), target).hypotheses[0].service == "report"
    crash = error_lines("query failed", 4, mentions="cache")
    assert conclude([], books, [crash], topo(), target).hypotheses[0].service == "cache"


def test_memory_at_its_limit_or_a_memory_alert_is_short_of_memory_not_cpu() -> None:
    # the alert alone: its words say memory, so the class is memory, not CPU saturation
    (hyp,) = from_alerts([alert("ContainerMemoryHigh", "memory near its limit")], None, topo())
    assert hyp.kind == "memory_leak" and hyp.summary.startswith("short of memory on report")
    # a fact: memory at its limit (a CPU series at its limit stays saturation)
    full = fact(
        FindingType.METRIC_SHIFT, "report", "memory (report) at its limit",
        signal="memory", direction="up", at_limit=True,
    )  # fmt: skip
    assert one([full]).kind == "memory_leak"
    cpu = fact(
        FindingType.METRIC_SHIFT, "report", "cpu (report) at its limit",
        signal="cpu", direction="up", at_limit=True,
    )  # fmt: skip
    assert one([cpu]).kind == "cpu_saturation"
