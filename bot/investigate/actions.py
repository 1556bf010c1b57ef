"""A small typed catalogue of remediation actions (name, params, risk).

TEMPORARY until the remediation registry (issue 8) exists: the registry will replace or feed
this table; investigations only ever recommend names listed here, with validated params.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Risk = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    params: dict[str, type]  # required params and their types
    risk: Risk
    optional: tuple[str, ...] = ()


def _spec(action: str, risk: Risk, optional: tuple[str, ...] = (), **params: type) -> ActionSpec:
    return ActionSpec(action, params, risk, optional)


ACTIONS: dict[str, ActionSpec] = {
    s.name: s
    for s in [
        _spec("k8s.rollback_deployment", "medium", ("revision",), namespace=str, name=str),
        _spec("k8s.restart_deployment", "low", (), namespace=str, name=str),
        _spec("k8s.scale_deployment", "medium", (), namespace=str, name=str, replicas=int),
        _spec(
            "k8s.set_resources", "medium", (), namespace=str, name=str, container=str, memory=str
        ),
        _spec("k8s.delete_pod", "low", (), namespace=str, name=str),
        _spec("ec2.start_instance", "low", (), instance=str),
        _spec("ec2.reboot_instance", "medium", (), instance=str),
        _spec("ec2.revoke_ingress", "medium", (), group=str, port=int, cidr=str),
        _spec("s3.block_public_access", "medium", (), bucket=str),
        _spec("rds.reboot_instance", "high", (), id=str),
        _spec("rds.modify_parameter", "high", (), id=str, name=str, value=str),
        _spec("lambda.set_timeout", "low", (), name=str, seconds=int),
        _spec("lambda.set_reserved_concurrency", "medium", (), name=str, concurrency=int),
        _spec(
            "ecs.rollback_service",
            "medium",
            (),
            cluster=str,
            service=str,
            task_definition_revision=int,
        ),
        _spec("ecs.scale_service", "medium", (), cluster=str, service=str, desired=int),
        _spec("asg.set_desired_capacity", "medium", ("max",), name=str, desired=int),
        _spec("cloudfront.invalidate", "low", ("paths",), distribution=str),
        _spec("iam.deactivate_access_key", "high", (), user=str),
        _spec("runbook.run", "medium", (), name=str),
    ]
}


def validate_params(name: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Coerced params when they satisfy the spec, else None."""
    spec = ACTIONS.get(name)
    if spec is None:
        return None
    out: dict[str, Any] = {}
    for key, typ in spec.params.items():
        if key not in params or params[key] in (None, ""):
            return None
        try:
            out[key] = typ(params[key])
        except (TypeError, ValueError):
            return None
    for key in spec.optional:
        if params.get(key) not in (None, ""):
            out[key] = params[key]
    return out
