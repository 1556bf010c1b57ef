"""A thin, typed adapter over the official ``kubernetes`` client.

Takes an injected ``kubernetes.client.ApiClient`` (see :func:`client_from_kubeconfig`) and
returns the dataclasses of :mod:`integrations.kubernetes.models`. ``ApiException`` never leaks:
404 becomes ``K8sNotFound``, 400/422 ``K8sInvalid``, no answer or 401/403/5xx ``K8sUnavailable``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import urllib3

from integrations.kubernetes import convert
from integrations.kubernetes.models import (
    DeploymentInfo,
    EventInfo,
    HpaInfo,
    K8sError,
    K8sInvalid,
    K8sNotFound,
    K8sUnavailable,
    NodeInfo,
    PodInfo,
    RevisionInfo,
    RolloutResult,
)
from integrations.kubernetes.workloads import PodSpec, pod_spec

if TYPE_CHECKING:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

P = ParamSpec("P")
R = TypeVar("R")
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def _api_exception() -> type[ApiException]:
    """The client's exception class. ``kubernetes`` is imported when first needed (it takes
    seconds), never at module import: a command that does not talk to a cluster never pays."""
    from kubernetes.client.exceptions import ApiException

    return ApiException


def client_from_kubeconfig(path: str | Path, context: str | None = None) -> client.ApiClient:
    """An ``ApiClient`` for the cluster a kubeconfig file points at."""
    from kubernetes import config

    return config.new_client_from_config(config_file=str(path), context=context)


def _message(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "{}")
        return str(body.get("message") or exc.reason)
    except (ValueError, TypeError, AttributeError):
        return str(exc.reason or exc)


def translate(exc: Exception) -> K8sError:
    """The adapter's error for a client exception."""
    if isinstance(exc, _api_exception()):
        message, status = _message(exc), int(exc.status or 0)
        if status == 404:
            return K8sNotFound(message, status=404, reason="NotFound")
        if status in (400, 409, 415, 422):
            return K8sInvalid(message, status=status, reason=str(exc.reason or ""))
        return K8sUnavailable(f"Kubernetes API answered {status}: {message}", status=status)
    return K8sUnavailable(f"Kubernetes API unreachable: {exc}")


def _wrap(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (_api_exception(), urllib3.exceptions.HTTPError, OSError) as exc:
            raise translate(exc) from exc

    return inner


class KubernetesApi:
    """Reads and the few writes remediation needs, on one cluster."""

    def __init__(self, api_client: client.ApiClient) -> None:
        from kubernetes import client

        self.api_client = api_client
        self.core = client.CoreV1Api(api_client)
        self.apps = client.AppsV1Api(api_client)
        self.autoscaling = client.AutoscalingV1Api(api_client)

    # ----------------------------------------------------------------- reads

    @_wrap
    def list_pods(
        self, namespace: str, selector: str | None = None, field_selector: str | None = None
    ) -> list[PodInfo]:
        """Pods in ``namespace`` matching a label selector such as ``app=web``."""
        kwargs = {
            k: v for k, v in (("label_selector", selector), ("field_selector", field_selector)) if v
        }
        items = self.core.list_namespaced_pod(namespace, **kwargs).items
        return [convert.pod(item) for item in items]

    @_wrap
    def pod_status(self, namespace: str, name: str) -> PodInfo:
        return convert.pod(self.core.read_namespaced_pod(name, namespace))

    @_wrap
    def pod_logs(
        self,
        namespace: str,
        pod: str,
        container: str | None = None,
        tail: int | None = None,
        previous: bool = False,
        *,
        since_seconds: int | None = None,
        timestamps: bool = False,
    ) -> list[str]:
        """The log lines of a container; with ``previous``, of its last terminated instance
        (empty when it never terminated)."""
        kwargs: dict[str, Any] = {"_preload_content": False}  # client bug #2596: b'…' text
        for key, value in (
            ("container", container),
            ("tail_lines", tail),
            ("since_seconds", since_seconds),
        ):
            if value is not None:
                kwargs[key] = value
        if previous:
            kwargs["previous"] = True
        if timestamps:
            kwargs["timestamps"] = True
        try:
            response = self.core.read_namespaced_pod_log(pod, namespace, **kwargs)
        except _api_exception() as exc:
            # The API answers 400 when the container never terminated: no previous log.
            if previous and exc.status == 400 and "previous terminated" in _message(exc):
                return []
            raise
        try:
            return response.data.decode("utf-8", errors="replace").splitlines()
        finally:
            response.release_conn()

    @_wrap
    def events(
        self, namespace: str, name: str | None = None, kind: str | None = None
    ) -> list[EventInfo]:
        """Events about an object (by name and/or kind), oldest first."""
        terms = [
            f"involvedObject.name={name}" if name else "",
            f"involvedObject.kind={kind}" if kind else "",
        ]
        selector = ",".join(t for t in terms if t)
        kwargs = {"field_selector": selector} if selector else {}
        items = [
            convert.event(e) for e in self.core.list_namespaced_event(namespace, **kwargs).items
        ]
        epoch = datetime.min.replace(tzinfo=UTC)
        return sorted(items, key=lambda e: e.last_seen or epoch)

    @_wrap
    def get_deployment(self, namespace: str, name: str) -> DeploymentInfo:
        return convert.deployment(self.apps.read_namespaced_deployment(name, namespace))

    @_wrap
    def list_deployments(self, namespace: str, selector: str | None = None) -> list[DeploymentInfo]:
        kwargs = {"label_selector": selector} if selector else {}
        items = self.apps.list_namespaced_deployment(namespace, **kwargs).items
        return [convert.deployment(item) for item in items]

    @_wrap
    def list_all_deployments(self) -> list[DeploymentInfo]:
        """Deployments in every namespace (the inventory)."""
        items = self.apps.list_deployment_for_all_namespaces().items
        return [convert.deployment(item) for item in items]

    def _replicasets(self, namespace: str, name: str) -> tuple[Any, list[Any]]:
        deployment = self.apps.read_namespaced_deployment(name, namespace)
        selector = convert.label_selector(deployment.spec.selector.match_labels or {})
        items = self.apps.list_namespaced_replica_set(namespace, label_selector=selector).items
        uid = deployment.metadata.uid
        owned = [
            rs
            for rs in items
            if any(ref.uid == uid or ref.name == name for ref in rs.metadata.owner_references or [])
        ]
        return deployment, owned

    @_wrap
    def list_revisions(self, namespace: str, name: str) -> list[RevisionInfo]:
        """The deployment's rollout history from its ReplicaSets, oldest revision first."""
        _, owned = self._replicasets(namespace, name)
        revisions = [r for r in (convert.revision(rs) for rs in owned) if r is not None]
        return sorted(revisions, key=lambda r: r.revision)

    @_wrap
    def last_different_revision(self, namespace: str, name: str) -> RevisionInfo | None:
        """The newest earlier revision whose images or env differ from the live one.

        After a restart (same images, new revision) ``kubectl rollout undo`` would go back to
        the same images; a rollback meant to undo a bad release wants this revision instead.
        """
        deployment, owned = self._replicasets(namespace, name)
        live = convert.revision_of(deployment.metadata.annotations)
        history = sorted(
            (r for r in (convert.revision(rs) for rs in owned) if r is not None),
            key=lambda r: r.revision,
        )
        current = next((r for r in history if r.revision == live), None)
        if current is None:
            return None
        earlier = [r for r in history if r.revision < current.revision]
        return next(
            (r for r in reversed(earlier) if (r.images, r.env) != (current.images, current.env)),
            None,
        )

    @_wrap
    def list_nodes(self) -> list[NodeInfo]:
        return [convert.node(item) for item in self.core.list_node().items]

    @_wrap
    def pods_on_node(self, node: str) -> list[PodInfo]:
        """Every pod the scheduler placed on ``node``, in any namespace."""
        items = self.core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}").items
        return [convert.pod(item) for item in items]

    @_wrap
    def list_pod_specs(self) -> list[PodSpec]:
        """Every pod in the cluster with what its spec says about security and sizing."""
        return [pod_spec(item) for item in self.core.list_pod_for_all_namespaces().items]

    @_wrap
    def list_hpas(self, namespace: str | None = None) -> list[HpaInfo]:
        if namespace:
            items = self.autoscaling.list_namespaced_horizontal_pod_autoscaler(namespace).items
        else:
            items = self.autoscaling.list_horizontal_pod_autoscaler_for_all_namespaces().items
        return [convert.hpa(item) for item in items]

    # ---------------------------------------------------------------- writes

    @_wrap
    def rollback_deployment(
        self, namespace: str, name: str, to_revision: int | None = None
    ) -> RolloutResult:
        """``kubectl rollout undo``: put an earlier revision's pod template back.

        Default: the newest revision before the live one. The ReplicaSet's template, without
        its ``pod-template-hash`` label, replaces the deployment's template (a JSON patch).
        """
        deployment, owned = self._replicasets(namespace, name)
        current = convert.revision_of(deployment.metadata.annotations)
        by_revision = {
            number: rs
            for rs in owned
            if (number := convert.revision_of(rs.metadata.annotations)) is not None
        }
        if to_revision is None:
            earlier = sorted(n for n in by_revision if current is None or n < current)
            if not earlier:
                raise K8sInvalid(f"no rollout history found for deployment {namespace}/{name}")
            to_revision = earlier[-1]
        if to_revision not in by_revision:
            raise K8sNotFound(f"unable to find specified revision {to_revision} in history")
        if to_revision == current:
            return RolloutResult(
                namespace, name, current, current, False, "current template already matches"
            )
        template = self.api_client.sanitize_for_serialization(
            by_revision[to_revision].spec.template
        )
        labels = (template.get("metadata") or {}).get("labels") or {}
        labels.pop(convert.HASH_LABEL, None)
        patch = [{"op": "replace", "path": "/spec/template", "value": template}]
        updated = self.apps.patch_namespaced_deployment(name, namespace, patch)
        after = convert.revision_of(updated.metadata.annotations)
        return RolloutResult(namespace, name, current, after, True, f"rolled back to {to_revision}")

    @_wrap
    def restart_deployment(
        self, namespace: str, name: str, at: datetime | None = None
    ) -> RolloutResult:
        """``kubectl rollout restart``: stamp the template so every pod is replaced.

        ``to_revision`` is what the API answered; on a real cluster the controller may set the
        new revision just after, so ``changed`` (the generation moved) is the reliable signal.
        """
        current = self.apps.read_namespaced_deployment(name, namespace)
        before = convert.revision_of(current.metadata.annotations)
        stamp = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        updated = self.apps.patch_namespaced_deployment(name, namespace, body)
        after = convert.revision_of(updated.metadata.annotations)
        changed = updated.metadata.generation != current.metadata.generation
        return RolloutResult(namespace, name, before, after, changed, f"restartedAt={stamp}")

    @_wrap
    def scale_deployment(self, namespace: str, name: str, replicas: int) -> RolloutResult:
        """Set the desired replicas; ``from/to_revision`` carry the replica counts here."""
        if replicas < 0:
            raise K8sInvalid(f"replicas must be 0 or more, got {replicas}")
        before = self.apps.read_namespaced_deployment_scale(name, namespace).spec.replicas
        body = {"spec": {"replicas": replicas}}
        after = self.apps.patch_namespaced_deployment_scale(name, namespace, body).spec.replicas
        return RolloutResult(
            namespace, name, before, after, before != after, f"replicas {before} -> {after}"
        )

    @_wrap
    def set_resources(
        self,
        namespace: str,
        name: str,
        container: str,
        limits: dict[str, str] | None = None,
        requests: dict[str, str] | None = None,
    ) -> DeploymentInfo:
        """Change one container's resource limits/requests (a new rollout revision)."""
        if not limits and not requests:
            raise K8sInvalid("give limits or requests to set")
        deployment = self.apps.read_namespaced_deployment(name, namespace)
        names = [c.name for c in deployment.spec.template.spec.containers or []]
        if container not in names:
            raise K8sNotFound(
                f"container {container!r} not in deployment {namespace}/{name} (has: {names})"
            )
        resources = {k: dict(v) for k, v in (("limits", limits), ("requests", requests)) if v}
        body = {
            "spec": {
                "template": {"spec": {"containers": [{"name": container, "resources": resources}]}}
            }
        }
        return convert.deployment(self.apps.patch_namespaced_deployment(name, namespace, body))

    @_wrap
    def delete_pod(self, namespace: str, name: str) -> None:
        """Delete a pod; its ReplicaSet, if any, replaces it."""
        self.core.delete_namespaced_pod(name, namespace)
