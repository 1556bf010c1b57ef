"""Final confidences (playbooks/reasoning/calibration.yaml): one weak finding supports little,
hypotheses compete for the incident's one root cause, and the rank order is kept."""

from __future__ import annotations

from bot.investigate.calibrate import final_confidences
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning import conclude
from bot.investigate.reasoning_data import calibration

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
    final_confidences([weak], [LATENCY])
    assert weak.confidence == calibration().single_weak_cap


def test_a_strong_finding_alone_keeps_its_confidence() -> None:
    strong = hyp("oom_killed", 0.55, OOM)
    final_confidences([strong], [OOM])
    assert strong.confidence == 0.55


def test_runners_up_claim_at_most_what_the_leader_leaves() -> None:
    top = hyp("oom_killed", 0.92, OOM)
    second = hyp("memory_leak", 0.57, OOM, LATENCY)
    third = hyp("cpu_saturation", 0.3, OOM, LATENCY)
    final_confidences([top, second, third], [OOM, LATENCY])
    assert top.confidence == 0.92
    assert second.confidence == 0.08  # 1 - 0.92
    assert third.confidence == calibration().floor
    assert top.confidence + second.confidence <= 1.0


def test_the_rank_order_is_kept() -> None:
    top = hyp("traffic_spike", 0.6, LATENCY)  # capped to 0.4 ...
    second = hyp("oom_killed", 0.55, OOM)  # ... and the one below never claims more
    final_confidences([top, second], [LATENCY, OOM])
    assert top.confidence >= second.confidence


def test_conclude_sets_the_final_confidences() -> None:
    topo = Topology([ServiceNode("api", "k8s_deployment", "api", "prod")])
    done = conclude([hyp("traffic_spike", 0.57, LATENCY)], default_playbooks(), [LATENCY], topo)
    assert done.hypotheses[0].confidence <= calibration().single_weak_cap


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
    rules = calibration()
    alone = hyp("crashloop_bad_config", 0.5, SIGNED_EVENT)
    final_confidences([alone], [SIGNED_EVENT])
    assert alone.confidence == round(0.5 + 0.5 * rules.signature_gain, 3)


def test_a_close_competitor_withholds_the_gain_and_runners_up_claim_their_share() -> None:
    rules = calibration()
    leader = hyp("crashloop_bad_config", 0.5, SIGNED_EVENT)
    close = hyp("scaling_limit", 0.45, SIGNED_EVENT)
    final_confidences([leader, close], [SIGNED_EVENT])
    assert leader.confidence == 0.5
    assert close.confidence == round(0.45 * rules.runner_up_share, 3)


def test_each_independent_kind_of_evidence_beyond_the_first_closes_more_headroom() -> None:
    rules = calibration()
    one = hyp("config_change", 0.5, CHANGE, GRAPH)  # the graph is context, not a witness
    three = hyp("config_change", 0.5, CHANGE, OOM, LATENCY, GRAPH)
    final_confidences([one], [CHANGE, GRAPH])
    final_confidences([three], [CHANGE, OOM, LATENCY, GRAPH])
    assert one.confidence == 0.5
    assert three.confidence == round(0.5 + 0.5 * 2 * rules.corroboration_gain, 3)


def test_cause_not_identified_gains_nothing_however_it_is_witnessed() -> None:
    unknown = hyp("crashloop_bad_config", calibration().identified_above, SIGNED_EVENT, OOM)
    final_confidences([unknown], [SIGNED_EVENT, OOM])
    assert unknown.confidence == calibration().identified_above


def test_a_leader_resting_partly_on_an_alerts_words_gains_nothing() -> None:
    assumed = hyp("crashloop_bad_config", 0.35, SIGNED_EVENT)
    assumed.evidence.append("alert PodNotReady on api: what is wrong with api?")
    final_confidences([assumed], [SIGNED_EVENT])
    assert assumed.confidence == 0.35
