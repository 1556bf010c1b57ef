"""Investigations in another account (``bot.investigate.where``), on the sandbox's moto server
with real boto3 and STS: the world is ``tests/accounts_world.py`` (prod and staging, each with
its own open security groups and prod with a public bucket, and an account whose role STS
refuses). The bot's own credentials read moto's default account, which holds none of them, so a
finding names the account it came from only if the investigation read there."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from bot.accounts.service import Fleet, build_fleet, parse_accounts
from bot.clock import SandboxClock, SystemClock
from bot.errors import UserError
from bot.incidents.flows import IncidentFlows
from bot.incidents.ports import RecordingPublisher
from bot.ingest.generic import parse_generic
from bot.investigate import investigate_query
from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.context import InvestigationContext, Topology
from bot.investigate.flows import investigate_incident
from bot.investigate.sources_live import LiveEvidence
from bot.jobs import InlineJobs
from bot.respond.approvals import Desk
from bot.respond.auto import AutoInvestigator, RecordingAutoReport, wire_auto_investigation
from bot.respond.auto_policy import parse_auto_investigate
from bot.store import Database
from integrations.aws.accounts import AccountSessions
from integrations.aws.session import make_clients
from tests.accounts_world import ACCOUNTS, PROD, REGIONS, STAGING
from tests.cli import run_aiops

pytestmark = pytest.mark.timeout(240)
OPEN_GROUPS = "which security groups are open to the world"


@pytest.fixture(scope="module")
def fleet(base: boto3.Session, url: str) -> Fleet:
    return build_fleet(parse_accounts(ACCOUNTS), AccountSessions(base, endpoint_url=url))


def _ctx(base: boto3.Session, url: str, fleet: Fleet | None) -> InvestigationContext:
    home = make_clients(REGIONS[0], url, session=base)
    evidence = LiveEvidence(clock=SystemClock(), topology=Topology([]), aws=home)
    return InvestigationContext(evidence=evidence, topology=Topology([]), fleet=fleet)


def _texts(result: object) -> str:
    return "\n".join(f.text for f in result.facts)  # type: ignore[attr-defined]


def test_an_asked_account_is_read_and_named(base: boto3.Session, url: str, fleet: Fleet) -> None:
    home = investigate_query(_ctx(base, url, fleet), OPEN_GROUPS)
    assert home.account is None and "staging-db" not in _texts(home)
    ctx = _ctx(base, url, fleet)
    ctx.account = "staging"
    staging = investigate_query(ctx, OPEN_GROUPS)
    assert (staging.account, staging.region) == ("staging", "eu-west-1")
    first = staging.facts[0].text
    assert first.startswith(f"Read AWS account staging ({STAGING}), region eu-west-1")
    assert "staging-db" in _texts(staging) and "prod-ssh" not in _texts(staging)
    assert staging.to_contract_json()["account"] == "staging"
    ctx.account, ctx.region = PROD, "us-east-1"  # by id, in another region
    prod = investigate_query(ctx, OPEN_GROUPS)
    assert (prod.account, prod.region) == ("prod", "us-east-1")
    assert "prod-rdp" in _texts(prod) and "prod-ssh" not in _texts(prod)


def test_a_refused_or_unknown_account_is_a_clear_message(
    base: boto3.Session, url: str, fleet: Fleet
) -> None:
    ctx = _ctx(base, url, fleet)
    ctx.account = "broken"
    with pytest.raises(UserError, match="account broken could not be read: cannot assume"):
        investigate_query(ctx, OPEN_GROUPS)
    ctx.account = "nope"
    with pytest.raises(UserError, match="no account 'nope'"):
        investigate_query(ctx, OPEN_GROUPS)
    ctx.account, ctx.region = "prod", "mars-1"
    with pytest.raises(UserError, match="not an AWS region"):
        investigate_query(ctx, OPEN_GROUPS)
    alone = _ctx(base, url, None)
    alone.account = "prod"
    with pytest.raises(UserError, match="needs the accounts file"):
        investigate_query(alone, OPEN_GROUPS)


def _incident(labels: dict[str, str]) -> InvestigationTarget:
    alert = AlertView(name="OpenPorts", summary="security groups open to the world",
                      severity="critical", labels=labels)  # fmt: skip
    return InvestigationTarget(alerts=[alert], root_alert=alert, title=OPEN_GROUPS)


def test_alert_labels_or_an_arn_pick_the_account(
    base: boto3.Session, url: str, fleet: Fleet
) -> None:
    by_label = investigate_incident(_ctx(base, url, fleet), _incident({"account_id": STAGING}))
    assert (by_label.account, by_label.region) == ("staging", "eu-west-1")
    assert "staging-db" in _texts(by_label)
    arn = f"arn:aws:ec2:us-east-1:{PROD}:security-group/sg-0123"
    by_arn = investigate_incident(_ctx(base, url, fleet), _incident({"resource": arn}))
    assert (by_arn.account, by_arn.region) == ("prod", "us-east-1")
    assert "ARN" in by_arn.facts[0].text and "prod-rdp" in _texts(by_arn)
    unlisted = investigate_incident(_ctx(base, url, fleet), _incident({"account": "999999999999"}))
    assert unlisted.account is None
    assert "does not list" in _texts(unlisted)


def test_a_resource_named_in_the_question_is_investigated_in_its_account(
    base: boto3.Session, url: str, fleet: Fleet
) -> None:
    # without the accounts file the name is not looked up in another account's inventory: the
    # question is answered at home (never refused), and nothing says it was found in prod
    without = investigate_query(_ctx(base, url, None), "is bucket prod-public-assets public")
    assert without.account != "prod"
    assert not any("is in its inventory" in f.text for f in without.facts)
    found = investigate_query(_ctx(base, url, fleet), "is bucket prod-public-assets public")
    assert found.account == "prod"
    assert "prod-public-assets is in its inventory" in found.facts[0].text
    assert any("publicly readable" in f.text for f in found.facts)
    # the fix would run with the home account's credentials: not proposed, and said why
    assert not [a for a in found.actions if a.action.startswith("s3.")]
    (refused,) = [s for s in found.next_steps if "s3.block_public_access" in s]
    assert "need a write role" in refused and "docs/accounts.md" in refused


def _auto(db: Database, ctx: InvestigationContext) -> tuple[IncidentFlows, RecordingAutoReport]:
    now = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    flows = IncidentFlows(db, clock=SandboxClock(now), publisher=RecordingPublisher())
    report = RecordingAutoReport()
    config = parse_auto_investigate("default: p\npolicies:\n  - name: p\n"
                                    "    when: [{severities: [critical]}]\n")  # fmt: skip
    auto = AutoInvestigator(Desk(db=db, clock=flows.clock, flows=flows), config,
                            context=lambda: ctx, report=report)  # fmt: skip
    wire_auto_investigation(flows, auto, InlineJobs())
    return flows, report


def _page(flows: IncidentFlows, service: str, labels: dict[str, str]) -> None:
    alert = {"name": f"OpenPorts-{service}", "severity": "critical", "service": service,
             "summary": "security groups open to the world", "labels": labels,
             "starts_at": "2026-03-01T03:00:00Z"}  # fmt: skip
    flows.group_alerts(parse_generic({"version": "1", "alerts": [alert]}))


def test_auto_investigation_reads_the_account_its_alert_names(
    base: boto3.Session, url: str, fleet: Fleet, sqlite_database: Database
) -> None:
    flows, report = _auto(sqlite_database, _ctx(base, url, fleet))
    _page(flows, "edge", {"account": "staging", "region": "eu-west-1"})
    (run,) = report.runs
    assert "staging-db" in run.top_line or "staging-db" in _texts(run.found.result)
    assert run.found.result.account == "staging"
    _page(flows, "ledger", {"account": "broken"})  # another service: its own incident
    ((_, text),) = report.failures
    assert "account broken could not be read" in text


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    return {
        "AIOPS_ACCOUNTS_FILE": str(accounts),
        "AIOPS_CONFIG": str(tmp_path / "none.toml"),
        "AWS_ENDPOINT_URL": url,
        "AWS_REGION": REGIONS[0],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'aiops.db'}",
    }


def test_the_terminal_investigates_in_the_account_asked(
    base: boto3.Session, url: str, tmp_path: Path
) -> None:
    env = _env(url, tmp_path)
    done = run_aiops("investigate", OPEN_GROUPS, "--account", "staging", "--json", env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["account"], found["region"]) == ("staging", "eu-west-1")
    assert any("staging-db" in f["text"] for f in found["facts"])
    refused = run_aiops("investigate", OPEN_GROUPS, "--account", "broken", env=env)
    assert refused.returncode != 0
    assert "account broken could not be read" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
