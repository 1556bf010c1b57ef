"""Config diff between the live and the previous version of what runs a service.

Kubernetes deployment revisions (image, env), ECS task definition revisions, Lambda
configuration limits, RDS parameter-group changes (from the change history).
"""

from __future__ import annotations

from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, ago_text, minutes_ago
from bot.investigate.primitives.signals import key_class


def _num(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def k8s_revisions(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for name in scope.services:
        node = ctx.topology.get(name)
        if not node or node.kind != "k8s_deployment" or not node.namespace:
            continue
        revs = sorted(
            ctx.evidence.deployment_revisions(node.namespace, node.resource),
            key=lambda r: r.revision,
        )
        if len(revs) < 2:
            continue
        live, prev = revs[-1], revs[-2]
        ago = minutes_ago(ctx, live.at)
        base = {
            "platform": "k8s",
            "revision": live.revision,
            "previous_revision": prev.revision,
            "minutes_ago": ago,
        }
        src = f"k8s:deployment/{node.namespace}/{node.resource}"
        if live.image != prev.image:
            out.append(
                Finding(
                    type=FindingType.CONFIG_DIFF,
                    service=name,
                    source=src,
                    at=live.at,
                    summary=f"{name}: revision {prev.revision} → {live.revision} ({ago_text(ago)}) "
                    f"changed image {prev.image} → {live.image}",
                    attrs={
                        **base,
                        "field": "image",
                        "key": "image",
                        "key_class": "image",
                        "old": prev.image,
                        "new": live.image,
                        "direction": "changed",
                    },
                )
            )
        for key in sorted(set(prev.env) | set(live.env)):
            old, new = prev.env.get(key), live.env.get(key)
            if old == new:
                continue
            o, n = _num(old), _num(new)
            direction = "changed"
            if o is not None and n is not None:
                direction = "down" if n < o else "up"
            elif old is not None and new is not None and o is not None and n is None:
                direction = "format"  # a number became free text
            out.append(
                Finding(
                    type=FindingType.CONFIG_DIFF,
                    service=name,
                    source=src,
                    at=live.at,
                    summary=f"{name}: revision {live.revision} changed env {key} "
                    f"{old!r} → {new!r} (was revision {prev.revision})",
                    attrs={
                        **base,
                        "field": "env",
                        "key": key,
                        "key_class": key_class(key),
                        "old": old,
                        "new": new,
                        "direction": direction,
                    },
                )
            )
    return out


def ecs_revisions(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for svc in ctx.evidence.ecs_services():
        node = ctx.topology.by_resource(svc.name)
        if not node or node.name not in scope.services or node.kind != "ecs_service":
            continue
        if len(svc.revisions) < 2:
            continue
        live, prev = svc.revisions[-1], svc.revisions[-2]
        out.append(
            Finding(
                type=FindingType.CONFIG_DIFF,
                service=node.name,
                source=f"ecs:{svc.cluster}/{svc.name}",
                summary=f"{node.name}: ECS service runs task definition {svc.name}:{live} "
                f"(previous {svc.name}:{prev})",
                attrs={
                    "platform": "ecs",
                    "field": "task_definition",
                    "key": "task_definition",
                    "key_class": "image",
                    "revision": live,
                    "previous_revision": prev,
                    "cluster": svc.cluster,
                    "direction": "changed",
                },
            )
        )
    return out


def rds_parameters(
    ctx: InvestigationContext, scope: Scope, params: dict[str, Any]
) -> list[Finding]:
    out: list[Finding] = []
    for change in ctx.evidence.changes(scope.long_start, scope.end):
        detail = change.detail
        if not change.event_name or "Parameter" not in change.event_name:
            continue
        service = change.service if change.service in scope.services else None
        if service is None:
            continue
        param = detail.get("parameter")
        ago = minutes_ago(ctx, change.at)
        out.append(
            Finding(
                type=FindingType.CONFIG_DIFF,
                service=service,
                source=f"cloudtrail:{change.event_name}",
                at=change.at,
                summary=f"{service}: {change.event_name} {ago_text(ago)} set {param} "
                f"{detail.get('old_value')!r} → {detail.get('new_value')!r}"
                + (f" ({detail.get('apply_method')})" if detail.get("apply_method") else ""),
                attrs={
                    "platform": "rds",
                    "field": "parameter",
                    "key": param,
                    "key_class": key_class(str(param)),
                    "old": detail.get("old_value"),
                    "new": detail.get("new_value"),
                    "direction": "changed",
                    "minutes_ago": ago,
                    "parameter_group": detail.get("parameter_group"),
                },
            )
        )
    return out


PRIMITIVES = {
    "config_diff.k8s": k8s_revisions,
    "config_diff.ecs": ecs_revisions,
    "config_diff.rds": rds_parameters,
}
