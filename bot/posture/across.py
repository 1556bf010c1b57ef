"""The audits across several accounts and regions (``accounts.yaml``): each account's role
assumed, each region read concurrently (``bot.accounts.service.Fleet``), every finding and row
naming its account and region, and an account or region that cannot be read reported as an
error line while the others are audited.

Global services are read once per account, in its first region: IAM principals and the S3
bucket listing (``list_buckets`` answers for every region), so a finding is never doubled.
The further sections (``bot.posture.checks.more_checks``: root use in CloudTrail, GuardDuty,
Inspector) run in every account and region like the single-account audit's; the Kubernetes
cluster is no account's, so its workloads are checked once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.accounts.service import Fleet
from bot.investigate.context import InvestigationContext, Topology
from bot.investigate.models import Finding
from bot.investigate.sources import BucketRecord, IamUserRecord
from bot.investigate.sources_live import LiveEvidence
from bot.posture.checks import GUARDDUTY_TITLE, INSPECTOR_TITLE, ROOT_TITLE, more_checks
from bot.posture.report import ReportRow, security_rows
from bot.posture.security import SecurityAudit, add_sections, security_audit
from integrations.aws.accounts import AccountTarget, Outcome
from integrations.aws.iam_policies import PolicyReader
from integrations.aws.posture_reads import PostureReader
from integrations.aws.session import AwsClients

#: finding sources read through a global endpoint: their region is "global"
GLOBAL_SOURCES = ("iam:", "s3:")
#: the further sections read in every region, whatever their source names (root use is an
#: ``iam:root`` finding read from each region's CloudTrail)
REGIONAL_SECTIONS = (ROOT_TITLE, GUARDDUTY_TITLE, INSPECTOR_TITLE)


class _At:
    """The audit's clock: every account and region judged at the same instant."""

    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


class _RegionOnly(LiveEvidence):
    """Evidence for an account's second and later regions: the global reads (buckets, IAM
    users) were done in its first region."""

    def buckets(self) -> list[BucketRecord]:
        return []

    def iam_users(self) -> list[IamUserRecord]:
        return []


class _NoPrincipals:
    def users(self) -> list[Any]:
        return []

    def roles(self) -> list[Any]:
        return []


def _first(target: AccountTarget, region: str) -> bool:
    return region == target.regions[0]


@dataclass
class FleetSecurityAudit(SecurityAudit):
    """The merged audit; ``where`` names the account and region of each error and note."""

    where: dict[str, tuple[str, str]] = field(default_factory=dict)

    def rows(self) -> list[ReportRow]:
        """``security_rows``, with error and note rows naming their account and region too."""
        out = []
        for row in security_rows(self):
            if row.section in ("errors", "notes") and row.summary in self.where:
                account, region = self.where[row.summary]
                row = replace(row, account=account, region=region)
            out.append(row)
        return out


def security_across(
    fleet: Fleet, now: datetime, topology: Topology, k8s: Any = None
) -> FleetSecurityAudit:
    """The security audit (``bot.posture.security``) in every account and region, merged:
    sections by title, findings tagged with ``account`` / ``region``; ``k8s`` (a
    ``KubernetesApi``, or None) is audited once."""

    def one(clients: AwsClients, target: AccountTarget, region: str) -> SecurityAudit:
        first = _first(target, region)
        kind = LiveEvidence if first else _RegionOnly
        evidence = kind(clock=_At(now), topology=topology, aws=clients)
        ctx = InvestigationContext(evidence=evidence, topology=topology)
        iam = PolicyReader(clients.iam) if first else _NoPrincipals()
        reads = PostureReader(
            clients.ec2, clients.rds, target.account_id,
            s3=clients.s3 if first else None, s3control=clients.s3control,
        )  # fmt: skip
        return security_audit(ctx, iam, reads, more_checks(clients, None, now))

    merged = merge_security(fleet.run(one))
    add_sections(merged, more_checks(None, k8s, now))
    return merged


def _tag(f: Finding, account: str, region: str, title: str = "") -> Finding:
    regional = title in REGIONAL_SECTIONS or not f.source.startswith(GLOBAL_SOURCES)
    where = region if regional else "global"
    return f.model_copy(update={"attrs": {**f.attrs, "account": account, "region": where}})


def merge_security(outcomes: Sequence[Outcome[SecurityAudit]]) -> FleetSecurityAudit:
    sections: dict[str, list[Finding]] = {}
    merged = FleetSecurityAudit()

    def error(account: str, region: str, line: str) -> None:
        merged.errors.append(line)
        merged.where[line] = (account, region)

    for o in outcomes:
        if o.value is None:
            error(o.account, o.region, o.line)
            continue
        for title, found in o.value.sections:
            tagged = (_tag(f, o.account, o.region, title) for f in found)
            sections.setdefault(title, []).extend(tagged)
        for e in o.value.errors:
            error(o.account, o.region, f"{o.account} {o.region}: {e}")
        for n in o.value.notes:
            line = f"{o.account} {o.region}: {n}"
            merged.notes.append(line)
            merged.where[line] = (o.account, o.region)
    merged.sections = list(sections.items())
    return merged


def rows_across(fleet: Fleet, rows: Callable[[AwsClients], list[ReportRow]]) -> list[ReportRow]:
    """``rows(clients)`` in every account and region, each row naming where it was read;
    an unreadable account or region becomes an error row."""
    return rows_where(fleet, lambda clients, _t, _r: rows(clients))


def rows_where(
    fleet: Fleet, rows: Callable[[AwsClients, AccountTarget, str], list[ReportRow]]
) -> list[ReportRow]:
    """``rows_across`` for work that needs to know its account and region too."""
    out: list[ReportRow] = []
    for o in fleet.run(rows):
        if o.value is None:
            out.append(
                ReportRow("errors", "error", "unreadable", "", o.line, "", o.account, o.region)
            )
            continue
        out += [replace(r, account=o.account, region=o.region) for r in o.value]
    return out
