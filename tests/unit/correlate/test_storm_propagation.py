"""Round 6's readings of a storm's anomalous call graph (``bot.correlate.propagation``): a random
walk, time-ordered propagation and replica focus. Each is off in the shipped weights (none was
kept by cross-validation, docs/webhooks.md); here each is shown to do what it says, on made-up
services, as a pure function and through the real correlator with its weight on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.correlate import AlertFacts
from bot.correlate.explain import describe_verdict
from bot.correlate.models import CorrelationConfig
from bot.correlate.propagation import CallGraph, focus, order, readings, walk
from bot.topology import Topology
from tests.unit.correlate.storms import elect

T0 = datetime(2025, 1, 1, tzinfo=UTC)
TAU = timedelta(seconds=10)


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _call(i: str, s: int, caller: str, callee: str, method: str = "Get") -> AlertFacts:
    labels = {"caller": caller, "callee": callee, "operation": f"{callee}/{method}"}
    return AlertFacts(i, _at(s), "trace:PD", callee.rsplit("-", 1)[0], labels)


def _seen(i: str, pod: str) -> AlertFacts:
    """A latency anomaly on a pod: a symptom, weighing nothing, that makes the replica known."""
    labels = {"pod": pod, "kpi": "latency"}
    return AlertFacts(i, T0, "metric:latency:up", pod.rsplit("-", 1)[0], labels)


def _web() -> AlertFacts:
    return AlertFacts("w", T0, "trace:latency", "web", {"caller": "web-0", "callee": "web-0"})


def _off() -> CorrelationConfig:
    return CorrelationConfig(storm_fan_in_power=0.0, storm_calibrated=False)


def test_every_reading_is_off_in_the_shipped_weights() -> None:
    config = CorrelationConfig()
    assert (config.storm_walk_weight, config.storm_order_weight, config.storm_focus_weight) == (
        0.0,
        0.0,
        0.0,
    )
    graph = CallGraph({("web", "api"): 1.0}, {("web", "api"): T0})
    assert readings(graph, Topology({"web": ["api"]}), config, {"api": 1.0}, {}) == {}


def test_the_walk_ends_where_the_anomalous_calls_end() -> None:
    # web calls api, api calls db; nothing has anomalies of its own
    calls = {("web", "api"): 2.0, ("api", "db"): 2.0}
    began = {("web", "api"): T0, ("api", "db"): T0}
    visits = walk(CallGraph(calls, began), {"api": 1.0, "db": 1.0}, 0.0, TAU)
    assert sum(visits.values()) == pytest.approx(1.0)
    assert visits["db"] > visits["api"] > visits["web"]


def test_a_caller_more_anomalous_than_its_callees_keeps_the_walk() -> None:
    calls = {("web", "api"): 1.0, ("api", "db"): 1.0}
    began = {("web", "api"): T0, ("api", "db"): T0}
    plain = walk(CallGraph(calls, began), {"api": 0.2, "db": 0.2}, 0.0, TAU)
    own = walk(CallGraph(calls, began), {"api": 1.0, "db": 0.2}, 0.0, TAU)
    assert own["api"] > plain["api"] and own["db"] < plain["db"]


def test_the_walk_steps_less_towards_a_callee_whose_calls_began_much_later() -> None:
    calls = {("web", "early"): 1.0, ("web", "late"): 1.0}
    began = {("web", "early"): T0, ("web", "late"): _at(60)}
    graph = CallGraph(calls, began, own_began={"web": T0})
    visits = walk(graph, {"early": 1.0, "late": 1.0}, 0.0, TAU)
    assert visits["early"] > visits["late"]


def test_order_penalises_calls_that_began_before_the_candidates_first_anomaly() -> None:
    # web's calls into first began 30 s before those into second
    calls = {("web", "first"): 1.0, ("web", "second"): 1.0}
    began = {("web", "first"): T0, ("web", "second"): _at(30)}
    topology = Topology({"web": ["first", "second"]})
    scores = order(CallGraph(calls, began), topology, TAU)
    assert scores["first"] == pytest.approx(0.5)  # explains its own half, nothing before it
    assert scores["second"] == pytest.approx(0.0)  # explains half, half began before it
    # within the detector lag, the two are alike
    assert order(CallGraph(calls, began), topology, timedelta(seconds=40))["second"] == 0.5


def test_order_credits_a_root_with_the_calls_into_those_that_depend_on_it() -> None:
    calls = {("web", "api"): 1.0, ("api", "db"): 1.0}
    began = {("web", "api"): _at(2), ("api", "db"): T0}
    scores = order(CallGraph(calls, began), Topology({"web": ["api"], "api": ["db"]}), TAU)
    assert scores["db"] == pytest.approx(1.0) and scores["api"] == pytest.approx(0.5)


def test_focus_is_one_for_a_single_replica_and_zero_for_an_even_spread() -> None:
    into = {
        "one": {"one-0": 3.0},
        "even": {"even-0": 1.0, "even-1": 1.0, "even-2": 1.0},
        "alone": {"alone-0": 2.0},
    }
    graph = CallGraph({}, {}, into=into, replicas={"one": 3, "even": 3, "alone": 1})
    got = focus(graph)
    assert got["one"] == pytest.approx(1.0)
    assert got["even"] == pytest.approx(0.0)
    assert "alone" not in got  # one replica known: nothing to compare


def test_focus_on_elects_the_callee_whose_calls_all_hit_one_replica() -> None:
    # three callers find one replica each of catalog slow (a load effect over catalog); two
    # find the same replica of ads slow while ads has three replicas (a fault of ads-0)
    topology = Topology({"web": ["catalog", "ads"], "catalog": [], "ads": []})
    alerts = [
        _web(),
        _seen("s1", "ads-1"),
        _seen("s2", "ads-2"),
        _call("c0", 0, "web-0", "catalog-0"),
        _call("c1", 0, "web-1", "catalog-1"),
        _call("c2", 0, "web-2", "catalog-2"),
        _call("a0", 1, "web-0", "ads-0"),
        _call("a1", 1, "web-1", "ads-0"),
    ]
    assert elect(topology, alerts, _off()).service == "catalog"
    config = CorrelationConfig(storm_fan_in_power=0.0, storm_focus_weight=1.0)
    verdict = elect(topology, alerts, config)
    assert (verdict.service, verdict.basis, verdict.runner_up) == ("ads", "calls", "catalog")
    line = describe_verdict(verdict)
    assert "calls concentrated on one replica put it before catalog" in line
    assert "per calling service" not in line  # the fan-in did not decide


def test_order_on_elects_the_callee_whose_calls_went_wrong_first() -> None:
    # calls into stock are more, but began 30 s after those into ledger
    topology = Topology({"web": ["ledger", "stock"], "ledger": [], "stock": []})
    alerts = [
        _web(),
        _call("l0", 0, "web-0", "ledger-0"),
        *(_call(f"s{i}", 30, "web-0", "stock-0", m) for i, m in enumerate(("A", "B", "C"))),
    ]
    assert elect(topology, alerts, _off()).service == "stock"
    config = CorrelationConfig(storm_fan_in_power=0.0, storm_order_weight=2.0)
    assert elect(topology, alerts, config).service == "ledger"


def test_walk_on_keeps_a_caller_more_anomalous_than_a_callee_that_went_wrong_much_later() -> None:
    # web finds api slow by three methods; a minute later api finds db slow by one. The blame
    # carried down the calls ends on db; the walk stays on api (more anomalous than db, and
    # db's calls began long after api's)
    topology = Topology({"web": ["api"], "api": ["db"], "db": []})
    alerts = [
        _web(),
        *(_call(f"a{i}", 0, "web-0", "api-0", m) for i, m in enumerate(("A", "B", "C"))),
        _call("d0", 60, "api-0", "db-0"),
    ]
    assert elect(topology, alerts, _off()).service == "db"
    config = CorrelationConfig(storm_fan_in_power=0.0, storm_walk_weight=10.0)
    assert elect(topology, alerts, config).service == "api"
