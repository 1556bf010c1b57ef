"""Signature cause kinds → root-cause kinds (playbooks/reasoning/signature_causes.yaml).

Findings are built as the k8s primitives build them: the catalogue matches the kubelet's or the
scheduler's own words (``match_event`` / ``match_waiting`` / ``match_exit``) and the finding
carries what the entry extracts. One test per mapping family, and one per correction.
"""

from __future__ import annotations

import pytest

from bot.investigate.context import ServiceNode, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.harm import recommend_safely
from bot.investigate.interpret import rank
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.primitives.k8s import raised_limit
from bot.investigate.reasoning import conclude
from bot.investigate.reasoning_data import signature_causes
from bot.investigate.signature_causes import apply, verdicts
from bot.investigate.signatures import (
    SignatureMatch,
    match_event,
    match_exit,
    match_line,
    match_waiting,
)

TOPO = Topology([ServiceNode("api", "k8s_deployment", "api", "prod")])


def pending() -> Finding:
    return Finding(
        type=FindingType.POD_STATE,
        service="api",
        summary="api: 2 of 3 pod(s) Pending",
        source="k8s:pods/prod/api",
        attrs={"reason": "Pending", "last_terminated": False, "count": 2, "pods": 3},
    )


def event(reason: str, message: str) -> Finding:
    match = match_event(reason, message)
    assert match is not None, message
    return Finding(
        type=FindingType.K8S_EVENT,
        service="api",
        summary=f"api: Warning {reason} x5 on pod/api-7d9f-x: {message}",
        source="k8s:events/prod",
        attrs={"reason": reason, "count": 5, "object_kind": "Pod", **match.finding_attrs()},
    )


def pod_state(reason: str, match: SignatureMatch | None, **attrs: object) -> Finding:
    assert match is not None
    return Finding(
        type=FindingType.POD_STATE,
        service="api",
        summary=f"api: 3 of 3 pod(s) {reason}",
        source="k8s:pods/prod/api",
        attrs={"reason": reason, "count": 3, "pods": 3, **attrs, **match.finding_attrs()},
    )


FAMILIES = [
    # (family, finding, root kind)
    (
        "container_config",
        event(
            "FailedMount",
            'MountVolume.SetUp failed for volume "creds" : secret "api-keys" not found',
        ),
        "crashloop_bad_config",
    ),
    (
        "container_config",
        pod_state(
            "CreateContainerConfigError",
            match_waiting("CreateContainerConfigError", 'configmap "app-config" not found'),
        ),
        "crashloop_bad_config",
    ),
    (
        "scheduling_config",
        event(
            "FailedScheduling",
            "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.",
        ),
        "config_change",
    ),
    (
        "scheduling_config",
        event(
            "FailedScheduling",
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
        ),
        "config_change",
    ),
    (
        "capacity",
        event("FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu."),
        "scaling_limit",
    ),
    (
        "capacity",
        event(
            "FailedScheduling",
            "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.",
        ),
        "scaling_limit",
    ),
    (
        "autoscaler",
        event(
            "FailedGetResourceMetric",
            "failed to get cpu utilization: missing request for cpu in container app of Pod api-1",
        ),
        "scaling_limit",
    ),
    (
        "quota_spec",
        event(
            "FailedCreate",
            'Error creating: pods "api-6c8f-8hq2n" is forbidden: failed quota: compute-quota: '
            "must specify limits.cpu for: api",
        ),
        "config_change",
    ),
    (
        "memory",
        pod_state("OOMKilled", match_exit(137, "OOMKilled"), last_terminated=True),
        "oom_killed",
    ),
    (
        "image",
        pod_state(
            "ErrImagePull",
            match_waiting("ErrImagePull", "manifest for registry.example/api:v9 not found"),
        ),
        "image_pull_error",
    ),
    (
        "node_disk",
        event(
            "FailedScheduling",
            "0/3 nodes are available: 3 node(s) had untolerated taint "
            "{node.kubernetes.io/disk-pressure: }.",
        ),
        "disk_exhaustion",
    ),
]


@pytest.mark.parametrize(("family", "found", "root"), FAMILIES)
def test_each_family_maps_the_signature_to_its_root_kind(
    family: str, found: Finding, root: str
) -> None:
    (verdict,) = verdicts([pending(), found])
    assert (verdict.family.name, verdict.family.root) == (family, root)
    added = apply([], [pending(), found])
    assert [(h.kind, h.service) for h in added] == [(root, "api")]
    assert found.summary in added[0].evidence


def test_every_family_is_exercised_and_names_a_vocabulary_kind() -> None:
    from typing import get_args

    from sandbox.truth import RootCauseKind

    ROOT_CAUSE_KINDS = get_args(RootCauseKind)
    rules = signature_causes()
    exercised = {f for f, _, _ in FAMILIES} | {"service_selector"}  # its own test below
    assert exercised == {f.name for f in rules.families}
    for fam in rules.families:
        assert fam.root in ROOT_CAUSE_KINDS
        assert set(fam.corrects) <= set(ROOT_CAUSE_KINDS)


def no_endpoints_alert() -> Finding:
    text = "KubeServiceNoEndpoints Service prod/api has no ready endpoints"
    match = match_line(text)
    assert match is not None
    return Finding(
        type=FindingType.ALERT_SIGNATURE,
        service="api",
        summary=f'api: 1 alert(s) like "{text}" (firing)',
        source="alert:KubeServiceNoEndpoints",
        attrs={"count": 1, "level": "WARNING", "example": text, **match.finding_attrs()},
    )


def test_a_service_selecting_none_of_its_ready_pods_is_its_configuration() -> None:
    down = Hypothesis(
        kind="dependency_failure", service="api", confidence=0.51, summary="api is unreachable"
    )
    hyps = [down]
    (added,) = apply(hyps, [no_endpoints_alert()])
    assert (added.kind, added.service) == ("config_change", "api")
    assert down.confidence < added.confidence and down.against
    # its pods failing explain the empty endpoints: no configuration verdict then
    assert apply([], [no_endpoints_alert(), pending()]) == []
    # a caller's line naming the Service is the caller's symptom, not the Service's selector
    line = no_endpoints_alert().model_copy(update={"type": FindingType.LOG_SIGNATURE})
    assert apply([], [line]) == []


def test_pending_pods_whose_event_says_a_missing_secret_are_not_read_as_out_of_room() -> None:
    findings = [
        pending(),
        event("FailedMount", 'MountVolume.SetUp failed for volume "c" : secret "k" not found'),
    ]
    generic = rank(default_playbooks(), findings, ["api"], TOPO)
    # the phase alone is not "out of room" (k8s_pending_pods wants the scheduler's verdict)
    assert all(h.kind != "scaling_limit" for h in generic)
    done = conclude(generic, default_playbooks(), findings, TOPO)
    assert (done.hypotheses[0].kind, done.hypotheses[0].service) == (
        "crashloop_bad_config",
        "api",
    )
    assert all(h.kind != "scaling_limit" for h in done.hypotheses)
    assert done.actions == [] and done.next_steps  # a config fault: no write, say what to do


def test_a_node_selector_no_node_matches_leads_with_a_config_change() -> None:
    findings = [
        pending(),
        event(
            "FailedScheduling",
            "0/6 nodes are available: 6 node(s) didn't match Pod's node affinity/selector.",
        ),
    ]
    done = conclude(
        rank(default_playbooks(), findings, ["api"], TOPO), default_playbooks(), findings, TOPO
    )
    assert done.hypotheses[0].kind == "config_change"


def test_room_the_cluster_lacks_keeps_the_scaling_limit_reading() -> None:
    findings = [
        pending(),
        event("FailedScheduling", "0/3 nodes are available: 3 Insufficient memory."),
    ]
    done = conclude(
        rank(default_playbooks(), findings, ["api"], TOPO), default_playbooks(), findings, TOPO
    )
    assert done.hypotheses[0].kind == "scaling_limit"
    assert len([h for h in done.hypotheses if h.kind == "scaling_limit"]) == 1


def test_a_signature_the_table_does_not_map_adds_nothing() -> None:
    probe = event("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503")
    assert verdicts([probe]) == []


# ---- OOM kills: raise the limit, never a bare restart -------------------------------------


@pytest.mark.parametrize(
    ("given", "raised"),
    [
        ("256Mi", "512Mi"),
        ("1Gi", "2Gi"),
        ("1.5Gi", "3Gi"),
        ("500M", "1000M"),
        ("134217728", "268435456"),
        ("128Mi,256Mi", None),
        (None, None),
        ("lots", None),
    ],
)
def test_a_memory_limit_is_doubled_in_its_own_unit(given: str | None, raised: str | None) -> None:
    assert raised_limit(given) == raised


def _oom(**extra: object) -> Finding:
    return pod_state(
        "OOMKilled", match_exit(137, "OOMKilled"), last_terminated=True, exit_code=137, **extra
    )


def test_an_oom_kill_with_no_change_to_undo_proposes_raising_the_limit_not_a_restart() -> None:
    findings = [_oom(container="worker", memory_limit="256Mi", memory_limit_next="512Mi")]
    hyp = Hypothesis(kind="oom_killed", service="api", confidence=0.6, summary="oom")
    advice = recommend_safely([hyp], default_playbooks(), findings, TOPO)
    assert advice.actions and advice.actions[0].action == "k8s.set_resources"
    assert advice.actions[0].params == {
        "namespace": "prod",
        "name": "api",
        "container": "worker",
        "memory": "512Mi",
    }
    assert all(a.action != "k8s.restart_deployment" for a in advice.actions)
    assert any("a restart does not fix oom_killed" in w for w in advice.withdrawn)


def _memory_step(rel_change: float, signal: str = "memory") -> Finding:
    return Finding(
        type=FindingType.METRIC_SHIFT,
        service="api",
        summary=f"{signal} (api) rose {rel_change:.1f}x 15 min ago (step)",
        source="test",
        attrs={"signal": signal, "direction": "up", "shape": "step", "rel_change": rel_change},
    )


def test_memory_that_jumped_at_once_from_far_below_its_limit_is_not_fixed_by_a_larger_one() -> None:
    # pressure from outside its usual work (a stress, a runaway job beside it): it would fill
    # a doubled limit too, so the first step is read-only
    findings = [
        _oom(container="worker", memory_limit="256Mi", memory_limit_next="512Mi"),
        _memory_step(1.1),
    ]
    hyp = Hypothesis(kind="oom_killed", service="api", confidence=0.6, summary="oom")
    advice = recommend_safely([hyp], default_playbooks(), findings, TOPO)
    assert advice.actions == []
    assert any(
        "k8s.set_resources on api withdrawn: its memory jumped" in w for w in advice.withdrawn
    )
    assert advice.next_steps and "find what allocates" in advice.next_steps[0]


def test_memory_that_jumped_with_more_requests_keeps_the_larger_limit() -> None:
    findings = [
        _oom(container="worker", memory_limit="256Mi", memory_limit_next="512Mi"),
        _memory_step(1.1),
        _memory_step(2.0, signal="traffic"),
    ]
    hyp = Hypothesis(kind="oom_killed", service="api", confidence=0.6, summary="oom")
    advice = recommend_safely([hyp], default_playbooks(), findings, TOPO)
    assert advice.actions and advice.actions[0].action == "k8s.set_resources"


def test_an_oom_kill_whose_limit_is_unknown_proposes_nothing_and_says_why() -> None:
    findings = [_oom()]
    hyp = Hypothesis(kind="oom_killed", service="api", confidence=0.6, summary="oom")
    advice = recommend_safely([hyp], default_playbooks(), findings, TOPO)
    assert advice.actions == []
    assert advice.next_steps and "No registry action can help api" in hyp.summary


def test_a_reading_a_playbook_weighed_evidence_against_is_not_raised() -> None:
    oom = Hypothesis(
        kind="oom_killed",
        service="api",
        confidence=0.4,
        summary="oom",
        against=["api: memory climbs steadily (a leak)"],
    )
    crash = Hypothesis(kind="crashloop_bad_config", service="api", confidence=0.45, summary="c")
    assert apply([oom, crash], [_oom()]) == []
    assert (oom.confidence, crash.confidence) == (0.4, 0.45)
