"""Several accounts on the sandbox's AWS (moto server, real boto3 and STS; the world is
``tests/accounts_world.py``): two accounts × two regions holding different resources, reached by
``sts:AssumeRole``, and a third whose role STS refuses. The refused account is an error line;
the others are audited and every finding names its account and region."""

from __future__ import annotations

import csv
import io
import json
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from bot.accounts.models import AccountsFile
from bot.accounts.service import Fleet, build_fleet, parse_accounts, targets
from bot.errors import UpstreamUnavailable
from bot.inventory.ask import words_to_query
from bot.inventory.render import render
from bot.inventory.service import InventorySources, run
from bot.investigate.context import Topology
from bot.posture.across import rows_across, security_across
from bot.posture.report import ReportRow, format_rows
from bot.posture.security import render as render_security
from integrations.aws.accounts import AccountSessions, AccountTarget, RoleNotAssumed
from tests.accounts_world import (
    ACCOUNTS,
    PROD,
    REGIONS,
    STAGING,
    assumed,
    quiet_gaps,
)
from tests.cli import run_aiops

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def gaps() -> Iterator[str]:
    with quiet_gaps() as url:
        yield url


@pytest.fixture(scope="module")
def fleet(base: boto3.Session, url: str, gaps: str) -> Fleet:
    sessions = AccountSessions(base, endpoint_url=url, gaps_url=gaps)
    return build_fleet(parse_accounts(ACCOUNTS), sessions)


def _sg(rows: list[ReportRow], group: str) -> list[tuple[str, str]]:
    return [(r.account, r.region) for r in rows if r.check == "sg_open" and group in r.summary]


def test_security_audit_names_account_and_region_and_reports_the_refused_role(
    fleet: Fleet,
) -> None:
    audit = security_across(fleet, NOW, Topology([]))
    rows = audit.rows()
    assert _sg(rows, "prod-ssh") == [("prod", "eu-west-1")]
    assert _sg(rows, "prod-rdp") == [("prod", "us-east-1")]
    assert _sg(rows, "staging-db") == [("staging", "eu-west-1")]
    # IAM is read once per account (not once per region), through the global endpoint
    users = [(r.account, r.region) for r in rows if "prod-deployer" in r.resource]
    assert users and set(users) == {("prod", "global")}
    assert len(users) == len({r.check for r in rows if "prod-deployer" in r.resource})
    assert not any("staging-ci" in r.resource and r.account != "staging" for r in rows)
    public = [r for r in rows if r.check == "bucket_public"]
    assert [(r.account, r.region) for r in public] == [("prod", "global")]
    broken = [e for e in audit.errors if e.startswith("broken")]
    assert len(broken) == 1 and "ValidationError" in broken[0]
    assert not any(r.account == "broken" for r in rows if r.section != "errors")
    assert [(r.account, r.region) for r in rows if r.section == "errors"] == [("broken", "*")]
    text = render_security(audit)
    assert "`prod eu-west-1`" in text and ":x: broken:" in text


def test_report_formats_add_account_and_region_columns(fleet: Fleet) -> None:
    rows = security_across(fleet.only("staging"), NOW, Topology([])).rows()
    assert {r.account for r in rows} == {"staging"}
    header = format_rows(rows, "csv").splitlines()[0]
    assert header.startswith("account,region,section")
    first = json.loads(format_rows(rows, "json"))[0]
    assert first["account"] == "staging"
    one = [ReportRow("s", "high", "c", "r", "x")]
    assert "account" not in format_rows(one, "csv").splitlines()[0]  # one account: unchanged
    assert "account" not in json.loads(format_rows(one, "json"))[0]


def test_rows_across_tags_rows_and_turns_failures_into_error_rows(fleet: Fleet) -> None:
    def groups(clients: Any) -> list[ReportRow]:
        found = clients.ec2.describe_security_groups()["SecurityGroups"]
        return [ReportRow("sg", "info", "sg", g["GroupId"], g["GroupName"]) for g in found]

    rows = rows_across(fleet, groups)
    where = {(r.account, r.region) for r in rows if r.section == "sg"}
    assert where == {(a, r) for a in ("prod", "staging") for r in REGIONS}
    errors = [r for r in rows if r.section == "errors"]
    assert [(r.account, r.region) for r in errors] == [("broken", "*")]


def test_inventory_lists_every_account_and_region_once(fleet: Fleet) -> None:
    result = run(words_to_query(["security_groups"]), InventorySources(fleet=fleet))
    opened = {(r.account, r.region) for r in result.resources if r.name.startswith("prod-")}
    assert opened == {("prod", "eu-west-1"), ("prod", "us-east-1")}
    assert any(e.startswith("broken") for e in result.errors)
    assert render(result).splitlines()[1].split()[:2] == ["account", "region"]
    buckets = run(words_to_query(["buckets"]), InventorySources(fleet=fleet)).resources
    assert [(b.account, b.name) for b in buckets] == [("prod", "prod-public-assets")]


def test_only_narrows_to_one_account_by_name_or_id(fleet: Fleet) -> None:
    assert [t.name for t in fleet.only(PROD).targets] == ["prod"]
    assert len(fleet.only("all").targets) == 3
    with pytest.raises(Exception, match="no account 'nope'"):
        fleet.only("nope")


def test_assumed_credentials_are_refreshed_before_they_expire(
    base: boto3.Session, url: str
) -> None:
    # 15 minutes is inside botocore's refresh window: every use renews the credentials
    target = AccountTarget("short", REGIONS, f"arn:aws:iam::{PROD}:role/x", duration_seconds=900)
    sessions = AccountSessions(base, endpoint_url=url)
    creds = sessions.session(target).get_credentials()
    first = creds.get_frozen_credentials().access_key
    second = creds.get_frozen_credentials().access_key
    assert first != second
    ec2 = sessions.clients(target, "eu-west-1").ec2
    names = {g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert "prod-ssh" in names  # the renewed credentials still reach the account


def test_organizations_lists_the_accounts_to_assume(base: boto3.Session, url: str) -> None:
    org = base.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    made = org.create_account(AccountName="sandbox-team", Email="team@example.com")
    new_id = made["CreateAccountStatus"]["AccountId"]
    config = AccountsFile.model_validate(
        {"regions": ["eu-west-1"], "organizations": {"role_name": "OrganizationAccountAccessRole"}}
    )
    sessions = AccountSessions(base, endpoint_url=url)
    found = targets(config, sessions.organization_accounts)
    by_id = {t.account_id: t for t in found}
    assert by_id[new_id].name == "sandbox-team"
    assert by_id[new_id].role_arn == f"arn:aws:iam::{new_id}:role/OrganizationAccountAccessRole"
    excluded = AccountsFile.model_validate(
        {
            "regions": ["eu-west-1"],
            "organizations": {"role_name": "OrganizationAccountAccessRole", "exclude": [new_id]},
        }
    )
    assert new_id not in {t.account_id for t in targets(excluded, sessions.organization_accounts)}


def test_an_organization_that_cannot_be_listed_is_a_clear_upstream_error(
    base: boto3.Session,
) -> None:
    # nothing listens on the port: botocore's connection error must not reach bot/ raw
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = AccountsFile.model_validate(
        {"regions": ["eu-west-1"], "organizations": {"role_name": "OrganizationAccountAccessRole"}}
    )
    sessions = AccountSessions(base, endpoint_url=f"http://127.0.0.1:{port}")
    with pytest.raises(UpstreamUnavailable, match="AWS Organizations could not list the accounts"):
        build_fleet(config, sessions, sessions.organization_accounts)


def test_a_refused_role_is_one_error_naming_the_role_and_sts_is_asked_once(
    base: boto3.Session, url: str
) -> None:
    asked: list[str] = []
    sessions = AccountSessions(
        base, endpoint_url=url, on_client=lambda c: asked.append(c.meta.service_model.service_name)
    )
    role = f"arn:aws:iam::{PROD}:role/aiops-audit"
    target = AccountTarget("odd", REGIONS, role, session_name="s" * 70)  # STS refuses > 64
    for _ in range(2):
        with pytest.raises(RoleNotAssumed, match=f"cannot assume {role} ") as got:
            sessions.session(target)
        assert got.value.role_arn == target.role_arn
    assert asked.count("sts") == 1


def _cli_env(url: str, tmp_path: Path, gaps: str) -> dict[str, str]:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    return {
        "AIOPS_ACCOUNTS_FILE": str(accounts),
        "AIOPS_CONFIG": str(tmp_path / "none.toml"),
        "AWS_ENDPOINT_URL": url,
        "AIOPS_AWS_GAPS_ENDPOINT_URL": gaps,
        "AWS_REGION": REGIONS[0],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'aiops.db'}",
    }


def test_the_terminal_audit_reads_every_account_from_the_accounts_file(
    url: str, gaps: str, tmp_path: Path
) -> None:
    done = run_aiops("audit", "security", "--format", "csv", env=_cli_env(url, tmp_path, gaps))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    ssh = [
        (r["account"], r["region"])
        for r in rows
        if r["check"] == "sg_open" and "prod-ssh" in r["summary"]
    ]
    assert ssh == [("prod", "eu-west-1")]
    assert [r["account"] for r in rows if r["section"] == "errors"] == ["broken"]


def test_the_terminal_inventory_narrows_to_one_account(url: str, gaps: str, tmp_path: Path) -> None:
    env = _cli_env(url, tmp_path, gaps)
    done = run_aiops("inventory", "security_groups", "--account", "staging", "--format", "csv",
                     env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {r["account"] for r in rows} == {"staging"}
    assert {r["region"] for r in rows} == set(REGIONS)
    assert "staging-db" in {r["name"] for r in rows}
    unknown = run_aiops("inventory", "security_groups", "--account", "nope", env=env)
    assert unknown.returncode != 0 and "no account 'nope'" in unknown.stdout + unknown.stderr


def test_the_terminal_cost_compliance_and_drift_audits_run_in_every_account(
    base: boto3.Session, url: str, gaps: str, tmp_path: Path
) -> None:
    ec2 = assumed(base, url, STAGING, "ec2", "us-east-1")
    volume = ec2.create_volume(Size=20, AvailabilityZone="us-east-1a")["VolumeId"]
    env = _cli_env(url, tmp_path, gaps)
    assert run_aiops("db", "upgrade", env=env).returncode == 0  # compliance records its runs

    def rows(kind: str) -> list[dict[str, str]]:
        done = run_aiops("audit", kind, "--format", "csv", env=env)
        assert done.returncode == 0, done.stderr
        table = done.stdout[done.stdout.index("account,region,") :]  # after compliance's summary
        return list(csv.DictReader(io.StringIO(table)))

    cost = rows("cost")
    assert [(r["account"], r["region"]) for r in cost if volume in r["resource"]] == [
        ("staging", "us-east-1")
    ]
    assert ("broken", "*") in {
        (r["account"], r["region"]) for r in cost if r["section"] == "errors"
    }
    compliance = rows("compliance")
    open_ssh = [(r["account"], r["region"]) for r in compliance if "prod-ssh" in r["summary"]]
    assert open_ssh == [("prod", "eu-west-1")]
    drift = rows("drift")
    assert {r["account"] for r in drift} <= {"broken"}  # no stacks: only the refused account


def test_the_compliance_trend_tells_accounts_apart(
    base: boto3.Session, url: str, fleet: Fleet, tmp_path: Path
) -> None:
    from bot.compliance.evaluate import evaluate
    from bot.compliance.rules import load_rules
    from bot.compliance.runs import record
    from bot.store import connect
    from bot.store.migrate import upgrade

    db = connect(f"sqlite:///{tmp_path / 'trend.db'}")
    upgrade(db.engine)
    try:
        sources = InventorySources(fleet=fleet)
        record(db, evaluate(load_rules(), sources), NOW)
        ec2 = assumed(base, url, STAGING, "ec2", "us-east-1")
        gid = ec2.create_security_group(GroupName="late-ssh", Description="x")["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=gid, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0"
        )
        trend = record(db, evaluate(load_rules(), sources), NOW)
    finally:
        db.dispose()
    assert trend.newly_failing["sg-no-ssh-from-world"] == [f"staging/{gid}"]


def test_each_region_lists_its_security_groups_once(
    base: boto3.Session, url: str, gaps: str
) -> None:
    calls: Counter[str] = Counter()

    def hook(client: Any) -> None:
        client.meta.events.register("before-call", lambda model, **_: calls.update([model.name]))

    sessions = AccountSessions(base, endpoint_url=url, gaps_url=gaps, on_client=hook)
    fleet = build_fleet(parse_accounts(ACCOUNTS), sessions).only("prod")
    security_across(fleet, NOW, Topology([]))
    # the account id comes from the role ARN: EC2 is not asked whose groups they are
    assert calls["DescribeSecurityGroups"] == len(REGIONS)
    assert calls["AssumeRole"] == 1
