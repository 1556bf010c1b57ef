"""Property: every valid scenario loads and replays (webhooks + investigation) without error.

Scenarios are generated from the contract's own enums, read from the loader's pydantic models so
that a value the contract adds is covered without editing this file: every service kind, metric
event shape, change kind and source, alert format, status and severity, pod phase, event type,
instance state, ingress protocol and root-cause kind. One test builds a scenario holding every
value at once; the property draws small random mixes (issue 15 pt 9).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.replay.runner import replay
from sandbox.aws import moto_server
from sandbox.investigate.enricher import InvestigateEach
from sandbox.scenario import parse_scenario_text
from sandbox.scenario_models import (
    Alert,
    ChangeKind,
    ChangeSource,
    MetricEvent,
    ServiceKind,
)
from sandbox.scenario_resources import Ec2Instance, IngressRule, K8sEvent, Pod
from sandbox.truth import RootCauseKind


def _values(model: Any, field: str) -> list[str]:
    return list(get_args(model.model_fields[field].annotation))


SERVICE_KINDS: list[str] = list(get_args(ServiceKind))
SHAPES = _values(MetricEvent, "shape")
CHANGE_KINDS: list[str] = list(get_args(ChangeKind))
CHANGE_SOURCES: list[str] = list(get_args(ChangeSource))
FORMATS = _values(Alert, "format")
STATUSES = _values(Alert, "status")
SEVERITIES = _values(Alert, "severity")
PHASES = _values(Pod, "phase")
EVENT_TYPES = _values(K8sEvent, "type")
EC2_STATES = _values(Ec2Instance, "state")
PROTOCOLS = _values(IngressRule, "protocol")
CAUSES: list[str] = list(get_args(RootCauseKind))
# Engines moto creates plainly, only inside a cluster (aurora-*), or not at all (a stand-in).
RDS_ENGINES = [
    "postgres",
    "mysql",
    "aurora-postgresql",
    "aurora-mysql",
    "mariadb",
    "aurora",
    "docdb",
    "custom-oracle-ee",
    "sqlserver-ex",
    "oracle-se2",
]
EVENT_NAMES = ["ModifyDBParameterGroup", "AuthorizeSecurityGroupIngress", "StopInstances"]


def _service(i: int, kind: str, engines: list[str], state: str, protocol: str) -> dict[str, Any]:
    """One service of ``kind`` and the resources it runs on."""
    name = f"svc-{i}"
    ns = "prod" if kind == "k8s_deployment" else None
    runs_on: dict[str, Any] = {"kind": kind, "name": name}
    if ns:
        runs_on["namespace"] = ns
    res: dict[str, Any] = {}
    if kind == "ec2":
        res["security_groups"] = [
            {
                "name": f"{name}-sg",
                "ingress": [{"port": 22, "cidr": "0.0.0.0/0", "protocol": protocol}],
            }
        ]
        res["ec2_instances"] = [
            {
                "id_ref": name,
                "state": state,
                "tags": {"Name": name},
                "security_groups": [f"{name}-sg"],
            }
        ]
    elif kind == "rds":
        res["rds_instances"] = [
            {"id": f"{name}-{j}" if j else name, "engine": engine, "max_connections": 50}
            for j, engine in enumerate(engines)
        ]
    elif kind == "lambda":
        res["lambda_functions"] = [{"name": name, "timeout": 30, "reserved_concurrency": 5}]
    elif kind == "ecs_service":
        res["ecs_services"] = [
            {
                "cluster": "prod",
                "name": name,
                "desired": 2,
                "running": 1,
                "task_definition_revisions": [1, 2],
            }
        ]
    elif kind == "s3":
        res["s3_buckets"] = [{"name": f"bucket-{name}", "public": True}]
    elif kind == "cloudfront":
        res["cloudfront_distributions"] = [{"id_ref": name, "origin": "origin.example.com"}]
    elif kind == "alb":
        res["acm_certificates"] = [{"domain": f"{name}.example.com", "not_after": "-5m"}]
    return {"service": {"name": name, "runs_on": runs_on}, "aws": res}


def build(
    kinds: list[str],
    *,
    engines: list[str],
    states: list[str],
    protocols: list[str],
    shapes: list[str],
    changes: list[tuple[str, str]],
    alerts: list[tuple[str, str, str]],
    phases: list[str],
    event_types: list[str],
    cause: str,
) -> str:
    """A scenario's YAML text from the chosen enum values (each list is cycled where needed)."""
    services, aws, deployments, pods, events, logs = [], {}, [], [], [], []  # type: ignore[var-annotated]
    for i, kind in enumerate(kinds):
        part = _service(
            i,
            kind,
            engines,
            states[i % len(states)],
            protocols[i % len(protocols)],
        )
        services.append(part["service"])
        for key, rows in part["aws"].items():
            aws.setdefault(key, []).extend(rows)
        if kind == "k8s_deployment":
            name = f"svc-{i}"
            deployments.append(
                {
                    "namespace": "prod",
                    "name": name,
                    "replicas": len(phases),
                    "revisions": [
                        {"revision": 1, "image": f"acme/{name}:v1", "at": "-2d"},
                        {"revision": 2, "image": f"acme/{name}:v2", "at": "-30m", "env": {"X": 1}},
                    ],
                }
            )
            for j, phase in enumerate(phases):
                pod = f"{name}-pod-{j}"
                pods.append(
                    {
                        "namespace": "prod",
                        "name": pod,
                        "owner": name,
                        "phase": phase,
                        "node": "node-a",
                        "containers": [
                            {
                                "name": "app",
                                "ready": phase == "Running",
                                "restart_count": 3,
                                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                "last_state": {
                                    "terminated": {"reason": "Error", "exit_code": 1, "at": "-2m"}
                                },
                                "resources": {"limits": {"memory": "128Mi"}},
                            }
                        ],
                    }
                )
                etype = event_types[j % len(event_types)]
                events.append(
                    {
                        "namespace": "prod",
                        "object": f"pod/{pod}",
                        "type": etype,
                        "reason": "BackOff",
                        "message": "Back-off restarting failed container",
                        "at": "-2m",
                        "count": 4,
                    }
                )
                logs.append(
                    {
                        "source": f"k8s:prod/{pod}/app",
                        "lines": [{"at": "-3m", "level": "ERROR", "text": "connection refused"}],
                    }
                )
    logs.append(
        {
            "source": "file:web-1:/var/log/app.log",
            "lines": [{"at": "-3m", "text": "disk full", "repeat": 3, "every": "10s"}],
        }
    )
    logs.append(
        {"source": "cloudwatch:/aws/lambda/fn", "lines": [{"at": "-3m", "text": "Task timed out"}]}
    )
    metrics = [
        {
            "id": f"m{i}",
            "namespace": "AWS/EC2",
            "name": "CPUUtilization",
            "dimensions": {"InstanceId": "svc-0"},
            "service": services[0]["name"],
            "step": "60s",
            "from": "-1h",
            "baseline": 10,
            "noise": 1,
            "daily": 0.5,
            "trend": 0.1,
            "seed": i,
            "events": [{"at": "-20m", "shape": shape, "to": 90, "over": "5m"}],
        }
        for i, shape in enumerate(shapes)
    ]
    change_rows = [
        {
            "at": f"-{40 - i}m",
            "kind": kind,
            "service": services[i % len(services)]["name"],
            "source": source,
            "version": f"v{i + 2}",
            "previous": f"v{i + 1}",
            "actor": "dev@example.com",
            "detail": {"event_name": EVENT_NAMES[i % len(EVENT_NAMES)], "commit": f"c{i}"},
        }
        for i, (kind, source) in enumerate(changes)
    ]
    alert_rows = [
        {
            "id": f"a{i}",
            "at": f"-{20 - i}m",
            "format": fmt,
            "status": status,
            "name": f"Alert{i}",
            "severity": severity,
            "service": services[i % len(services)]["name"],
            "labels": {"env": "prod"},
            "summary": f"alert {i} on {services[i % len(services)]['name']}",
            "metric": metrics[i % len(metrics)]["id"],
        }
        for i, (fmt, status, severity) in enumerate(alerts)
    ]
    doc: dict[str, Any] = {
        "version": 1,
        "name": "generated",
        "now": "2025-06-01T12:00:00Z",
        "services": services,
        "aws": aws,
        "metrics": metrics,
        "logs": logs,
        "changes": change_rows,
        "alerts": alert_rows,
        "truth": {
            "incidents": [{"alerts": [a["id"] for a in alert_rows], "root_alert": "a0"}],
            "root_cause": {"kind": cause, "service": services[0]["name"]},
        },
    }
    if deployments:
        doc["kubernetes"] = {
            "deployments": deployments,
            "pods": pods,
            "events": events,
            "nodes": [{"name": "node-a", "conditions": {"MemoryPressure": False}}],
            "hpas": [
                {
                    "namespace": "prod",
                    "name": "h",
                    "target": deployments[0]["name"],
                    "min": 1,
                    "max": 3,
                    "current": 3,
                }
            ],
        }
    return yaml.safe_dump(doc, sort_keys=False)


def replay_text(text: str) -> dict[str, Any]:
    loaded = parse_scenario_text(text, "generated.yaml")
    assert loaded.truth is not None
    with InvestigateEach(loaded.scenario) as investigate:
        return replay(loaded.scenario, enrichers=[investigate])


@pytest.fixture(scope="module", autouse=True)
def one_moto() -> Iterator[None]:
    """moto holds one world per process: keep the server up across examples (each world resets
    it on start)."""
    moto_server.acquire()
    moto_server.release()
    yield


def _assert_replayed(result: dict[str, Any], alerts: int) -> None:
    assert result["scenario"] == "generated"
    grouped = [a for inc in result["incidents"] for a in inc["alerts"]]
    assert set(grouped) <= {f"a{i}" for i in range(alerts)}
    for inc in result["incidents"]:
        assert "hypotheses" in inc["investigation"], inc


def test_a_scenario_with_every_enum_value_replays() -> None:
    n = max(len(FORMATS), len(STATUSES), len(SEVERITIES))
    alerts = [
        (FORMATS[i % len(FORMATS)], STATUSES[i % len(STATUSES)], SEVERITIES[i % len(SEVERITIES)])
        for i in range(n)
    ]
    changes = [
        (CHANGE_KINDS[i % len(CHANGE_KINDS)], CHANGE_SOURCES[i % len(CHANGE_SOURCES)])
        for i in range(max(len(CHANGE_KINDS), len(CHANGE_SOURCES)))
    ]
    text = build(
        SERVICE_KINDS,
        engines=RDS_ENGINES,
        states=EC2_STATES,
        protocols=PROTOCOLS,
        shapes=SHAPES,
        changes=changes,
        alerts=alerts,
        phases=PHASES,
        event_types=EVENT_TYPES,
        cause=CAUSES[0],
    )
    _assert_replayed(replay_text(text), len(alerts))


def test_every_root_cause_kind_loads() -> None:
    for cause in CAUSES:
        text = build(
            ["k8s_deployment"],
            engines=["postgres"],
            states=["running"],
            protocols=["tcp"],
            shapes=["step"],
            changes=[],
            alerts=[("generic", "firing", "critical")],
            phases=["Running"],
            event_types=["Warning"],
            cause=cause,
        )
        loaded = parse_scenario_text(text, f"{cause}.yaml")
        assert loaded.truth is not None and loaded.truth.root_cause is not None
        assert loaded.truth.root_cause.kind == cause


def _some(values: list[str], most: int = 3) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=most)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    kinds=_some(SERVICE_KINDS, 4),
    engines=_some(RDS_ENGINES),
    states=_some(EC2_STATES),
    protocols=_some(PROTOCOLS),
    shapes=_some(SHAPES),
    changes=st.lists(
        st.tuples(st.sampled_from(CHANGE_KINDS), st.sampled_from(CHANGE_SOURCES)), max_size=3
    ),
    alerts=st.lists(
        st.tuples(st.sampled_from(FORMATS), st.sampled_from(STATUSES), st.sampled_from(SEVERITIES)),
        min_size=1,
        max_size=3,
    ),
    phases=_some(PHASES),
    event_types=_some(EVENT_TYPES),
    cause=st.sampled_from(CAUSES),
)
def test_generated_scenarios_load_and_replay(**choices: Any) -> None:
    result = replay_text(build(**choices))
    _assert_replayed(result, len(choices["alerts"]))
