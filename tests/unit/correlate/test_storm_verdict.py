"""The storm verdict: its basis and confidence, the alert-role data, and the propagation on its
own (``bot.correlate.elect``)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.correlate import AlertFacts, CorrelationConfig, Correlator, StormVerdict
from bot.correlate.elect import carry_down, share_confidence
from bot.correlate.explain import describe_verdict
from bot.correlate.roles import load_roles, roles
from bot.errors import ConfigError
from bot.topology import Topology

T0 = datetime(2025, 1, 1, tzinfo=UTC)
#: the rules' raw confidences: these tests are about the rules, not confidence.yaml
RAW = CorrelationConfig(storm_calibrated=False)


def _call(i: str, s: int, caller: str, callee: str, name: str = "trace:500") -> AlertFacts:
    service = callee.rsplit("-", 1)[0]
    labels = {"caller": caller, "callee": callee}
    return AlertFacts(i, T0 + timedelta(seconds=s), name, service, labels)


def _verdict(topology: Topology, alerts: list[AlertFacts]) -> StormVerdict | None:
    corr = Correlator(topology, config=RAW)
    for a in alerts:
        corr.place(a)
    (key,) = {corr.group_of(a.id) for a in alerts}
    assert key is not None
    return corr.storm_verdict(key)


def test_a_clear_callee_is_named_with_more_confidence_than_a_split_one() -> None:
    topology = Topology({"web": ["orders", "stock"], "orders": [], "stock": []})
    web = AlertFacts("w", T0, "trace:latency", "web", {"caller": "web-0", "callee": "web-0"})
    clear = _verdict(
        topology,
        [web, _call("a", 0, "web-0", "orders-0"), _call("b", 1, "web-1", "orders-0")],
    )
    split = _verdict(
        topology,
        [web, _call("a", 0, "web-0", "orders-0"), _call("b", 1, "web-1", "stock-0")],
    )
    assert clear is not None and split is not None
    assert clear.service == "orders" and clear.basis == "calls"
    assert split.runner_up is not None
    assert split.confidence < clear.confidence


def test_a_change_before_the_symptoms_is_the_basis_and_is_confident() -> None:
    topology = Topology({"web": ["orders"], "orders": []})
    change = AlertFacts("d", T0 - timedelta(minutes=2), "DeploymentRolledOut", "orders")
    verdict = _verdict(topology, [change, _call("a", 0, "web-0", "orders-0")])
    assert verdict is not None
    assert (verdict.service, verdict.basis, verdict.alert) == ("orders", "change", "d")
    assert verdict.confidence >= 0.6


def test_not_a_storm_has_no_verdict() -> None:
    corr = Correlator(Topology({"web": ["orders"], "orders": []}))
    placed = corr.place(AlertFacts("a", T0, "HighLatency", "web"))
    assert corr.storm_verdict(placed.key) is None


def test_confidence_runs_from_a_tie_to_an_unopposed_winner() -> None:
    assert share_confidence(3.0, 3.0) == pytest.approx(0.2)
    assert share_confidence(3.0, 0.0) == pytest.approx(0.6)
    assert 0.2 < share_confidence(3.0, 1.0) < 0.6


def test_blame_rests_where_the_anomalous_calls_end_and_cycles_do_not_drain() -> None:
    out = {"a": Counter({"b": 1}), "b": Counter({"a": 1})}  # a call cycle
    blame = carry_down({"a": 2.0}, out, pass_down=0.5)
    assert sum(blame.values()) == pytest.approx(2.0)  # nothing created, nothing lost
    assert blame["a"] > blame["b"] > 0


def test_alert_roles_classify_causes_symptoms_and_routine_lines() -> None:
    book = roles()
    assert book.classify("metric:container_cpu_usage_seconds:up").role == "resource"
    assert book.classify("metric:grpc-mrt:up").role == "symptom"
    assert book.classify("KubePodCrashLooping").role == "crash"
    assert book.classify("ArgoRolloutCompleted", kpi="").role == "change"
    assert book.classify("log:template-9", "NullPointerException in handler").role == "error"
    assert book.classify("log:template-8", "DB saved on disk").role == "routine"
    # a datastore's periodic snapshot says "started" but is no restart
    saving = "Background saving started by pid 1829 (occurred 2 times)"
    assert book.classify("log:template-82", saving).role == "routine"
    assert book.classify("log:template-86", "RDB: 0 MB of memory used by copy-on-write").role == (
        "routine"
    )
    first = book.classify("log:template-1", "Application started")
    second = book.classify("log:template-2", "Now listening on: http://0.0.0.0:80")
    assert first.key == second.key  # one restart, however many lines it prints


def test_a_broken_roles_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "roles.yaml"
    bad.write_text("rules:\n  - {role: resource, weight: 1, name: 'cpu(('}\n")
    with pytest.raises(ConfigError, match=r"roles\.yaml: rules\.0\.name"):
        load_roles(bad)
    bad.write_text("rules:\n  - {role: cause, weight: 1}\n")
    with pytest.raises(ConfigError, match=r"rules\.0\.role"):
        load_roles(bad)


def test_a_trace_only_chain_ends_on_the_deepest_anomalous_callee_and_says_why() -> None:
    topology = Topology({"web": ["orders"], "orders": ["ledger"], "ledger": []})
    verdict = _verdict(
        topology,
        [
            _call("a", 0, "web-0", "orders-0"),
            _call("b", 1, "orders-0", "ledger-0"),
            _call("c", 2, "web-1", "orders-1"),
            _call("d", 3, "orders-1", "ledger-0"),
        ],
    )
    assert verdict is not None
    assert (verdict.service, verdict.basis) == ("ledger", "calls")
    assert verdict.why.startswith("2 callers (orders-0, orders-1) see ledger slow or failing")
    assert "it makes no anomalous call itself" in verdict.why
    assert describe_verdict(verdict).startswith(
        f"root service ledger (confidence {verdict.confidence:.2f}, from the anomalous calls)"
    )


def test_own_anomalies_that_stand_out_name_the_replica_its_siblings_and_the_lead() -> None:
    topology = Topology({"web": ["orders"], "orders": []})
    own = [
        AlertFacts(k, T0, f"metric:{k}:up", "orders", {"pod": "orders-1", "kpi": k})
        for k in ("cpu", "memory", "threads", "disk_reads")
    ]
    sibling = AlertFacts("s", T0, "metric:memory:up", "orders", {"pod": "orders-0"})
    verdict = _verdict(topology, [*own, sibling, _call("c", 30, "web-0", "orders-0")])
    assert verdict is not None and (verdict.basis, verdict.entity) == ("own", "orders-1")
    assert "orders-1's own anomalies (cpu up, memory up, threads up +1 more)" in verdict.why
    assert "stand out from its 1 sibling replica by 3" in verdict.why
    assert "the first at 00:00:00, 30 s before the first symptom" in verdict.why


def test_a_caller_that_finds_everything_slow_is_named_as_the_common_factor() -> None:
    topology = Topology(
        {"web": ["orders", "stock"], "checkout": ["orders", "stock"], "orders": [], "stock": []}
    )
    web = AlertFacts("w", T0, "trace:latency", "web", {"caller": "web-0", "callee": "web-0"})
    calls = [_call("a", 0, "web-0", "orders-0"), _call("b", 1, "web-0", "stock-0")]
    verdict = _verdict(topology, [web, *calls])
    assert verdict is not None and (verdict.service, verdict.basis) == ("web", "calls")
    assert verdict.why.startswith(
        "web finds 2 of its dependencies (orders, stock) slow or failing while their other "
        "callers mostly do not"
    )
