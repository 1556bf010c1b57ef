"""The one place the Kubernetes client is built from the settings (``KUBECONFIG`` and its
context): the raw ``ApiClient`` the remediation actions take, and the ``KubernetesApi`` the
investigation, the audits and the inventory read through. None without a kubeconfig."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from integrations.kubernetes import KubernetesApi


def k8s_client(settings: Any) -> Any:
    """The ``kubernetes`` ApiClient for ``settings.kubeconfig`` / ``kube_context``, or None."""
    if settings.kubeconfig is None:
        return None
    from integrations.kubernetes import client_from_kubeconfig

    return client_from_kubeconfig(settings.kubeconfig, settings.kube_context)


def kubernetes_api(settings: Any) -> KubernetesApi | None:
    """The ``KubernetesApi`` over ``k8s_client(settings)``, or None without a kubeconfig."""
    client = k8s_client(settings)
    if client is None:
        return None
    from integrations.kubernetes import KubernetesApi

    return KubernetesApi(client)
