"""Findings carry the catalogue's signature: the k8s and log primitives, run over a scenario,
name the specific cause (the secret, the variable, the exit) with its id and cause kind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.investigate import InvestigationContext, Topology
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope
from bot.investigate.primitives.k8s import events, pods, previous_logs
from bot.investigate.primitives.logs import mine
from sandbox.investigate.context import context_for_world
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

SCENARIO = Path(__file__).parent / "scenarios" / "signature-findings.yaml"


@pytest.fixture(scope="module")
def world() -> tuple[InvestigationContext, Scope]:
    scenario = load_scenario(SCENARIO).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    now = ctx.now()
    scope = Scope(
        ("billing", "mailer", "tools"), now - timedelta(hours=1), now, now - timedelta(hours=6)
    )
    return ctx, scope


def _one(found: list[Finding], service: str, **attrs: object) -> Finding:
    hits = [
        f for f in found if f.service == service and all(f.get(k) == v for k, v in attrs.items())
    ]
    assert len(hits) == 1, [(f.service, f.attrs) for f in found]
    return hits[0]


def test_waiting_reason_names_the_missing_secret(world: tuple[InvestigationContext, Scope]) -> None:
    ctx, scope = world
    got = _one(pods(ctx, scope, {}), "billing", reason="CreateContainerConfigError")
    assert got.type is FindingType.POD_STATE
    assert got.get("cause_kind") == "secret_missing"
    assert got.get("signature_id") == "k8s.waiting.secret_not_found"
    assert got.get("secret") == "stripe-keys"
    assert 'secret "stripe-keys" not found' in got.summary


def test_exit_code_carries_its_cause(world: tuple[InvestigationContext, Scope]) -> None:
    ctx, scope = world
    found = pods(ctx, scope, {})
    crash = _one(found, "mailer", reason="CrashLoopBackOff")
    assert crash.get("cause_kind") == "crash_loop"
    last = _one(found, "mailer", reason="Error", last_terminated=True)
    assert last.get("exit_code") == 127
    assert last.get("cause_kind") == "command_not_found"
    assert last.get("signature_id") == "exit.command_not_found_127"


def test_a_waiting_reason_only_the_catalogue_knows_counts_as_failing(
    world: tuple[InvestigationContext, Scope],
) -> None:
    ctx, scope = world
    got = _one(pods(ctx, scope, {}), "tools", reason="ErrImageNeverPull")
    assert got.get("cause_kind") == "image_pull"


def test_event_names_the_secret(world: tuple[InvestigationContext, Scope]) -> None:
    ctx, scope = world
    found = events(ctx, scope, {})
    got = _one(found, "billing", reason="Failed")
    assert (got.get("cause_kind"), got.get("secret")) == ("secret_missing", "stripe-keys")
    backoff = _one(found, "mailer", reason="BackOff")
    assert (backoff.get("cause_kind"), backoff.get("container")) == ("crash_loop", "mailer")


def test_event_unknown_by_reason_falls_back_to_line_signatures(
    world: tuple[InvestigationContext, Scope],
) -> None:
    ctx, scope = world
    got = _one(events(ctx, scope, {}), "tools", reason="Failed")
    assert got.get("cause_kind") == "command_not_found"


def test_previous_logs_name_the_unset_variable(world: tuple[InvestigationContext, Scope]) -> None:
    ctx, scope = world
    signed = [f for f in previous_logs(ctx, scope, {}) if f.type is FindingType.LOG_SIGNATURE]
    got = _one(signed, "mailer")
    assert got.get("signature") == "config_error"  # the family playbooks match on
    assert got.get("cause_kind") == "env_missing"
    assert got.get("variable") == "SMTP_PASSWORD"


def test_mined_logs_carry_the_signature(world: tuple[InvestigationContext, Scope]) -> None:
    ctx, scope = world
    got = _one(mine(ctx, scope, {}), "mailer", signature_id="config.bash_unbound")
    assert got.get("variable") == "SMTP_PASSWORD"


def test_live_client_reads_the_waiting_message() -> None:
    """The same finding through the official kubernetes client and the sandbox's API server."""
    with SandboxWorld(load_scenario(SCENARIO).scenario) as sandbox:
        ctx = context_for_world(sandbox)
        now = ctx.now()
        scope = Scope(("billing",), now - timedelta(hours=1), now, now - timedelta(hours=6))
        got = _one(pods(ctx, scope, {}), "billing", reason="CreateContainerConfigError")
    assert (got.get("cause_kind"), got.get("secret")) == ("secret_missing", "stripe-keys")
