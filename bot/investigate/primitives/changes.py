"""Change history: CloudTrail events and stored deploy/config changes in the window."""

from __future__ import annotations

from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, ago_text, minutes_ago, owner_by_words

# CloudTrail event names that change how a resource behaves, by the kind of change they are.
_CONFIG_EVENTS = (
    "Modify",
    "Update",
    "Put",
    "Delete",
    "Authorize",
    "Revoke",
    "Attach",
    "Detach",
    "Create",
    "Reboot",
    "Stop",
    "Start",
    "Terminate",
    "Set",
)


# The user name Kubernetes gives a pod's service account (an in-cluster controller, operator or
# CronJob acting through the API): "system:serviceaccount:<namespace>:<name>".
# https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
_SERVICE_ACCOUNT = "system:serviceaccount:"


def actor_kind(actor: str | None) -> str | None:
    """``service_account`` for a change made by an in-cluster workload's service account,
    ``user`` for anyone else (a person, a pipeline, a cloud role), None when nobody is named."""
    if not actor:
        return None
    return "service_account" if actor.startswith(_SERVICE_ACCOUNT) else "user"


def _service_of(ctx: InvestigationContext, change: Any) -> str | None:
    if change.service and change.service in ctx.topology.services:
        return str(change.service)
    text = " ".join(str(v) for v in change.detail.values())
    return owner_by_words(ctx, text)


def _namespace_of(ctx: InvestigationContext, scope: Scope, change: Any) -> str | None:
    """The namespace a change to no service was made in (a ResourceQuota, a LimitRange, a
    namespace-wide policy), when a service in scope runs there: it touches every workload in it."""
    namespace = change.detail.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        return None
    nodes = (ctx.topology.get(s) for s in scope.services)
    return namespace if any(n is not None and n.namespace == namespace for n in nodes) else None


def recent(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for change in ctx.evidence.changes(scope.long_start, scope.end):
        service = _service_of(ctx, change)
        namespace = _namespace_of(ctx, scope, change) if service is None else None
        if service not in scope.services and namespace is None:
            continue
        ago = minutes_ago(ctx, change.at)
        label = change.event_name or (
            f"{change.kind} {change.previous or '?'} → {change.version}"
            if change.version
            else change.kind
        )
        who = f" by {change.actor}" if change.actor else ""
        # a namespace-wide change is said with the object it touched: "namespace x: config of
        # resourcequota/q 20 min ago"
        owner = service or f"namespace {namespace}"
        what = _object(change) if service is None else ""
        attrs: dict[str, Any] = {
            "kind": change.kind,
            "event_name": change.event_name,
            "version": change.version,
            "previous": change.previous,
            "minutes_ago": ago,
            "actor": change.actor,
            "actor_kind": actor_kind(change.actor),
            "label": change.version or change.event_name or change.kind,
            "behavioural": bool(change.event_name and change.event_name.startswith(_CONFIG_EVENTS))
            or change.kind in ("deployment", "config", "scaling", "feature_flag"),
        }
        for key, value in change.detail.items():
            if isinstance(value, str | int | float | bool) and key not in attrs:
                attrs[key] = value
        message = change.detail.get("message")
        out.append(
            Finding(
                type=FindingType.CHANGE,
                service=service,
                source=f"{change.source}:{change.event_name or change.kind}",
                at=change.at,
                summary=f"{owner}: {label} {what}{ago_text(ago)}{who}"
                + (f' — "{message}"' if message else ""),
                attrs=attrs,
            )
        )
    return out


def _object(change: Any) -> str:
    """The object a change to no service touched, said in its summary (``resourcequota/q``)."""
    obj = change.detail.get("object")
    return f"of {obj} " if isinstance(obj, str) else ""


PRIMITIVES = {"changes.recent": recent}
