"""Across accounts the security audit runs the further sections in every account and region
like the single-account audit does (root use in CloudTrail, GuardDuty, Inspector), and the
Kubernetes workloads once; compliance reads AWS Config in every account and region. The world is
this folder's ``world.yaml`` (its gap endpoint serves CloudTrail, GuardDuty, Inspector and
Config for the home account) with ``tests/accounts_world.py`` seeded into the same moto: prod
and staging in two regions, reached with STS, and an account whose role STS refuses.

Each account's stand-ins are its own (``GapServer.add_account``; the gap endpoint tells the
accounts apart by the request's access key): prod has root use, a GuardDuty finding and a
failing Config rule, staging an Inspector finding and another failing rule, and neither has the
home world's. So a finding reported for an account can only have come from that account."""

from __future__ import annotations

import pytest

from bot.accounts.service import Fleet, build_fleet, parse_accounts
from bot.investigate.sources_live import LiveEvidence
from bot.posture import flows
from bot.posture.checks import GUARDDUTY_TITLE, INSPECTOR_TITLE, K8S_TITLE, ROOT_TITLE
from bot.posture.k8s import k8s_audit
from bot.posture.report import security_rows
from integrations.aws.accounts import AccountSessions
from sandbox.aws.gaps import GapAccount
from sandbox.aws.gaps_data import trail_events
from sandbox.aws.gaps_security import SecurityServices
from sandbox.investigate.context import context_for_world
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld
from tests.accounts_world import ACCOUNTS, PROD, REGIONS, STAGING, seeded_session

HEAD = """\
version: 1
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services: [{name: app, runs_on: {kind: k8s_deployment, namespace: prod, name: app}}]
alerts: [{id: a1, at: -1m, format: generic, name: quiet, severity: warning}]
"""
PROD_GAPS = (
    HEAD
    + f"""\
name: prod-gaps
aws:
  guardduty:
    findings:
      - {{type: "UnauthorizedAccess:EC2/SSHBruteForce", severity: 8.0, resource: i-0prodbastion,
         title: "198.51.100.23 is performing SSH brute force attacks against i-0prodbastion"}}
  config:
    rules:
      - name: restricted-ssh
        resources: [{{type: "AWS::EC2::SecurityGroup", id: sg-0prod, compliance: NON_COMPLIANT}}]
changes:
  - {{at: -2d, kind: iam, source: cloudtrail, actor: "arn:aws:iam::{PROD}:root",
     detail: {{event_name: ConsoleLogin, source_ip: 198.51.100.7}}}}
"""
)
STAGING_GAPS = (
    HEAD
    + """\
name: staging-gaps
aws:
  inspector:
    findings:
      - {title: "CVE-2024-6387 - openssh", severity: CRITICAL, resource: i-0stagingweb,
         vulnerability_id: CVE-2024-6387}
  config:
    rules:
      - name: s3-bucket-ssl-requests-only
        resources: [{type: "AWS::S3::Bucket", id: staging-logs, compliance: NON_COMPLIANT}]
"""
)


def _places(account: str) -> set[tuple[str, str]]:
    return {(account, r) for r in REGIONS}


@pytest.fixture(scope="module")
def fleet(world: SandboxWorld) -> Fleet:
    ep = world.endpoints
    base = seeded_session(ep.aws_endpoint_url)
    assert world.aws is not None
    for number, text in ((PROD, PROD_GAPS), (STAGING, STAGING_GAPS)):
        scenario = parse_scenario_text(text, f"{number}.yaml").scenario
        security = SecurityServices(scenario, {}, number)
        world.aws.gaps.add_account(number, GapAccount(trail_events(scenario, {}), [], security))
    sessions = AccountSessions(
        base, endpoint_url=ep.aws_endpoint_url, gaps_url=ep.gaps_endpoint_url
    )
    return build_fleet(parse_accounts(ACCOUNTS), sessions)


def _where(audit: object, title: str) -> set[tuple[str, str]]:
    sections = dict(getattr(audit, "sections"))  # noqa: B009 - a SecurityAudit
    return {(str(f.get("account")), str(f.get("region"))) for f in sections.get(title, [])}


def test_security_across_accounts_runs_the_further_sections_everywhere(
    world: SandboxWorld, fleet: Fleet
) -> None:
    ctx = context_for_world(world)
    assert isinstance(ctx.evidence, LiveEvidence)  # a world's investigations read it live
    k8s = ctx.evidence.k8s_api
    audit = flows.security(ctx, None, k8s, fleet, world.clock.now())
    # each account and region was asked, and each answer is that account's own
    assert _where(audit, ROOT_TITLE) == _places("prod")
    assert _where(audit, GUARDDUTY_TITLE) == _places("prod")
    assert _where(audit, INSPECTOR_TITLE) == _places("staging")
    found = [f for _, section in audit.sections for f in section]
    assert {(f.get("account"), f.get("region")) for f in found
            if "SSH brute force" in f.summary} == _places("prod")  # fmt: skip
    assert {(f.get("account"), f.get("region")) for f in found
            if "CVE-2024-6387" in f.summary} == _places("staging")  # fmt: skip
    assert not [f for f in found if f.get("account") and "bastion-1" in f.summary]  # home's
    off = {n.split(":")[0] for n in audit.notes if "not enabled" in n}
    assert {f"staging {r}" for r in REGIONS} <= off and {f"prod {r}" for r in REGIONS} <= off
    # the cluster is no account's: its workloads are checked once, not per account
    cluster = dict(audit.sections)[K8S_TITLE]
    assert k8s is not None and len(cluster) == len(k8s_audit(k8s)) > 0
    assert not any(f.get("account") for f in cluster)
    # the refused account is one error line; every place that answered has no error
    assert [e.split(":")[0] for e in audit.errors] == ["broken"]
    rows = flows.security_report_rows(audit)
    assert {(r.account, r.region) for r in rows if r.section == "errors"} == {("broken", "*")}
    assert len(rows) == len(security_rows(audit))


def test_compliance_across_accounts_reads_aws_config_everywhere(
    world: SandboxWorld, fleet: Fleet
) -> None:
    found = flows.compliance(None, None, None, fleet, world.clock.now())
    config = [r for r in found.rows if r.check.startswith("config:")]
    assert {r.check for r in config if r.resource == "sg-0prod"} == {
        f"config:prod/{r}/restricted-ssh" for r in REGIONS
    }
    assert {r.check for r in config if r.resource == "staging-logs"} == {
        f"config:staging/{r}/s3-bucket-ssl-requests-only" for r in REGIONS
    }
    assert not [r for r in found.rows if r.resource == "sg-0bastion"]  # the home world's
    assert "`prod eu-west-1` AWS Config rule restricted-ssh: 1 of 1 fail" in found.message
    assert ":x: AWS Config: broken: cannot assume" in found.message
    errors = [r for r in found.rows if r.section == "errors" and r.check == "aws_config"]
    assert [r.summary.split(":")[0] for r in errors] == ["broken"]
