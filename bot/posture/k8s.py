"""Kubernetes workloads in the security audit: privileged containers, pods sharing the
host's PID or network namespace, containers without resource limits, and images on the
``latest`` tag or no tag. Severities and exempt namespaces are data (``k8s_checks.yaml``).

Replicas of one workload are one finding (the pods are its evidence). Missing limits on a
Deployment's container name ``k8s.set_resources`` as the fix (the approver picks the values,
behind the usual approval); the others have no registry action: they are changes to the
workload's manifest."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError
from bot.posture.finding import PostureFinding
from bot.posture.iam import SEVERITY_ORDER, Severity
from bot.yamlloc import load_yaml
from integrations.kubernetes.workloads import ContainerSpec, PodSpec

CHECKS_FILE = Path(__file__).with_name("k8s_checks.yaml")
Check = Literal["privileged", "host_pid", "host_network", "no_limits", "latest_tag", "no_tag"]


class K8sRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exempt_namespaces: list[str] = Field(default_factory=list)
    severity: dict[Check, Severity]
    required_limits: list[str] = Field(min_length=1)


@lru_cache(maxsize=1)
def k8s_rules() -> K8sRules:
    try:
        rules = K8sRules.model_validate(load_yaml(CHECKS_FILE.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{CHECKS_FILE.name}: {exc}") from None
    missing = set(Check.__args__) - set(rules.severity)  # type: ignore[attr-defined]
    if missing:
        raise ConfigError(f"{CHECKS_FILE.name}: severity: missing {sorted(missing)}")
    return rules


class PodSource(Protocol):
    """``integrations.kubernetes.KubernetesApi``."""

    def list_pod_specs(self) -> list[PodSpec]: ...


@dataclass(frozen=True)
class _Workload:
    namespace: str
    kind: str  # "deployment", "daemonset", "pod", …
    name: str


def workload_of(pod: PodSpec) -> _Workload:
    """A ReplicaSet's pods belong to its Deployment (``<deployment>-<pod-template-hash>``)."""
    if pod.owner_kind == "ReplicaSet" and pod.owner and "-" in pod.owner:
        return _Workload(pod.namespace, "deployment", pod.owner.rsplit("-", 1)[0])
    if pod.owner_kind and pod.owner:
        return _Workload(pod.namespace, pod.owner_kind.lower(), pod.owner)
    return _Workload(pod.namespace, "pod", pod.name)


def image_tag(image: str) -> str | None:
    """The tag of an image reference; ``None`` without one. A digest pins it: ``@sha256``."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def _container_checks(c: ContainerSpec, rules: K8sRules) -> list[tuple[Check, str]]:
    out: list[tuple[Check, str]] = []
    if c.privileged:
        out.append(("privileged", "runs privileged (securityContext.privileged: true)"))
    missing = [r for r in rules.required_limits if r not in c.limits]
    if missing:
        out.append(("no_limits", f"has no {' or '.join(missing)} limit"))
    tag = image_tag(c.image)
    if tag is None:
        out.append(("no_tag", f"runs image {c.image} with no tag (pulls whatever is latest)"))
    elif tag == "latest":
        out.append(("latest_tag", f"runs image {c.image} on the mutable latest tag"))
    return out


def k8s_audit(source: PodSource, rules: K8sRules | None = None) -> list[PostureFinding]:
    """One finding per (workload, container, check), most severe first."""
    rules = rules or k8s_rules()
    seen: dict[tuple[_Workload, str, Check], tuple[str, list[str]]] = {}
    for pod in source.list_pod_specs():
        if pod.namespace in rules.exempt_namespaces:
            continue
        w = workload_of(pod)
        hits: list[tuple[str, Check, str]] = []
        if pod.host_pid:
            hits.append(("", "host_pid", "shares the host's process namespace (hostPID: true)"))
        if pod.host_network:
            hits.append(("", "host_network", "uses the host's network (hostNetwork: true)"))
        for c in pod.containers:
            hits += [(c.name, check, words) for check, words in _container_checks(c, rules)]
        for container, check, words in hits:
            seen.setdefault((w, container, check), (words, []))[1].append(pod.name)
    out = []
    for (w, container, check), (words, pods) in seen.items():
        what = f"{w.kind} {w.namespace}/{w.name}" + (f" container {container}" if container else "")
        fix = check == "no_limits" and w.kind == "deployment"
        out.append(
            PostureFinding(
                check=f"k8s_{check}",
                resource=f"k8s:{w.namespace}/{w.name}" + (f"/{container}" if container else ""),
                severity=rules.severity[check],
                summary=f"{what} {words}"
                + ("; fix: k8s.set_resources with limits from its usage" if fix else ""),
                evidence=f"pods: {', '.join(sorted(pods))}",
                fix_action="k8s.set_resources" if fix else None,
                fix_params={"namespace": w.namespace, "name": w.name, "container": container}
                if fix
                else {},
            )
        )
    return sorted(out, key=lambda f: (SEVERITY_ORDER[f.severity], f.resource, f.check))
