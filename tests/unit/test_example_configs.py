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
from bot.teams.config import Role, load_services, load_teams
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


def test_services_example_routes_to_teams_and_escalation_policies_that_exist() -> None:
    services = load_services(CONFIG / "services.yaml")
    assert services is not None and services.default_team == "platform"
    assert services.services["checkout"].team == "payments"
    policies = {p.name for p in load_escalation_file(CONFIG / "escalation.yaml").policies}
    named = {t.escalation for t in services.teams.values()}
    named |= {s.escalation for s in services.services.values() if s.escalation}
    assert named <= policies


def test_teams_example_has_every_role_and_a_grant() -> None:
    teams = load_teams(CONFIG / "teams.yaml")
    assert teams is not None
    roles = {r for t in teams.teams.values() for r in [*t.members.values(), *t.groups.values()]}
    assert roles == set(Role)
    assert teams.teams["platform"].grants == {"payments": Role.VIEWER}


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
                     "capacity.yaml", "services.yaml", "teams.yaml",
                     "auto_investigate.yaml", "accounts.yaml"}  # fmt: skip


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


def test_a_services_copy_naming_an_unknown_team_is_refused_with_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "services.yaml"
    text = (CONFIG / "services.yaml").read_text().replace("{team: payments}", "{team: paymnts}")
    broken.write_text(text)
    with pytest.raises(UserError, match=r"services\.checkout\.team: 'paymnts' is not under teams"):
        load_services(broken)


def test_a_teams_copy_with_a_bad_role_or_user_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "teams.yaml"
    broken.write_text((CONFIG / "teams.yaml").read_text().replace(": viewer", ": watcher", 1))
    with pytest.raises(UserError, match="teams.platform.members.U0PLATVW1"):
        load_teams(broken)
    broken.write_text("teams: {a: {members: {alice: owner}}}")
    with pytest.raises(UserError, match="not Slack user ids"):
        load_teams(broken)


def test_a_missing_services_file_names_the_setting_and_the_example(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        load_services(tmp_path / "services.yaml")
    assert "AIOPS_SERVICES_FILE" in str(err.value.hint)
    assert "examples/config/services.yaml" in str(err.value.hint)


def test_accounts_example_lists_roles_regions_and_organizations() -> None:
    from bot.accounts.service import load_accounts, targets

    config = load_accounts(CONFIG / "accounts.yaml")
    found = {t.name: t for t in targets(config)}
    assert found["management"].role_arn is None
    assert found["management"].regions == ("eu-west-1",)
    assert found["prod"].account_id == "111111111111"
    assert found["prod"].regions == ("eu-west-1", "us-east-1")
    assert config.organizations is not None and config.organizations.exclude == ["333333333333"]
