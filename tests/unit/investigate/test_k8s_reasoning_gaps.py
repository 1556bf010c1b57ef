"""General reasoning on Kubernetes incidents the rules missed (issue 15 pts 1-3): an alert
alone, read with what the catalogue says about it and what changed before it. Each test is a
small synthetic world with a realistic line or alert; each fails without its data entry
(``playbooks/signatures``, ``failure_modes.yaml``) or the relevance check in ``fallback``."""

from __future__ import annotations

from typing import Any

from bot.investigate import cascade
from bot.investigate.blame import point_at_dependency
from bot.investigate.classify import AlertView
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import from_alerts
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.signatures import match_line


def topo() -> Topology:
    return Topology(
        [
            ServiceNode("web", "k8s_deployment", "web", "shop", depends_on=("queue",)),
            ServiceNode("queue", "k8s_deployment", "queue", "shop"),
            ServiceNode("node-a", "external", "node-a", tier="infra"),
        ]
    )


def signed(type_: FindingType, service: str, text: str, **attrs: Any) -> Finding:
    matched = match_line(text)
    assert matched is not None, text
    return Finding(
        type=type_,
        service=service,
        summary=f'{service}: 1 line(s) like "{text}"',
        source="test",
        attrs={**matched.finding_attrs(), "count": 1, "example": text, **attrs},
    )


def change(service: str, **attrs: Any) -> Finding:
    return Finding(
        type=FindingType.CHANGE,
        service=service,
        summary=f"{service}: config 10 min ago by kubectl",
        source="test",
        attrs={"kind": "config", "minutes_ago": 10, **attrs},
    )


def alert(service: str, name: str, summary: str) -> AlertView:
    return AlertView(name=name, service=service, summary=summary)


def test_requests_overcommitted_is_a_scaling_limit_not_cpu_saturation() -> None:
    text = (
        "KubeCPUOvercommit Cluster has overcommitted CPU resource requests for Pods by "
        "1.2 CPU shares and cannot tolerate node failure."
    )
    said = alert("node-a", "KubeCPUOvercommit", text.split(" ", 1)[1])
    overcommit = signed(FindingType.ALERT_SIGNATURE, "node-a", text, level="WARNING")
    (hyp,) = from_alerts([said], said, topo(), [overcommit])
    assert (hyp.kind, hyp.service) == ("scaling_limit", "node-a")
    assert "requests" in hyp.summary
    # without the catalogue's reading, the alert's word "CPU" says saturation
    (bare,) = from_alerts([said], said, topo(), [])
    assert bare.kind == "cpu_saturation"


def test_a_cluster_partition_in_its_own_lines_is_a_network_partition() -> None:
    lines = [
        "Mnesia('rabbit@queue-0'): ** ERROR ** mnesia_event got {inconsistent_database, "
        "running_partitioned_network, 'rabbit@queue-2'}",
        "Partial partition detected: * We saw DOWN from rabbit@queue-1",
        "closing AMQP connection <0.512.0>: {net_tick_timeout}",
    ]
    said = alert("queue", "BrokerClusterPartitioned", "cluster members disagree")
    for line in lines:
        seen = signed(FindingType.LOG_SIGNATURE, "queue", line)
        (hyp,) = from_alerts([said], said, topo(), [seen])
        assert (hyp.kind, hyp.service) == ("network_partition", "queue"), line


def test_a_config_change_before_an_alert_alone_is_the_cause() -> None:
    said = alert("web", "ExternalReachability", "clients outside cannot reach shop.example.com")
    ingress = change("web", object="ingress/web", spec="ingressClassName: external-nginx")
    (hyp,) = from_alerts([said], said, topo(), [ingress])
    assert (hyp.kind, hyp.service) == ("config_change", "web")
    assert ingress.summary in hyp.evidence


def test_an_inert_config_change_explains_nothing() -> None:
    said = alert("web", "ExternalReachability", "clients outside cannot reach shop.example.com")
    logging_only = change("web", key="LOG_LEVEL")
    (hyp,) = from_alerts([said], said, topo(), [logging_only])
    assert hyp.kind != "config_change"
    assert "cause not identified" in hyp.summary


def chain() -> Topology:
    return Topology(
        [
            ServiceNode("pay", "k8s_deployment", "pay", "shop", depends_on=("orders",)),
            ServiceNode("orders", "k8s_deployment", "orders", "shop", depends_on=("sessions",)),
            ServiceNode("sessions", "k8s_deployment", "sessions", "shop", depends_on=("kv",)),
            ServiceNode("kv", "k8s_deployment", "kv", "shop", tier="cache"),
        ]
    )


def test_a_cascade_names_the_most_upstream_dependency_its_lines_say_refuses() -> None:
    lines = [
        signed(
            FindingType.LOG_SIGNATURE,
            "pay",
            '{"level": "ERROR", "service": "sessions", "message": "Lost connection to the '
            'cache: Connection refused (ECONNREFUSED) kv:6379"}',
            level="ERROR",
        ),
        signed(
            FindingType.LOG_SIGNATURE,
            "pay",
            "orders answered: connect ECONNREFUSED sessions:8080",
            level="ERROR",
        ),
    ]
    pool = Hypothesis(
        kind="connection_pool_exhaustion", service="pay", confidence=0.58, summary="pool full"
    )
    hyps = [pool]
    added = cascade.apply(hyps, lines, chain())
    (cause,) = added
    assert (cause.kind, cause.service) == ("database_unavailable", "kv")
    assert cause.confidence > pool.confidence
    assert any("explained by kv" in a for a in pool.against)
    # a refused line naming nothing it depends on points nowhere
    stray = signed(
        FindingType.LOG_SIGNATURE, "pay", "connect ECONNREFUSED 10.0.0.7:443", level="ERROR"
    )
    assert cascade.apply([pool], [stray], chain()) == []
    # a reading of kv that a rule weighed evidence against explains nothing
    doubted = Hypothesis(
        kind="database_unavailable", service="kv", confidence=0.2, summary="kv down",
        against=["kv answers its health checks"],
    )  # fmt: skip
    fresh = pool.model_copy(update={"against": [], "confidence": 0.58})
    assert cascade.apply([fresh, doubted], lines, chain()) == []
    assert fresh.confidence == 0.58 and not fresh.against


def shop() -> Topology:
    return Topology(
        [
            ServiceNode("render", "k8s_deployment", "render", "shop", depends_on=("offers-db",)),
            ServiceNode("offers-db", "external", "offers.example.com", tier="data"),
            ServiceNode("quotes", "k8s_deployment", "quotes", "shop"),
        ]
    )


def test_an_app_timing_its_database_calls_at_seconds_blames_the_datastore() -> None:
    said = alert("render", "Question", "why are page render times so high?")
    slow = signed(
        FindingType.LOG_SIGNATURE, "render", "INFO:app:Database call completed in 8.49 seconds."
    )
    (hyp,) = from_alerts([said], said, shop(), [slow])
    assert (hyp.kind, hyp.service) == ("slow_queries", "offers-db")
    # a playbook's slow_queries on the application moves to the datastore its lines name
    on_app = Hypothesis(kind="slow_queries", service="render", confidence=0.58, summary="slow")
    point_at_dependency([on_app], [slow], shop())
    assert on_app.service == "offers-db"
    # with no datastore to name, the slow calls stay its own
    own = signed(FindingType.LOG_SIGNATURE, "quotes", "query took 2350 ms (SELECT 1)")
    (alone,) = from_alerts([alert("quotes", "Q", "slow")], None, shop(), [own])
    assert (alone.kind, alone.service) == ("slow_queries", "quotes")
    # fast calls are no evidence
    assert match_line("INFO:app:Database call completed in 0.04 seconds.") is None


def test_lock_waits_and_large_seq_scans_on_the_datastore_are_slow_queries() -> None:
    lookup = Topology(
        [
            ServiceNode("lookup", "k8s_deployment", "lookup", "shop", depends_on=("pg",)),
            ServiceNode("pg", "k8s_deployment", "pg", "shop", tier="data"),
        ]
    )
    said = alert("lookup", "HighLatency", "p99 of /orders above 2s")
    for text in (
        "LOG:  process 4821 still waiting for ShareLock on transaction 90311 after 1000.152 ms",
        "Seq Scan on orders  (cost=0.00..1693.00 rows=1 width=72)",
    ):
        line = signed(FindingType.LOG_SIGNATURE, "pg", text, level="LOG")
        assert line.attrs["signature"] == "slow_query", text
        (hyp,) = from_alerts([said], said, lookup, [line])
        assert (hyp.kind, hyp.service) == ("slow_queries", "pg"), text


def test_two_reporters_pointing_at_one_cause_get_one_hypothesis_and_the_list_is_not_extended() -> (
    None
):
    refused = "Lost connection to the cache: Connection refused (ECONNREFUSED) kv:6379"
    lines = [
        signed(FindingType.LOG_SIGNATURE, reporter, refused, level="ERROR")
        for reporter in ("pay", "orders")
    ]
    pool = Hypothesis(
        kind="connection_pool_exhaustion", service="pay", confidence=0.58, summary="pool full"
    )
    hyps = [pool]
    added = cascade.apply(hyps, lines, chain())
    assert [(h.kind, h.service) for h in added] == [("database_unavailable", "kv")]
    assert hyps == [pool] and any("explained by kv" in a for a in pool.against)
