"""Every playbook: one scenario where it fires and one where it does not.

The table runs the whole investigation (classify → plan → parallel steps → interpret) through
the in-process evidence adapter, so forty investigations stay under a few seconds; the same
pipeline over the real clients and the sandbox world is covered by test_live_world.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.investigate import InvestigationContext, Topology, calibrate, investigate_incident
from bot.investigate.flows import default_playbooks
from bot.investigate.models import InvestigationResult
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario
from tests.conftest import SCENARIOS_DIR
from tests.unit.investigate.test_calibrate import STRUCTURAL

HERE = Path(__file__).parent / "scenarios"
FIRES_AT = 0.5


@pytest.fixture(autouse=True, scope="module")
def _the_rules_confidences() -> Iterator[None]:
    """Whether a playbook fires is read at what its rules and the structure of its evidence give
    (``STRUCTURAL``: fixed knobs, no fitted maps): the maps' level is set on cases the rules were
    not tuned on and moves with every refit (tests/bench/calibration_fit.py --write)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calibrate, "calibration", lambda: STRUCTURAL)
        yield


# playbook: (where it fires, the (kind, service) it must put on top), where it must stay quiet
TABLE: dict[str, tuple[str, tuple[str, str], str]] = {
    "connection_pool_exhaustion": ("ex:01", ("connection_pool_exhaustion", "payment-api"), "ex:02"),
    "k8s_crashloop": ("ex:02", ("crashloop_bad_config", "inventory-svc"), "ex:03"),
    "memory_leak": ("ex:03", ("memory_leak", "recommendation-api"), "t:oom-limit-too-low"),
    "k8s_oom_killed": ("t:oom-limit-too-low", ("oom_killed", "pdf"), "ex:03"),
    "ec2_high_cpu": ("ex:04", ("cpu_saturation", "reporting-api"), "ex:05"),
    "disk_exhaustion": ("ex:05", ("disk_exhaustion", "analytics-db"), "ex:04"),
    "rds_down": ("ex:06", ("database_unavailable", "orders-db"), "ex:01"),
    "lambda_timeout": ("ex:07", ("lambda_timeout", "quote-shipping-rates"), "t:lambda-errors"),
    "security_group_open": ("ex:08a", ("security_group_open", "bastion"), "ex:08b"),
    "public_bucket": ("ex:08b", ("public_bucket", "finance-exports"), "ex:08a"),
    "ecs_task_failure": ("ex:09", ("image_pull_error", "checkout"), "ex:05"),
    "ec2_instance_stopped": ("ex:10a", ("instance_stopped", "media-origin"), "ex:04"),
    "lambda_throttling": ("ex:10b", ("lambda_throttling", "thumbnail-generator"), "ex:07"),
    "cloudfront_origin_errors": ("t:cdn-origin-5xx", ("cdn_origin_errors", "origin"), "ex:10a"),
    "lambda_errors": ("t:lambda-errors", ("lambda_errors", "resize"), "ex:07"),
    "lambda_cold_starts": ("t:lambda-cold-starts", ("scaling_limit", "quote"), "ex:07"),
    "rds_slow_queries": ("t:rds-slow-queries", ("slow_queries", "main-db"), "ex:06"),
    "ecs_service_scaling": ("t:asg-at-max", ("scaling_limit", "catalog"), "ex:04"),
    "apigw_latency": ("t:apigw-latency", ("api_gateway_latency", "public-api"), "ex:07"),
    "k8s_image_pull": ("t:k8s-image-pull", ("image_pull_error", "web"), "ex:02"),
    "k8s_pending_pods": ("t:k8s-pending", ("scaling_limit", "batch"), "ex:02"),
    "k8s_deployment_failed": ("t:k8s-rollout-failed", ("deployment_regression", "cart"), "t:quiet"),
    "k8s_service_unreachable": ("t:k8s-unreachable", ("network_partition", "search"), "ex:06"),
    "iam_review": ("t:iam-review", ("iam_risk", "iam:old-deployer"), "ex:04"),
    "certificate_expiry": ("t:cert-expiry", ("certificate_expiry", "ledger"), "t:quiet"),
    "api_latency_spike": ("t:api-deploy-regression", ("deployment_regression", "api"), "t:quiet"),
    "lb_target_health": (
        "t:lb-health-port-mismatch",
        ("deployment_regression", "billing"),
        "t:lb-health-ok",
    ),
    "vpc_reachability": ("t:vpc-unreachable", ("network_partition", "orders"), "t:vpc-reachable"),
}


def _path(ref: str) -> tuple[Path, int]:
    kind, _, name = ref.partition(":")
    index = 0
    if kind == "ex":
        if name[-1] in "ab":
            index = "ab".index(name[-1])
            name = name[:-1]
        matches = sorted(SCENARIOS_DIR.glob(f"{name}-*.yaml"))
        if not matches:
            pytest.skip(f"example scenario {name} absent (looked in {SCENARIOS_DIR})")
        return matches[0], index
    return HERE / f"{name}.yaml", 0


_CACHE: dict[str, InvestigationResult] = {}


def run(ref: str) -> InvestigationResult:
    if ref not in _CACHE:
        path, index = _path(ref)
        loaded = load_scenario(path)
        scenario = loaded.scenario
        ctx = InvestigationContext(
            ScenarioEvidence(scenario), Topology.from_specs(scenario.services)
        )
        alerts = list(scenario.alerts)
        if loaded.truth is not None and len(loaded.truth.incidents) > 1:
            wanted = set(loaded.truth.incidents[index].alerts)  # the grouping, not the answer
            alerts = [a for a in alerts if a.id in wanted]
        _CACHE[ref] = investigate_incident(ctx, incident_view(alerts))
    return _CACHE[ref]


def fired(result: InvestigationResult, playbook: str) -> list[tuple[str, str]]:
    """The playbook's hypotheses at FIRES_AT or more, and its leader even when calibration
    capped it (one symptom alone claims at most ``single_weak_cap``)."""
    cap = STRUCTURAL.single_weak_cap
    return [
        (h.kind, h.service)
        for i, h in enumerate(result.hypotheses)
        if h.playbook == playbook and (h.confidence >= FIRES_AT or (i == 0 and h.confidence >= cap))
    ]


def test_every_playbook_is_in_the_table() -> None:
    names = {b.name for b in default_playbooks() if not b.always}
    assert names == set(TABLE)


@pytest.mark.parametrize("playbook", sorted(TABLE))
def test_playbook_fires(playbook: str) -> None:
    where, expected, _ = TABLE[playbook]
    result = run(where)
    assert expected in fired(result, playbook), [
        (h.kind, h.service, h.confidence, h.playbook) for h in result.hypotheses
    ]
    assert (result.hypotheses[0].kind, result.hypotheses[0].service) == expected


@pytest.mark.parametrize("playbook", sorted(TABLE))
def test_playbook_stays_quiet(playbook: str) -> None:
    _, _, where = TABLE[playbook]
    assert fired(run(where), playbook) == []


def test_general_triage_always_runs() -> None:
    result = run("t:quiet")
    names = {s.primitive for s in result.steps}
    assert {"metrics.scan", "changes.recent", "logs.mine"} <= names
    assert result.hypotheses == [] or result.hypotheses[0].confidence < FIRES_AT
