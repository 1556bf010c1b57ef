"""The scenario loader: every example loads, broken variants report FILE:LINE: path: reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import UserError
from sandbox.scenario import ScenarioError, load_scenario, parse_scenario_text
from tests.conftest import example_scenarios

MINIMAL = """\
version: 1
name: tiny-world
now: "2025-01-01T12:00:00Z"
services:
  - name: api
    runs_on: {kind: ec2, name: web-1}
    depends_on: []
aws:
  ec2_instances:
    - {id_ref: web-1, instance_type: t3.micro, state: running, security_groups: [web-sg]}
  security_groups:
    - {name: web-sg, ingress: [{port: 22, cidr: 0.0.0.0/0}]}
metrics:
  - {id: cpu, namespace: AWS/EC2, name: CPUUtilization, dimensions: {InstanceId: web-1},
     stat: Average, unit: Percent, step: 60s, from: -1h, baseline: 20, noise: 1, seed: 3}
alerts:
  - id: a1
    at: -5m
    format: cloudwatch_sns
    name: cpu-high
    severity: critical
    service: api
    metric: cpu
truth:
  incidents:
    - {alerts: [a1], root_alert: a1}
  root_cause: {kind: cpu_saturation, service: api}
"""


def _errors(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario_text(text, "broken.yaml")
    return str(info.value).splitlines()


def test_minimal_scenario_loads_and_truth_is_split_off() -> None:
    loaded = parse_scenario_text(MINIMAL, "ok.yaml")
    scenario = loaded.scenario
    assert scenario.name == "tiny-world"
    assert scenario.now == datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert scenario.at("-5m") == datetime(2025, 1, 1, 11, 55, tzinfo=UTC)
    assert scenario.metrics[0].from_ == timedelta(hours=-1)
    assert not hasattr(scenario, "truth")
    assert "truth" not in scenario.model_dump()
    assert loaded.truth is not None and loaded.truth.incidents[0].root_alert == "a1"


BROKEN = [
    pytest.param(
        ('now: "2025-01-01T12:00:00Z"', "now: [2025"),
        "broken.yaml:4: YAML syntax error",
        id="yaml-syntax",
    ),
    pytest.param(
        ("name: tiny-world", "name: tiny-world\nowner: me"),
        "broken.yaml:3: owner: unknown key",
        id="unknown-top-level-key",
    ),
    pytest.param(
        ("state: running,", "state: running, colour: red,"),
        "broken.yaml:10: aws.ec2_instances[0].colour: unknown key",
        id="unknown-nested-key",
    ),
    pytest.param(
        ("at: -5m", "at: -5 minutes"),
        "broken.yaml:18: alerts[0].at: bad time offset '-5 minutes'",
        id="bad-offset",
    ),
    pytest.param(
        ('now: "2025-01-01T12:00:00Z"\n', ""),
        "broken.yaml:1: now: required key is missing",
        id="missing-now",
    ),
    pytest.param(
        ("severity: critical", "severity: urgent"),
        "broken.yaml:21: alerts[0].severity: Input should be 'critical', 'warning' or 'info'",
        id="bad-severity",
    ),
    pytest.param(
        ("    metric: cpu", "    metric: memory"),
        "broken.yaml:23: alerts[0].metric: unknown metric 'memory'",
        id="alert-unknown-metric",
    ),
    pytest.param(
        ("alerts: [a1], root_alert", "alerts: [a1, a7], root_alert"),
        "broken.yaml:26: truth.incidents[0].alerts[1]: unknown alert id 'a7'",
        id="truth-unknown-alert",
    ),
    pytest.param(
        ("    depends_on: []", "    depends_on: [db]"),
        "broken.yaml:7: services[0].depends_on[0]: unknown service 'db'",
        id="unknown-dependency",
    ),
    pytest.param(
        ("kind: cpu_saturation", "kind: gremlins"),
        "broken.yaml:27: truth.root_cause.kind: Input should be",
        id="truth-bad-kind",
    ),
    pytest.param(
        ("version: 1\n", "version: 1\nversion: 2\n"),
        "broken.yaml:2: version: duplicate key",
        id="duplicate-yaml-key",
    ),
    pytest.param(
        ("port: 22,", "port: ssh,"),
        "broken.yaml:12: aws.security_groups[0].ingress[0].port: Input should be a valid integer",
        id="wrong-type",
    ),
    pytest.param(
        ("security_groups: [web-sg]}", "security_groups: [db-sg]}"),
        "broken.yaml:10: aws.ec2_instances[0].security_groups[0]: unknown security group 'db-sg'",
        id="unknown-security-group",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), BROKEN)
def test_broken_variant_reports_file_line_path_reason(edit: tuple[str, str], expected: str) -> None:
    old, new = edit
    assert old in MINIMAL
    errors = _errors(MINIMAL.replace(old, new, 1))
    assert any(line.startswith(expected) for line in errors), errors


def test_duplicate_metric_id_points_at_the_second_one() -> None:
    text = MINIMAL.replace(
        "alerts:\n",
        "  - {id: cpu, namespace: AWS/EC2, name: CPUCreditBalance}\nalerts:\n",
    )
    assert "broken.yaml:16: metrics[1].id: duplicate metric id 'cpu'" in _errors(text)


def test_several_errors_are_all_reported_in_line_order() -> None:
    text = MINIMAL.replace("state: running", "state: paused").replace("at: -5m", "at: soon")
    errors = _errors(text)
    assert [e.split(":")[1] for e in errors] == ["10", "18"]


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match="must be a YAML mapping"):
        load_scenario(tmp_path / "list.yaml")


@pytest.mark.parametrize("path", example_scenarios(), ids=lambda p: p.name)
def test_every_example_scenario_loads(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.scenario.alerts, "every scenario has alerts"
    assert loaded.truth is not None
    known = {a.id for a in loaded.scenario.alerts}
    assert set(loaded.truth.alert_ids()) <= known


def test_example_scenarios_present(scenarios_dir: Path) -> None:
    assert len(list(scenarios_dir.glob("*.yaml"))) >= 10
