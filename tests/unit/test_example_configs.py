"""The example configuration files in ``examples/config`` load with the bot's own loaders."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.capacity.config import load_config as load_capacity
from bot.errors import UserError
from bot.escalate.config import load_escalation_file
from bot.remediate.enums import Risk
from bot.remediate.policy import load_policy
from bot.respond.auto_policy import load_auto_investigate
from bot.slo.config import load_config as load_slo
from bot.topology import load_topology_file

CONFIG = Path(__file__).resolve().parents[2] / "examples" / "config"


def test_slo_example_loads_with_slos_and_slas() -> None:
    config = load_slo(CONFIG / "slo.yaml")
    assert {s.name for s in config.slos} == {"shop-availability", "api-latency"}
    assert {s.sli.kind for s in config.slos} == {"availability", "latency"}
    assert len(config.slas) == 3


def test_escalation_example_loads_with_levels() -> None:
    config = load_escalation_file(CONFIG / "escalation.yaml")
    assert [p.name for p in config.policies] == ["payments", "platform"]
    assert len(config.policies[0].levels) == 2
    assert config.default_policy == "platform"


def test_policy_example_differs_from_the_defaults_where_it_says_so() -> None:
    policy = load_policy(CONFIG / "policy.yaml")
    assert policy.approvals[Risk.HIGH] == 2
    assert policy.auto_approve and policy.change_windows
    assert policy.teams["payments"].roles[Risk.MEDIUM] == "payments-operator"


def test_topology_example_loads_with_dependencies() -> None:
    topology = load_topology_file(CONFIG / "topology.yaml")
    node = topology.get("orders-db")
    assert node is not None and (node.kind, node.resource) == ("rds", "orders-db")
    assert topology.depends_on("api") == ("orders-db", "cache")


def test_capacity_example_loads_and_every_resource_is_watchable() -> None:
    config = load_capacity(CONFIG / "capacity.yaml")
    watched = config.watched()
    assert {w.name for w in watched} == {"disk on main-db", "node-a memory"}


def test_auto_investigate_example_loads_and_says_critical_investigates() -> None:
    config = load_auto_investigate(CONFIG / "auto_investigate.yaml")
    policy = config.named(None)
    assert policy is not None and policy.name == config.default
    assert policy.matches("critical") and not policy.matches("info")
    assert policy.needs_class("warning")  # a warning investigates only for its listed class
    assert policy.matches("warning", "kubernetes_pod_failure")
    assert policy.approvable("kubernetes_pod_failure") and not policy.approvable("other")


def test_every_example_config_is_covered_by_a_test_here() -> None:
    names = {p.name for p in CONFIG.glob("*.yaml")}
    assert names == {"slo.yaml", "escalation.yaml", "policy.yaml", "topology.yaml",
                     "capacity.yaml", "auto_investigate.yaml"}  # fmt: skip


def test_the_missing_slo_file_message_names_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.config import get_settings
    from handlers.cli.main import app

    monkeypatch.delenv("AIOPS_SLO_FILE", raising=False)
    monkeypatch.setenv("AIOPS_CONFIG", "/nonexistent/aiops.toml")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["slo", "status"])
    finally:
        get_settings.cache_clear()
    assert isinstance(result.exception, UserError), result.output
    assert "examples/config/slo.yaml" in str(result.exception)


def test_a_broken_copy_is_refused_with_its_key(tmp_path: Path) -> None:
    broken = tmp_path / "slo.yaml"
    broken.write_text((CONFIG / "slo.yaml").read_text().replace("target: 99.9", "target: 120"))
    with pytest.raises(UserError, match="target"):
        load_slo(broken)
