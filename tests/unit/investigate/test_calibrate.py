"""Final confidences (playbooks/reasoning/calibration.yaml): one weak finding supports little,
hypotheses compete for the incident's one root cause, the rank order is kept, and each basis's
fitted map moves what the structural rules give.

The structural rules are tested at fixed knob values with the fitted maps off (``STRUCTURAL``),
so that a refit (tests/bench/calibration_fit.py --write) does not change what these tests mean."""

from __future__ import annotations

import pytest

from bot.investigate.calibrate import basis_of, final_confidences, mapped
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning import conclude
from bot.investigate.reasoning_data import Calibration, calibration

#: the structural rules at fixed values, maps off: what a refit writes does not move these tests
STRUCTURAL = calibration().model_copy(
    update={
        "maps": {},
        "single_weak_cap": 0.4,
        "floor": 0.05,
        "corroboration_gain": 0.2,
        "signature_gain": 0.3,
        "close_margin": 0.1,
        "runner_up_share": 0.6,
        "steady_cap": 0.15,
    }
)

LATENCY = Finding(
    type=FindingType.METRIC_SHIFT,
    service="api",
    summary="latency (api) rose 12 min ago",
    source="cloudwatch:TargetResponseTime",
    attrs={"signal": "latency", "direction": "up", "recovered": False},
)
OOM = Finding(
    type=FindingType.POD_STATE,
    service="api",
    summary="api: 3 of 3 pod(s) last terminated with OOMKilled (exit code 137)",
    source="k8s:pods/prod/api",
    attrs={"reason": "OOMKilled", "last_terminated": True, "exit_code": 137},
)


def hyp(kind: str, confidence: float, *evidence: Finding) -> Hypothesis:
    return Hypothesis(
        kind=kind,
        service="api",
        confidence=confidence,
        summary=kind,
        evidence=[f.summary for f in evidence],
    )


def test_one_weak_finding_alone_claims_at_most_the_cap() -> None:
    weak = hyp("traffic_spike", 0.57, LATENCY)
    final_confidences([weak], [LATENCY], STRUCTURAL)
    assert weak.confidence == STRUCTURAL.single_weak_cap


def test_a_strong_finding_alone_keeps_its_confidence() -> None:
    strong = hyp("oom_killed", 0.55, OOM)
    final_confidences([strong], [OOM], STRUCTURAL)
    assert strong.confidence == 0.55


def test_runners_up_claim_at_most_what_the_leader_leaves() -> None:
    top = hyp("oom_killed", 0.92, OOM)
    second = hyp("memory_leak", 0.57, OOM, LATENCY)
    third = hyp("cpu_saturation", 0.3, OOM, LATENCY)
    final_confidences([top, second, third], [OOM, LATENCY], STRUCTURAL)
    assert top.confidence == 0.92
    assert second.confidence == 0.08  # 1 - 0.92
    assert third.confidence == STRUCTURAL.floor
    assert top.confidence + second.confidence <= 1.0


def test_the_rank_order_is_kept() -> None:
    top = hyp("traffic_spike", 0.6, LATENCY)  # capped to 0.4 ...
    second = hyp("oom_killed", 0.55, OOM)  # ... and the one below never claims more
    final_confidences([top, second], [LATENCY, OOM], STRUCTURAL)
    assert top.confidence >= second.confidence


def test_conclude_sets_the_final_confidences() -> None:
    topo = Topology([ServiceNode("api", "k8s_deployment", "api", "prod")])
    done = conclude([hyp("traffic_spike", 0.57, LATENCY)], default_playbooks(), [LATENCY], topo)
    alone = hyp("traffic_spike", 0.57, LATENCY)
    final_confidences([alone], [LATENCY])  # the rules in calibration.yaml, fitted maps included
    assert done.hypotheses[0].confidence == alone.confidence != 0.57


SIGNED_EVENT = Finding(
    type=FindingType.K8S_EVENT,
    service="api",
    summary="api: Warning FailedMount: secret db-creds not found (x14)",
    source="k8s:events/prod",
    attrs={"reason": "FailedMount", "signature": "secret_missing", "signature_id": "k8s.x"},
)
CHANGE = Finding(
    type=FindingType.CHANGE,
    service="api",
    summary="api: config change 20 min ago",
    source="github",
    attrs={"kind": "config"},
)
GRAPH = Finding(
    type=FindingType.TOPOLOGY,
    service="api",
    summary="api depends on db",
    source="topology",
    attrs={},
)


def test_an_unopposed_leader_whose_system_printed_a_known_signature_gains() -> None:
    rules = STRUCTURAL
    alone = hyp("crashloop_bad_config", 0.5, SIGNED_EVENT)
    final_confidences([alone], [SIGNED_EVENT], STRUCTURAL)
    assert alone.confidence == round(0.5 + 0.5 * rules.signature_gain, 3)


def test_a_close_competitor_withholds_the_gain_and_runners_up_claim_their_share() -> None:
    rules = STRUCTURAL
    leader = hyp("crashloop_bad_config", 0.5, SIGNED_EVENT)
    close = hyp("scaling_limit", 0.45, SIGNED_EVENT)
    final_confidences([leader, close], [SIGNED_EVENT], STRUCTURAL)
    assert leader.confidence == 0.5
    assert close.confidence == round(0.45 * rules.runner_up_share, 3)


def test_each_independent_kind_of_evidence_beyond_the_first_closes_more_headroom() -> None:
    rules = STRUCTURAL
    one = hyp("config_change", 0.5, CHANGE, GRAPH)  # the graph is context, not a witness
    three = hyp("config_change", 0.5, CHANGE, OOM, LATENCY, GRAPH)
    final_confidences([one], [CHANGE, GRAPH], STRUCTURAL)
    final_confidences([three], [CHANGE, OOM, LATENCY, GRAPH], STRUCTURAL)
    assert one.confidence == 0.5
    assert three.confidence == round(0.5 + 0.5 * 2 * rules.corroboration_gain, 3)


def test_cause_not_identified_gains_nothing_however_it_is_witnessed() -> None:
    unknown = hyp("crashloop_bad_config", STRUCTURAL.identified_above, SIGNED_EVENT, OOM)
    final_confidences([unknown], [SIGNED_EVENT, OOM], STRUCTURAL)
    assert unknown.confidence == STRUCTURAL.identified_above


def test_a_leader_resting_partly_on_an_alerts_words_gains_nothing() -> None:
    assumed = hyp("crashloop_bad_config", 0.35, SIGNED_EVENT)
    assumed.evidence.append("alert PodNotReady on api: what is wrong with api?")
    final_confidences([assumed], [SIGNED_EVENT], STRUCTURAL)
    assert assumed.confidence == 0.35


# --- the basis each confidence rests on, and its fitted map ---------------------------------------

ALERT_WORDS = "alert PodNotReady on api: what is wrong with api?"


def test_the_basis_of_a_hypothesis() -> None:
    by_summary = {f.summary: f for f in (OOM, SIGNED_EVENT)}
    rules = STRUCTURAL
    leader = hyp("oom_killed", 0.8, OOM)
    unknown = hyp("crashloop_bad_config", rules.identified_above, OOM)
    alert = hyp("crashloop_bad_config", 0.15)
    alert.evidence.append(ALERT_WORDS)
    assert basis_of(0, leader, by_summary, rules, None) == "leader"
    assert basis_of(1, leader, by_summary, rules, None) == "runner_up"
    assert basis_of(0, unknown, by_summary, rules, None) == "unknown"
    assert basis_of(0, alert, by_summary, rules, None) == "alert"
    assert basis_of(0, leader, by_summary, rules, "api looks steady") == "steady"


def test_a_map_interpolates_between_its_points_and_is_flat_beyond_them() -> None:
    points = [(0.2, 0.3), (0.6, 0.5)]
    assert mapped(points, 0.4) == pytest.approx(0.4)
    assert (mapped(points, 0.1), mapped(points, 0.9)) == (0.3, 0.5)
    assert mapped([], 0.42) == 0.42


def _with(basis: str, points: list[tuple[float, float]]) -> Calibration:
    return STRUCTURAL.model_copy(update={"maps": {basis: points}})


def test_the_alert_map_moves_an_answer_resting_on_an_alert_alone() -> None:
    rules = _with("alert", [(0.0, 0.5), (1.0, 0.6)])  # alerts that name a failure are right
    assumed = hyp("crashloop_bad_config", 0.15)
    assumed.evidence.append(ALERT_WORDS)
    final_confidences([assumed], [], rules)
    assert assumed.confidence == pytest.approx(0.515)
    facts = hyp("oom_killed", 0.55, OOM)  # the same map leaves a leader resting on facts alone
    final_confidences([facts], [OOM], rules)
    assert facts.confidence == 0.55


def test_the_runner_up_map_moves_hypotheses_ranked_below_another() -> None:
    rules = _with("runner_up", [(0.0, 0.0), (1.0, 0.1)])  # runners-up are seldom right
    top, second = hyp("oom_killed", 0.5, OOM), hyp("memory_leak", 0.4, OOM)
    final_confidences([top, second], [OOM], rules)
    assert top.confidence == 0.5
    assert second.confidence == pytest.approx(0.1 * 0.4 * STRUCTURAL.runner_up_share)


def test_the_unknown_map_moves_a_leader_whose_cause_is_not_identified() -> None:
    rules = _with("unknown", [(0.0, 0.1), (0.25, 0.45)])
    unknown = hyp("crashloop_bad_config", STRUCTURAL.identified_above, OOM)
    final_confidences([unknown], [OOM], rules)
    assert unknown.confidence == 0.45


def test_the_leader_map_moves_a_leader_naming_a_cause_from_facts() -> None:
    rules = _with("leader", [(0.5, 0.6), (1.0, 0.9)])
    leader = hyp("oom_killed", 0.55, OOM)
    final_confidences([leader], [OOM], rules)
    assert leader.confidence == pytest.approx(0.63)


STEADY_LINE = Finding(  # an error line of a service that looks steady (steady.py)
    type=FindingType.LOG_TEMPLATE,
    service="api",
    summary="api: timeout talking to cache (x2)",
    source="k8s:logs/prod/api",
    attrs={"count": 2},
)


def test_the_steady_map_moves_a_failure_resting_on_a_steady_service_lines() -> None:
    rules = _with("steady", [(0.0, 0.02), (1.0, 0.1)])
    quiet = hyp("network_partition", 0.5, STEADY_LINE)
    final_confidences([quiet], [STEADY_LINE], rules, steady={"api": "api looks steady"})
    assert quiet.confidence == pytest.approx(0.02 + 0.08 * STRUCTURAL.single_weak_cap)
    assert quiet.against == ["api looks steady"]


def test_a_map_never_lifts_a_runner_up_above_the_leader() -> None:
    rules = _with("runner_up", [(0.0, 0.9), (1.0, 0.95)])
    top, second = hyp("oom_killed", 0.3, OOM), hyp("memory_leak", 0.2, OOM)
    final_confidences([top, second], [OOM], rules.model_copy(update={"exclusive": False}))
    assert second.confidence <= top.confidence == 0.3


@pytest.mark.parametrize(
    "maps",
    [
        {"leader": [(0.2, 0.5), (0.6, 0.4)]},  # falls: not monotone
        {"leader": [(0.6, 0.4), (0.2, 0.5)]},  # x not rising
        {"alert": [(0.2, 1.5)]},  # outside [0, 1]
        {"someone": [(0.2, 0.3)]},  # not a basis
    ],
)
def test_a_map_that_is_not_a_monotone_map_of_a_basis_is_refused(
    maps: dict[str, list[tuple[float, float]]],
) -> None:
    with pytest.raises(ValueError):
        Calibration.model_validate({**STRUCTURAL.model_dump(), "maps": maps})


def test_the_fitted_maps_in_the_yaml_are_monotone_maps_of_known_bases() -> None:
    rules = calibration()  # loading validates; every map keeps the order within its basis
    for points in rules.maps.values():
        ys = [mapped(points, x / 20) for x in range(21)]
        assert ys == sorted(ys)


def _weak_leader() -> tuple[list[Hypothesis], list[Finding]]:
    return [hyp("traffic_spike", 0.57, LATENCY)], [LATENCY]


def _corroborated_leader() -> tuple[list[Hypothesis], list[Finding]]:
    return [hyp("config_change", 0.5, CHANGE, OOM, LATENCY)], [CHANGE, OOM, LATENCY]


def _signed_leader() -> tuple[list[Hypothesis], list[Finding]]:
    return [hyp("crashloop_bad_config", 0.5, SIGNED_EVENT)], [SIGNED_EVENT]


def _close_pair() -> tuple[list[Hypothesis], list[Finding]]:
    pair = [hyp("crashloop_bad_config", 0.5, SIGNED_EVENT), hyp("scaling_limit", 0.38, OOM)]
    return pair, [SIGNED_EVENT, OOM]


def _runner_up() -> tuple[list[Hypothesis], list[Finding]]:
    pair = [hyp("oom_killed", 0.5, OOM), hyp("memory_leak", 0.4, OOM)]
    return pair, [OOM]


def _crowded() -> tuple[list[Hypothesis], list[Finding]]:
    trio = [hyp("oom_killed", 0.95, OOM), hyp("memory_leak", 0.9, OOM), hyp("cpu", 0.5, OOM)]
    return trio, [OOM]


def _steady_line() -> tuple[list[Hypothesis], list[Finding]]:
    return [hyp("dependency_failure", 0.5, STEADY_LINE)], [STEADY_LINE]


@pytest.mark.parametrize(
    ("knob", "low", "high", "case", "which", "rises"),
    [
        ("single_weak_cap", 0.3, 0.5, _weak_leader, 0, True),
        ("corroboration_gain", 0.1, 0.3, _corroborated_leader, 0, True),
        ("signature_gain", 0.1, 0.4, _signed_leader, 0, True),
        ("close_margin", 0.05, 0.2, _close_pair, 0, False),  # a wider margin withholds the gain
        ("runner_up_share", 0.4, 0.8, _runner_up, 1, True),
        ("floor", 0.0, 0.1, _crowded, 2, True),
        ("steady_cap", 0.1, 0.3, _steady_line, 0, True),
    ],
)
def test_each_fitted_knob_moves_a_confidence_the_intended_way(
    knob: str,
    low: float,
    high: float,
    case: object,
    which: int,
    rises: bool,
) -> None:
    got = []
    for value in (low, high):
        hyps, findings = case()  # type: ignore[operator]
        rules = STRUCTURAL.model_copy(update={knob: value})
        final_confidences(hyps, findings, rules, steady={"api": "api looks steady"})
        got.append(hyps[which].confidence)
    assert (got[1] > got[0]) if rises else (got[1] < got[0])


def test_the_maps_move_what_is_shown_not_the_rules_own_scale() -> None:
    # a refit that shows every leader at its share right (flat at 0.37) leaves the rules' own
    # reading of the leader and of the runner-up as the stages without maps give them
    rules = _with("leader", [(0.0, 0.37), (1.0, 0.37)])
    top, second = hyp("oom_killed", 0.8, OOM), hyp("memory_leak", 0.4, OOM)
    final_confidences([top, second], [OOM], rules)
    assert top.confidence == 0.37 and top.rules_confidence == 0.8
    assert second.rules_confidence == pytest.approx(0.2)  # what the leader at 0.8 leaves
    unmapped = [hyp("oom_killed", 0.8, OOM), hyp("memory_leak", 0.4, OOM)]
    final_confidences(unmapped, [OOM], STRUCTURAL)
    assert [h.rules_confidence for h in unmapped] == [h.confidence for h in unmapped]
    assert "rules_confidence" not in top.model_dump()  # not stored, not in the contract
