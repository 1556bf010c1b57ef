"""Kubernetes actions: rollback, restart, scale, set resources, delete a pod.

Risk levels (why):
- ``k8s.rollback_deployment`` MEDIUM: replaces every pod with a template that ran before; the
  blast radius is the whole deployment, but the target state is known-good history.
- ``k8s.restart_deployment`` LOW: same template, pods replaced by a rolling update.
- ``k8s.scale_deployment`` MEDIUM: scaling down removes capacity; scaling up can starve nodes.
- ``k8s.set_resources`` MEDIUM: a new rollout with different limits (too low → OOM kills).
- ``k8s.delete_pod`` LOW: one pod, which its controller replaces (pods without one are refused).

Template-changing actions (rollback, restart, set_resources) are undone by rolling back to the
revision that was live before; scale is undone by scaling back.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, model_validator

from bot.remediate.action_helpers import k8s, preflight
from bot.remediate.enums import Risk
from bot.remediate.models import (
    ActionContext,
    ActionSpec,
    Params,
    PreflightFailed,
    Snapshot,
    VerifyOutcome,
)
from integrations.kubernetes import KubernetesApi


class Deployment(Params):
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)


class Rollback(Deployment):
    to_revision: int | None = Field(
        default=None, ge=1, validation_alias=AliasChoices("to_revision", "revision")
    )


class Scale(Deployment):
    replicas: int = Field(ge=0, le=1000)


class Resources(Deployment):
    container: str = Field(min_length=1)
    limits: dict[str, str] = Field(default_factory=dict)
    requests: dict[str, str] = Field(default_factory=dict)
    memory: str | None = None  # shortcut: limits.memory
    cpu: str | None = None  # shortcut: limits.cpu

    @model_validator(mode="after")
    def _something(self) -> Resources:
        if not (self.limits or self.requests or self.memory or self.cpu):
            raise ValueError("give limits, requests, memory or cpu")
        return self

    def all_limits(self) -> dict[str, str]:
        extra = {k: v for k, v in (("memory", self.memory), ("cpu", self.cpu)) if v}
        return {**self.limits, **extra}


class Pod(Params):
    namespace: str = Field(min_length=1)
    name: str = Field(min_length=1)


def _state(api: KubernetesApi, ns: str, name: str) -> Snapshot:
    d = api.get_deployment(ns, name)
    return {
        "revision": d.revision,
        "image": d.image,
        "replicas": d.replicas,
        "ready_replicas": d.ready_replicas,
        "restarted_at": d.annotations.get("kubectl.kubernetes.io/restartedAt"),
    }


def _ready(ctx: ActionContext, p: Any, _: Snapshot) -> VerifyOutcome:
    d = k8s(ctx).get_deployment(p.namespace, p.name)
    ok = d.ready_replicas >= d.replicas
    return VerifyOutcome(ok, f"{p.namespace}/{p.name}: {d.ready_replicas}/{d.replicas} pods ready")


def _back_to(ctx: ActionContext, p: Any, before: Snapshot) -> Snapshot:
    api = k8s(ctx)
    if before.get("revision") is not None:
        api.rollback_deployment(p.namespace, p.name, int(before["revision"]))
    return _state(api, p.namespace, p.name)


# ------------------------------------------------------------------ rollback
@preflight
def _rollback_pre(ctx: ActionContext, p: Rollback) -> Snapshot:
    api = k8s(ctx)
    before = _state(api, p.namespace, p.name)
    revisions = [r.revision for r in api.list_revisions(p.namespace, p.name)]
    current = before["revision"]
    if p.to_revision is not None:
        if p.to_revision not in revisions:
            raise PreflightFailed(
                f"{p.namespace}/{p.name} has no revision {p.to_revision} (has {revisions})"
            )
        if p.to_revision == current:
            raise PreflightFailed(f"{p.namespace}/{p.name} already runs revision {current}")
    elif not [r for r in revisions if current is None or r < current]:
        raise PreflightFailed(f"{p.namespace}/{p.name} has no earlier revision to roll back to")
    return before


def _rollback(ctx: ActionContext, p: Rollback, before: Snapshot) -> Snapshot:
    api = k8s(ctx)
    result = api.rollback_deployment(p.namespace, p.name, p.to_revision)
    return {**_state(api, p.namespace, p.name), "detail": result.detail}


# ------------------------------------------------------------------ restart
@preflight
def _deployment_pre(ctx: ActionContext, p: Deployment) -> Snapshot:
    return _state(k8s(ctx), p.namespace, p.name)


def _restart(ctx: ActionContext, p: Deployment, before: Snapshot) -> Snapshot:
    api = k8s(ctx)
    api.restart_deployment(p.namespace, p.name, at=ctx.clock.now())
    return _state(api, p.namespace, p.name)


# ------------------------------------------------------------------ scale
@preflight
def _scale_pre(ctx: ActionContext, p: Scale) -> Snapshot:
    before = _state(k8s(ctx), p.namespace, p.name)
    if before["replicas"] == p.replicas:
        raise PreflightFailed(f"{p.namespace}/{p.name} already has {p.replicas} replicas")
    return before


def _scale(ctx: ActionContext, p: Scale, before: Snapshot) -> Snapshot:
    api = k8s(ctx)
    api.scale_deployment(p.namespace, p.name, p.replicas)
    return _state(api, p.namespace, p.name)


def _unscale(ctx: ActionContext, p: Scale, before: Snapshot) -> Snapshot:
    api = k8s(ctx)
    api.scale_deployment(p.namespace, p.name, int(before["replicas"]))
    return _state(api, p.namespace, p.name)


# ------------------------------------------------------------------ resources
def _resources_of(api: KubernetesApi, ns: str, name: str, container: str) -> dict[str, Any]:
    d = api.get_deployment(ns, name)
    selector = ",".join(f"{k}={v}" for k, v in sorted(d.selector.items()))
    for pod in api.list_pods(ns, selector or None):
        for c in pod.containers:
            if c.name == container:
                return {"limits": dict(c.limits), "requests": dict(c.requests)}
    return {}


@preflight
def _resources_pre(ctx: ActionContext, p: Resources) -> Snapshot:
    api = k8s(ctx)
    before = _state(api, p.namespace, p.name)
    if p.container not in api.get_deployment(p.namespace, p.name).images:
        raise PreflightFailed(f"{p.namespace}/{p.name} has no container {p.container!r}")
    return {**before, "resources": _resources_of(api, p.namespace, p.name, p.container)}


def _resources(ctx: ActionContext, p: Resources, before: Snapshot) -> Snapshot:
    api = k8s(ctx)
    api.set_resources(
        p.namespace, p.name, p.container, p.all_limits() or None, dict(p.requests) or None
    )
    return {
        **_state(api, p.namespace, p.name),
        "resources": _resources_of(api, p.namespace, p.name, p.container),
    }


# ------------------------------------------------------------------ delete pod
@preflight
def _pod_pre(ctx: ActionContext, p: Pod) -> Snapshot:
    pod = k8s(ctx).pod_status(p.namespace, p.name)
    if not pod.owner:
        raise PreflightFailed(
            f"pod {p.namespace}/{p.name} has no controller: deleting it would not bring it back"
        )
    return {
        "pod": pod.name,
        "phase": pod.phase,
        "ready": pod.ready,
        "owner": pod.owner,
        "siblings": _siblings(k8s(ctx), p.namespace, pod.owner),
    }


def _siblings(api: KubernetesApi, ns: str, owner: str) -> int:
    return sum(1 for q in api.list_pods(ns) if q.owner == owner)


def _delete_pod(ctx: ActionContext, p: Pod, before: Snapshot) -> Snapshot:
    api = k8s(ctx)
    api.delete_pod(p.namespace, p.name)
    return {"deleted": p.name, "siblings": _siblings(api, p.namespace, before["owner"])}


def _pod_undo(ctx: ActionContext, p: Pod, before: Snapshot) -> Snapshot:
    """A deleted pod cannot come back; what can be restored is its controller's pod count,
    which the controller does by itself. Check it did."""
    count = _siblings(k8s(ctx), p.namespace, before["owner"])
    if count < int(before["siblings"]):
        raise RuntimeError(
            f"{before['owner']} has {count} pods, had {before['siblings']}: not replaced yet"
        )
    return {"owner": before["owner"], "siblings": count}


def _pod_verify(ctx: ActionContext, p: Pod, before: Snapshot) -> VerifyOutcome:
    api = k8s(ctx)
    pods = [q for q in api.list_pods(p.namespace) if q.owner == before["owner"]]
    ready = sum(1 for q in pods if q.ready)
    return VerifyOutcome(
        ready == len(pods) and bool(pods), f"{before['owner']}: {ready}/{len(pods)} pods ready"
    )


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "k8s.rollback_deployment",
        Rollback,
        Risk.MEDIUM,
        "roll a deployment back to an earlier revision (default: the previous one)",
        _rollback_pre,
        _rollback,
        _back_to,
        _ready,
    ),
    ActionSpec(
        "k8s.restart_deployment",
        Deployment,
        Risk.LOW,
        "restart every pod of a deployment (rolling)",
        _deployment_pre,
        _restart,
        _back_to,
        _ready,
    ),
    ActionSpec(
        "k8s.scale_deployment",
        Scale,
        Risk.MEDIUM,
        "set a deployment's replicas",
        _scale_pre,
        _scale,
        _unscale,
        _ready,
    ),
    ActionSpec(
        "k8s.set_resources",
        Resources,
        Risk.MEDIUM,
        "change one container's resource limits/requests",
        _resources_pre,
        _resources,
        _back_to,
        _ready,
    ),
    ActionSpec(
        "k8s.delete_pod",
        Pod,
        Risk.LOW,
        "delete one pod so its controller replaces it",
        _pod_pre,
        _delete_pod,
        _pod_undo,
        _pod_verify,
    ),
)
