"""asg.set_desired_capacity on a group capped at its maximum: ``max`` raises the cap in the same
call (what a scaling_limit needs), undo restores both; lowering the cap is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.remediate import registry
from bot.remediate.registry import ActionContext, PreflightFailed
from integrations.aws import writes_compute as wc
from sandbox.remediate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

WORLD_FILE = Path(__file__).with_name("world_all.yaml")


@pytest.fixture(scope="module")
def ctx() -> Iterator[ActionContext]:
    with SandboxWorld(load_scenario(WORLD_FILE).scenario) as world:
        yield context_for_world(world)


def _group(ctx: ActionContext) -> tuple[int, int]:
    g = wc.describe_asg(ctx.client("autoscaling"), "web-asg")
    return g.desired, g.max_size


def test_max_raises_a_capped_group_and_undo_restores_it(ctx: ActionContext) -> None:
    before = _group(ctx)
    spec, typed = registry.validate(
        "asg.set_desired_capacity", {"name": "web-asg", "desired": 9, "max": 9}
    )
    snapshot = spec.preflight(ctx, typed)
    spec.execute(ctx, typed, snapshot)
    assert _group(ctx) == (9, 9)
    assert spec.undo is not None
    spec.undo(ctx, typed, snapshot)
    assert _group(ctx) == before


def test_max_below_the_current_cap_is_refused(ctx: ActionContext) -> None:
    spec, typed = registry.validate(
        "asg.set_desired_capacity", {"name": "web-asg", "desired": 2, "max": 1}
    )
    with pytest.raises(PreflightFailed, match="would lower the maximum"):
        spec.preflight(ctx, typed)
