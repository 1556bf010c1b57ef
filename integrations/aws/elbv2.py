"""Load balancer target groups and the health of their targets (elbv2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class TargetHealth:
    target_id: str  # an instance id, an IP address or a Lambda ARN
    port: int | None
    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None  # Target.Timeout, Target.ResponseCodeMismatch, Elb.InitialHealthChecking…
    description: str | None
    health_check_port: str | None  # the port the check actually probed, as elbv2 reports it


@dataclass(frozen=True)
class TargetGroup:
    arn: str
    name: str
    protocol: str | None
    port: int | None
    target_type: str  # instance | ip | lambda | alb
    health_check_protocol: str | None
    health_check_port: str  # "traffic-port" or a number
    health_check_path: str | None
    matcher: str | None  # the HTTP codes counted as healthy ("200", "200-299")
    load_balancers: list[str] = field(default_factory=list)  # names
    targets: list[TargetHealth] = field(default_factory=list)


def _pages(paginator: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in paginator.paginate(**kwargs):
        out.extend(page.get(key, []))
    return out


def target_health(client: Any, arn: str) -> list[TargetHealth]:
    with aws_errors(f"target group {arn}"):
        raw = client.describe_target_health(TargetGroupArn=arn)
    out = []
    for d in raw.get("TargetHealthDescriptions", []):
        target, health = d.get("Target", {}), d.get("TargetHealth", {})
        port = target.get("Port")
        out.append(
            TargetHealth(
                target_id=str(target.get("Id", "")),
                port=int(port) if port is not None else None,
                state=str(health.get("State", "")),
                reason=health.get("Reason") or None,
                description=health.get("Description") or None,
                health_check_port=(
                    str(d["HealthCheckPort"]) if d.get("HealthCheckPort") is not None else None
                ),
            )
        )
    return out


def target_groups(client: Any) -> list[TargetGroup]:
    """Every target group with its load balancers' names and its targets' health."""
    with aws_errors("target groups"):
        names = {
            lb["LoadBalancerArn"]: lb["LoadBalancerName"]
            for lb in _pages(client.get_paginator("describe_load_balancers"), "LoadBalancers")
        }
        groups = _pages(client.get_paginator("describe_target_groups"), "TargetGroups")
    out = []
    for g in groups:
        matcher = g.get("Matcher") or {}
        out.append(
            TargetGroup(
                arn=g["TargetGroupArn"],
                name=g["TargetGroupName"],
                protocol=g.get("Protocol"),
                port=int(g["Port"]) if g.get("Port") is not None else None,
                target_type=str(g.get("TargetType", "instance")),
                health_check_protocol=g.get("HealthCheckProtocol"),
                health_check_port=str(g.get("HealthCheckPort") or "traffic-port"),
                health_check_path=g.get("HealthCheckPath"),
                matcher=matcher.get("HttpCode") or matcher.get("GrpcCode"),
                load_balancers=[
                    names.get(a, a.split("/")[-2]) for a in g.get("LoadBalancerArns", [])
                ],
                targets=target_health(client, g["TargetGroupArn"]),
            )
        )
    return out
