"""Kubernetes through the official client: typed reads and the writes remediation needs."""

from integrations.kubernetes.api import KubernetesApi, client_from_kubeconfig, translate
from integrations.kubernetes.models import (
    ContainerInfo,
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

__all__ = [
    "ContainerInfo",
    "DeploymentInfo",
    "EventInfo",
    "HpaInfo",
    "K8sError",
    "K8sInvalid",
    "K8sNotFound",
    "K8sUnavailable",
    "KubernetesApi",
    "NodeInfo",
    "PodInfo",
    "RevisionInfo",
    "RolloutResult",
    "client_from_kubeconfig",
    "translate",
]
