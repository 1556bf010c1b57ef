"""The diagnostic primitives, one module per family, registered by name.

Every primitive is ``fn(ctx, scope, params) -> list[Finding]`` and only reads (through
``ctx.evidence``). Playbooks name them in their ``steps``.
"""

from __future__ import annotations

from bot.investigate.primitives import (
    alerts,
    changes,
    config_diff,
    k8s,
    logs,
    metrics,
    network,
    nodes,
    resources,
    security,
    targets,
)
from bot.investigate.primitives.base import Primitive, Scope

# primitive -> the kind of resource it reads for each service in scope (a ServiceNode kind); a
# step whose scope has no service of that kind has nothing to read and is skipped, not "ok, 0"
READS: dict[str, str] = {
    **config_diff.READS,
    **k8s.READS,
    **nodes.READS,
    **resources.READS,
    **targets.READS,
}

PRIMITIVES: dict[str, Primitive] = {
    **alerts.PRIMITIVES,
    **metrics.PRIMITIVES,
    **changes.PRIMITIVES,
    **config_diff.PRIMITIVES,
    **k8s.PRIMITIVES,
    **nodes.PRIMITIVES,
    **logs.PRIMITIVES,
    **resources.PRIMITIVES,
    **security.PRIMITIVES,
    **targets.PRIMITIVES,
    **network.PRIMITIVES,
}

__all__ = ["PRIMITIVES", "READS", "Primitive", "Scope"]
