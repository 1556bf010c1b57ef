"""An ``ActionContext`` wired to a running ``SandboxWorld``: boto3 clients on the moto endpoint,
the Kubernetes client from the world's kubeconfig, the sandbox clock, the world's id_refs, and
``on_executed`` making the scenario's ``remediation_effects`` happen."""

from __future__ import annotations

from typing import Any

from bot.remediate.context import ClientFactory
from bot.remediate.models import ActionContext


def context_for_world(world: Any, **overrides: Any) -> ActionContext:
    ep = world.endpoints
    k8s = None
    if ep.kubeconfig_path is not None:
        from integrations.kubernetes import client_from_kubeconfig

        k8s = client_from_kubeconfig(ep.kubeconfig_path)

    def on_executed(action: str, params: dict[str, Any]) -> None:
        world.apply_remediation(action, params)

    values: dict[str, Any] = {
        "aws": ClientFactory(world.aws.session(), ep.aws_endpoint_url, ep.region),
        "k8s": k8s,
        "clock": world.clock,
        "id_refs": world.id_refs,
        "on_executed": on_executed,
    }
    values.update(overrides)
    return ActionContext(**values)
