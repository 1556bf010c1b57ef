"""Compliance rules over the sandbox's inventory (moto server, real boto3): each built-in rule
fails on a resource that breaks it and passes on one that keeps it; the score and the trend
follow a fix; a rules file of one's own adds and replaces rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.compliance.evaluate import ComplianceReport, evaluate
from bot.compliance.render import summary
from bot.compliance.rules import builtin_rules, load_rules
from bot.compliance.runs import record
from bot.errors import ConfigError
from bot.inventory.service import InventorySources
from bot.store.db import Database
from integrations.aws.session import make_clients
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld

WORLD = """\
version: 1
name: compliance
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services: [{name: web, runs_on: {kind: ec2, name: web-1}}]
aws:
  ec2_instances: [{id_ref: web-1}]
  security_groups:
    - {name: bastion, ingress: [{port: 22, cidr: 0.0.0.0/0}]}
    - {name: jump-alt, ingress: [{port: 2222, cidr: 0.0.0.0/0}]}
    - {name: rdp, ingress: [{port: 3389, cidr: 0.0.0.0/0}]}
  s3_buckets:
    - {name: acme-public, public: true, encrypted: true}
    - {name: acme-plain}
    - {name: acme-good, encrypted: true}
  rds_instances: [{id: orders-db}]
  iam_users: [{name: alice, mfa: true}, {name: bot, mfa: false}]
alerts: [{id: a1, at: -1m, format: generic, name: check, severity: warning}]
"""


@pytest.fixture(scope="module")
def sources() -> Iterator[InventorySources]:
    with SandboxWorld(parse_scenario_text(WORLD, "compliance.yaml").scenario) as world:
        ep = world.endpoints
        assert world.aws is not None
        yield InventorySources(
            make_clients(ep.region, ep.aws_endpoint_url, session=world.aws.session())
        )


def _failing(report: ComplianceReport) -> dict[str, list[str]]:
    return {r.rule.id: sorted(x.name for x in r.failing) for r in report.results if r.failing}


def test_each_rule_names_what_breaks_it(sources: InventorySources) -> None:
    report = evaluate(builtin_rules(), sources)
    failing = _failing(report)
    assert failing["s3-no-public-access"] == ["acme-public"]
    assert failing["s3-encrypted"] == ["acme-plain"]
    assert failing["sg-no-ssh-from-world"] == ["bastion"]  # 2222 is not 22
    assert failing["sg-no-rdp-from-world"] == ["rdp"]
    assert failing["iam-user-mfa"] == ["bot"]
    assert failing["rds-encrypted"] == ["orders-db"]
    assert "sg-default-closed" not in failing  # the VPC's default group opens nothing
    assert "prod-rds-multi-az" not in failing  # nothing tagged prod: no resource in scope
    assert 0 < report.score < 100


def test_trend_follows_a_fix(sources: InventorySources, sqlite_database: Database) -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    first = evaluate(builtin_rules(), sources)
    assert record(sqlite_database, first, now).previous_score is None
    sources.aws.s3.put_bucket_encryption(
        Bucket="acme-plain",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    second = evaluate(builtin_rules(), sources)
    trend = record(sqlite_database, second, now + timedelta(days=1))
    assert "s3-encrypted" not in _failing(second)
    assert trend.delta is not None and trend.delta > 0
    assert trend.fixed == {"s3-encrypted": ["acme-plain"]} and trend.newly_failing == {}
    assert "fixed: s3-encrypted: acme-plain" in summary(second, trend)


def test_rules_of_ones_own(sources: InventorySources, tmp_path: Path) -> None:
    own = tmp_path / "rules.yaml"
    own.write_text(
        "rules:\n"
        "  - {id: no-jump-ports, title: No alternative SSH port, type: sg,"
        " require: ['open_to_world!=2222']}\n"
        "  - {id: iam-user-mfa, title: MFA (relaxed), type: iam_users, where: [name=alice],"
        " require: [mfa=true]}\n"
    )
    rules = load_rules(own)
    assert len(rules) == len(builtin_rules()) + 1
    failing = _failing(evaluate(rules, sources))
    assert failing["no-jump-ports"] == ["jump-alt"]
    assert "iam-user-mfa" not in failing  # replaced: only alice is in scope
    own.write_text("rules: [{id: x, title: t, type: vpcs, require: [a=b]}]\n")
    with pytest.raises(ConfigError, match="rules.0.type"):
        load_rules(own)
    own.write_text("rules: [{id: x, title: t, type: ec2, require: [prod]}]\n")
    with pytest.raises(ConfigError, match="is not a filter"):
        load_rules(own)
