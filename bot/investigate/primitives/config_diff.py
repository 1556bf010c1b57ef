"""Config diff between the live and the previous version of what runs a service.

Kubernetes deployment revisions (image, env), ECS task definition revisions, Lambda
configuration limits, RDS parameter-group changes (from the change history).
"""

from __future__ import annotations

from datetime import datetime, timedelta
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


def _diff(
    service: str,
    source: str,
    at: datetime | None,
    summary: str,
    base: dict[str, Any],
    **attrs: Any,
) -> Finding:
    """A ``config_diff`` finding: ``base`` (platform, revisions, when) then what changed."""
    return Finding(
        type=FindingType.CONFIG_DIFF,
        service=service,
        source=source,
        at=at,
        summary=summary,
        attrs={**base, **attrs},
    )


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
                _diff(
                    name,
                    src,
                    live.at,
                    f"{name}: revision {prev.revision} → {live.revision} ({ago_text(ago)}) "
                    f"changed image {prev.image} → {live.image}",
                    base,
                    field="image",
                    key="image",
                    key_class="image",
                    old=prev.image,
                    new=live.image,
                    direction="changed",
                )
            )
        if live.image == prev.image and live.env == prev.env:
            out += _template_change(ctx, name, node.namespace, node.resource, live, base, src)
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
                _diff(
                    name,
                    src,
                    live.at,
                    f"{name}: revision {live.revision} changed env {key} "
                    f"{old!r} → {new!r} (was revision {prev.revision})",
                    base,
                    field="env",
                    key=key,
                    key_class=key_class(key),
                    old=old,
                    new=new,
                    direction=direction,
                )
            )
    return out


#: how far a recorded change to a deployment may be from the revision it made
TEMPLATE_CHANGE_WINDOW = timedelta(minutes=5)


def _template_change(
    ctx: InvestigationContext,
    name: str,
    namespace: str,
    resource: str,
    live: Any,
    base: dict[str, Any],
    src: str,
) -> list[Finding]:
    """A revision that kept the image and the environment still changed the pod template (its
    command, a probe, an init container, the node selector, resources, volumes, labels). The
    change recorded on ``deployment/<name>`` when the revision was made names the field; with
    no such record (a ``rollout restart`` only stamps an annotation) there is nothing to say."""
    if live.at is None:
        return []
    out: list[Finding] = []
    target = f"deployment/{resource}"
    near = TEMPLATE_CHANGE_WINDOW
    for change in ctx.evidence.changes(live.at - near, live.at + near):
        field = change.detail.get("field")
        if str(change.detail.get("object", "")) != target or not field:
            continue
        if change.detail.get("namespace") not in (None, namespace):
            continue
        old, new = change.detail.get("from"), change.detail.get("to")
        out.append(
            _diff(
                name,
                src,
                live.at,
                f"{name}: revision {base['previous_revision']} → {base['revision']} "
                f"({ago_text(base['minutes_ago'])}) changed the pod template: {field} "
                f"{old!r} → {new!r}",
                base,
                field="template",
                key=str(field),
                key_class=key_class(str(field)),
                old=None if old is None else str(old),
                new=None if new is None else str(new),
                direction="changed",
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


_NAME_KEYS = ("parameter", "parameter_name", "setting", "key", "variable")
_OLD_KEYS = ("old_value", "old", "previous_value", "from", "before")
_NEW_KEYS = ("new_value", "new", "value", "to", "after")


def _first(detail: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if detail.get(key) not in (None, ""):
            return detail[key]
    return None


def detail_diffs(detail: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(key, old, new) settings a change's detail says it changed: a named parameter with its
    old and new values, or any ``X`` next to ``previous_X`` / ``old_X`` / ``X_old`` /
    ``X_before``."""
    out: list[tuple[str, Any, Any]] = []
    name = _first(detail, _NAME_KEYS)
    old, new = _first(detail, _OLD_KEYS), _first(detail, _NEW_KEYS)
    if name is not None:
        out.append((str(name), old, new))
    for key, value in detail.items():
        for old_key in (f"previous_{key}", f"old_{key}", f"{key}_old", f"{key}_before"):
            if old_key in detail and detail[old_key] != value:
                out.append((key, detail[old_key], value))
                break
    return out


def direction(old: Any, new: Any) -> str:
    """``down`` / ``up`` when both sides are numbers, ``changed`` otherwise."""
    o, n = _num(None if old is None else str(old)), _num(None if new is None else str(new))
    if o is not None and n is not None and o != n:
        return "down" if n < o else "up"
    return "changed"


def _change_diffs(ctx: InvestigationContext, scope: Scope, *, parameters: bool) -> list[Finding]:
    out: list[Finding] = []
    for change in ctx.evidence.changes(scope.long_start, scope.end):
        event = change.event_name or ""
        if ("Parameter" in event) != parameters or change.kind == "deployment":
            continue
        service = change.service if change.service in scope.services else None
        if service is None:
            continue
        node = ctx.topology.get(service)
        platform = "rds" if parameters else (node.kind if node else "unknown")
        ago = minutes_ago(ctx, change.at)
        what = event or change.kind
        for key, old, new in detail_diffs(change.detail):
            apply = change.detail.get("apply_method")
            out.append(
                _diff(
                    service,
                    f"{change.source}:{what}",
                    change.at,
                    f"{service}: {what} {ago_text(ago)} set {key} {old!r} → {new!r}"
                    + (f" ({apply})" if apply else ""),
                    {"platform": platform},
                    field="parameter" if parameters else "setting",
                    key=key,
                    key_class=key_class(key),
                    old=None if old is None else str(old),
                    new=None if new is None else str(new),
                    direction=direction(old, new),
                    minutes_ago=ago,
                    parameter_group=change.detail.get("parameter_group"),
                )
            )
    return out


def rds_parameters(
    ctx: InvestigationContext, scope: Scope, params: dict[str, Any]
) -> list[Finding]:
    """RDS parameter-group changes of services in scope, old → new per parameter."""
    return _change_diffs(ctx, scope, parameters=True)


def setting_changes(
    ctx: InvestigationContext, scope: Scope, params: dict[str, Any]
) -> list[Finding]:
    """Other recorded configuration changes that say what they set (a function's timeout or
    environment, a service's limit): old → new per setting."""
    return _change_diffs(ctx, scope, parameters=False)


# the resource kind each primitive reads per scoped service: with none in scope it reads nothing
READS = {"config_diff.k8s": "k8s_deployment", "config_diff.ecs": "ecs_service"}

PRIMITIVES = {
    "config_diff.k8s": k8s_revisions,
    "config_diff.ecs": ecs_revisions,
    "config_diff.rds": rds_parameters,
    "config_diff.changes": setting_changes,
}
