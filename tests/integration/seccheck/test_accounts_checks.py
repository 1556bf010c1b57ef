"""Across accounts the security audit runs the further sections in every account and region
like the single-account audit does (root use in CloudTrail, GuardDuty, Inspector), and the
Kubernetes workloads once; compliance reads AWS Config in every account and region. The world is
this folder's ``world.yaml`` (its gap endpoint serves CloudTrail, GuardDuty, Inspector and
Config) with ``tests/accounts_world.py`` seeded into the same moto: prod and staging in two
regions, reached with STS, and an account whose role STS refuses.

The sandbox's gap endpoint answers every account and region alike, so what these tests show is
that each account and region is asked, and that each answer names where it came from."""

from __future__ import annotations

import pytest

from bot.accounts.service import Fleet, build_fleet, parse_accounts
from bot.posture import flows
from bot.posture.checks import GUARDDUTY_TITLE, INSPECTOR_TITLE, K8S_TITLE, ROOT_TITLE
from bot.posture.k8s import k8s_audit
from bot.posture.report import security_rows
from integrations.aws.accounts import AccountSessions
from sandbox.investigate.context import context_for_world
from sandbox.world import SandboxWorld
from tests.accounts_world import ACCOUNTS, REGIONS, seeded_session

PLACES = {(a, r) for a in ("prod", "staging") for r in REGIONS}


@pytest.fixture(scope="module")
def fleet(world: SandboxWorld) -> Fleet:
    ep = world.endpoints
    base = seeded_session(ep.aws_endpoint_url)
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
    k8s = ctx.evidence.k8s_api
    audit = flows.security(ctx, None, k8s, fleet, world.clock.now())
    for title in (ROOT_TITLE, GUARDDUTY_TITLE, INSPECTOR_TITLE):
        assert _where(audit, title) == PLACES, title
    brute = [f for _, found in audit.sections for f in found if "SSH brute force" in f.summary]
    assert {(f.get("account"), f.get("region")) for f in brute} == PLACES
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
    ssh = [r for r in found.rows if r.resource == "sg-0bastion"]
    assert {(r.account, r.region) for r in ssh} == PLACES
    assert {r.check for r in ssh} == {f"config:{a}/{r}/restricted-ssh" for a, r in PLACES}
    assert "`prod eu-west-1` AWS Config rule restricted-ssh: 1 of 2 fail" in found.message
    assert ":x: AWS Config: broken: cannot assume" in found.message
    errors = [r for r in found.rows if r.section == "errors" and r.check == "aws_config"]
    assert [r.summary.split(":")[0] for r in errors] == ["broken"]
