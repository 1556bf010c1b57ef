"""``aiops remediate`` against the sandbox: --dry-run prints the write calls and changes
nothing; --plan-id proposes under the policy; approve runs it and verifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.config import get_settings
from bot.store import Investigation, connect
from handlers.cli.main import app
from integrations.aws import lambda_
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.integration.aws.worlds import clients_of

WORLD_FILE = Path(__file__).with_name("world_all.yaml")


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(load_scenario(WORLD_FILE).scenario) as running:
        yield running


@pytest.fixture
def cli_env(world: SandboxWorld, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    ep = world.endpoints
    for key, value in {
        "DATABASE_URL": sqlite_url,
        "AWS_ENDPOINT_URL": ep.aws_endpoint_url,
        "AWS_REGION": ep.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "KUBECONFIG": str(ep.kubeconfig_path),
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    db = connect(sqlite_url)
    with db.session() as s:
        s.add(
            Investigation(
                query="lambda timeouts",
                status="done",
                actions=[
                    {
                        "action": "lambda.set_timeout",
                        "params": {"name": "resizer", "seconds": 90},
                        "risk": "low",
                        "rationale": "p99 duration at the timeout",
                    },
                    {
                        "action": "k8s.rollback_deployment",
                        "params": {"namespace": "prod", "name": "web"},
                        "risk": "medium",
                        "rationale": "bad deploy",
                    },
                ],
            )
        )
    db.dispose()
    yield sqlite_url
    get_settings.cache_clear()


def _timeout(world: SandboxWorld) -> int:
    clients = clients_of(world)
    return lambda_.get_config(clients.lambda_, "resizer").timeout


def test_dry_run_prints_calls_and_changes_nothing(world: SandboxWorld, cli_env: str) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["remediate", "--plan-id", "1", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "aws:lambda UpdateFunctionConfiguration(FunctionName='resizer', Timeout=90)" in (
        out.output
    )
    assert _timeout(world) == 30
    k8s = runner.invoke(app, ["remediate", "--plan-id", "1", "--action", "2", "--dry-run"])
    assert k8s.exit_code == 0, k8s.output
    assert "kubernetes PATCH /apis/apps/v1/namespaces/prod/deployments/web" in k8s.output


def test_plan_is_proposed_then_approved_and_verified(world: SandboxWorld, cli_env: str) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["remediate", "--plan-id", "1", "--user", "alice"])
    assert out.exit_code == 0, out.output
    assert "pending" in out.output and "role responder" in out.output
    assert _timeout(world) == 30
    listed = runner.invoke(app, ["remediate", "list"])
    assert "1 remediation request(s)" in listed.output
    denied = runner.invoke(app, ["remediate", "approve", "1", "--user", "bob", "--role", "viewer"])
    assert denied.exit_code != 0 and _timeout(world) == 30
    ok = runner.invoke(app, ["remediate", "approve", "1", "--user", "bob", "--role", "responder"])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output
    assert _timeout(world) == 90
    wrong = runner.invoke(app, ["remediate", "--plan-id", "1", "--action", "7"])
    assert wrong.exit_code != 0


def test_list_says_where_a_request_acts(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fix proposed for a finding of another account names that account and region."""
    from bot.remediate import service
    from bot.remediate.models import Place
    from bot.remediate.policy import Policy

    db = connect(cli_env)
    service.propose(
        db, action="ec2.revoke_ingress", requested_by="auditor", policy=Policy(),
        params={"group": "sg-0abc", "port": 22, "cidr": "0.0.0.0/0"},
        place=Place("staging", "us-east-1"),
    )  # fmt: skip
    db.dispose()
    from handlers.cli import remediate as cli_remediate

    # the module's console read its width when first imported (another test may have done so
    # under an 80-column environment): a wide one for this listing, so no cell wraps
    monkeypatch.setattr(cli_remediate.console, "width", 250)
    listed = CliRunner().invoke(app, ["remediate", "list"])
    assert listed.exit_code == 0, listed.output
    assert "account staging (us-east-1)" in listed.output
