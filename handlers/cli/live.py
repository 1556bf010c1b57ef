"""The systems a terminal command reads: a scenario's sandbox world, or the configured ones."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any


def live_context(stack: ExitStack, scenario: Path | None, command: str) -> Any:
    """An ``InvestigationContext`` over ``scenario``'s sandbox world (kept running until
    ``stack`` closes) or, without one, over the configured AWS, Kubernetes and topology. Its
    evidence's ``aws_clients`` and ``k8s_api`` serve commands that read those directly."""
    if scenario is None:
        from handlers.cli.investigate import production_context

        return production_context()
    from handlers.cli.extras import require_sandbox

    require_sandbox(f"{command} --scenario")
    from sandbox.investigate.context import context_for_world
    from sandbox.scenario import load_scenario
    from sandbox.world import SandboxWorld

    world = stack.enter_context(SandboxWorld(load_scenario(scenario).scenario))
    return context_for_world(world)
