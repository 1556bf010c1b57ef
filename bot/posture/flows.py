"""The posture audits as one flow each for every door: ``aiops audit security|cost|compliance|
drift`` and ``/aiops audit …`` call :func:`security`, :func:`cost`, :func:`compliance` and
:func:`drift`, so which checks run, and whether they run in one account or across
``accounts.yaml``, is decided here and not in a handler. The doors parse, call, and show the
``AuditReport`` (rows, the terminal's lines, the chat message) where they show things.

``aws`` is the home account's ``AwsClients`` (None when AWS is not configured), ``k8s`` the
``KubernetesApi`` (or None), ``fleet`` the accounts of ``AIOPS_ACCOUNTS_FILE`` (or None),
narrowed to the one asked for by :func:`accounts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.accounts.service import Fleet
from bot.errors import UpstreamUnavailable, UserError
from bot.investigate.context import InvestigationContext
from bot.posture import cost_render, fleet_audits
from bot.posture.across import FleetSecurityAudit, security_across
from bot.posture.checks import more_checks
from bot.posture.cost import CostSources, cost_audit
from bot.posture.outcome import AuditReport, plain
from bot.posture.pricing import CostRules, PriceTable, load_prices, load_rules
from bot.posture.report import ReportRow, security_rows
from bot.posture.security import SecurityAudit, security_audit
from bot.store.db import Database
from integrations.aws.accounts import Outcome
from integrations.aws.iam_policies import PolicyReader
from integrations.aws.posture_reads import PostureReader
from integrations.aws.session import AwsClients
from integrations.metrics import CloudWatchMetrics, MetricSource


def accounts(fleet: Fleet | None, account: str | None) -> Fleet | None:
    """The accounts to audit: ``fleet`` narrowed to ``account`` (a name or id; ``all`` or
    None: every one), or None when no accounts file is configured (the home account)."""
    if fleet is None:
        if account not in (None, "all"):
            raise UserError(
                f"no accounts are configured to choose {account!r} from",
                hint="set AIOPS_ACCOUNTS_FILE (docs/accounts.md)",
            )
        return None
    return fleet.only(account)


def security(
    ctx: InvestigationContext, aws: Any, k8s: Any, fleet: Fleet | None, now: datetime
) -> SecurityAudit:
    """Every account and region of ``fleet`` when given; otherwise the home account with the
    policy documents, the posture reads and the extra sections (CloudTrail, GuardDuty /
    Inspector, Kubernetes)."""
    if fleet is not None:
        return security_across(fleet, now, ctx.topology, k8s)
    if aws is None:
        return security_audit(ctx, None, None, more_checks(None, k8s, now))
    reads = PostureReader(aws.ec2, aws.rds, s3=aws.s3, s3control=aws.s3control)
    return security_audit(ctx, PolicyReader(aws.iam), reads, more_checks(aws, k8s, now))


def security_report_rows(audit: SecurityAudit) -> list[ReportRow]:
    """The report's rows; across accounts, error rows name their account and region too."""
    return audit.rows() if isinstance(audit, FleetSecurityAudit) else security_rows(audit)


# ---------------------------------------------------------------- cost, compliance, drift
#: cost findings the chat message lists (largest saving first); more: the report is attached
COST_LISTED = 10
#: drift differences the chat message lists; more: the report is attached
DRIFT_LISTED = 25


@dataclass(frozen=True)
class CostTables:
    """The dated price table and the cost rules (shipped, merged with the overrides)."""

    prices: PriceTable
    rules: CostRules

    @classmethod
    def load(cls, prices_file: Path | None, rules_file: Path | None) -> CostTables:
        """``AIOPS_PRICES_FILE`` / ``AIOPS_COST_RULES_FILE``: a bad file is a ``UserError``."""
        return cls(load_prices(prices_file), load_rules(rules_file))


def cost(
    aws: Any,
    fleet: Fleet | None,
    now: datetime,
    tables: CostTables,
    *,
    metrics: MetricSource | None = None,
    listed: int = COST_LISTED,
) -> AuditReport:
    """The cost audit of ``fleet`` (every account and region) when given, else of the home
    account's ``aws`` with its CloudWatch ``metrics`` (default: read through ``aws``)."""
    if fleet is not None:
        outcomes = fleet_audits.cost_outcomes(fleet, now, tables.prices, tables.rules)
        found = fleet_audits.merge_cost(outcomes, tables.prices)
        spend = [
            f"`{account}` {line}"
            for account, one in fleet_audits.spend_by_account(outcomes)
            for line in cost_render.spend_lines(one.spend)
        ]
        rows: list[ReportRow] = fleet_audits.tagged(outcomes, cost_render.rows)
        head = cost_render.headline(found).replace("audit*", f"audit* of {_places(outcomes)}", 1)
    else:
        if aws is None:
            raise UpstreamUnavailable("AWS is not configured on this bot")
        metrics = metrics or CloudWatchMetrics(aws.cloudwatch)
        found = cost_audit(CostSources.of(aws, metrics), now, tables.prices, tables.rules)
        spend, rows = cost_render.spend_lines(found.spend), list(cost_render.rows(found))
        head = cost_render.headline(found)
    message = cost_render.render(found, max_listed=listed, head=head, spend=spend)
    count, attach = len(found.findings), None
    if count > listed:
        saving = cost_render.headline(found).split(", ", 1)[1]
        attach = plain(f"cost audit: {count} findings, {saving}")
        message += f"\n_The full report ({count} findings) is in the attached file._"
    return AuditReport("cost", rows, [plain(head), *map(plain, spend)], message, attach)


def _places(outcomes: Sequence[Outcome[Any]]) -> str:
    accounts = {o.account for o in outcomes}
    regions = len([o for o in outcomes if o.region != "*"])
    return f"{len(accounts)} account{'s' * (len(accounts) != 1)} ({regions} account-regions)"


def compliance(
    rules_file: Path | None,
    aws: Any,
    k8s: Any,
    fleet: Fleet | None,
    now: datetime,
    db: Database | None = None,
) -> AuditReport:
    """Our rules over the inventory and AWS Config's (every account and region of ``fleet``
    when given); with ``db`` the run is stored and the trend since the last one shown."""
    from bot.compliance.flows import assess
    from bot.compliance.render import rows, summary
    from bot.compliance.runs import record
    from bot.inventory.service import InventorySources

    report = assess(rules_file, InventorySources(aws=aws, k8s=k8s, fleet=fleet))
    trend = record(db, report, now) if db is not None else None
    text = summary(report, trend)
    return AuditReport("compliance", rows(report), [text], text)


def drift(
    aws: Any,
    fleet: Fleet | None,
    stack: str | None = None,
    tfstate: Path | None = None,
    *,
    listed: int = DRIFT_LISTED,
) -> AuditReport:
    """CloudFormation (every stack, or ``stack``) and a Terraform file against live. With a
    fleet, stacks are compared in every account and region; a Terraform file describes one
    account's resources, so with ``tfstate`` the fleet must be one account (its first region
    is read)."""
    from bot.drift import drift_audit
    from bot.drift.report import drift_rows, render, summary

    if fleet is not None and tfstate is not None:
        aws = _one_account(fleet, "--tfstate")
        fleet = None
    if fleet is not None:
        outcomes = fleet_audits.drift_outcomes(
            fleet, lambda clients: drift_audit(clients, stack), stack
        )
        report = fleet_audits.merge_drift(outcomes)
        rows = fleet_audits.tagged(outcomes, drift_rows)
    else:
        if aws is None:
            raise UpstreamUnavailable("AWS is not configured on this bot")
        report = drift_audit(aws, stack, tfstate)
        rows = drift_rows(report)
    attach = summary(report) if len(report.drifts) > listed else None
    return AuditReport("drift", rows, [summary(report)], render(report, limit=listed), attach)


def _one_account(fleet: Fleet, what: str) -> AwsClients:
    """The clients of the fleet's one account in its first region (a ``UserError`` when the
    fleet has several accounts, ``UpstreamUnavailable`` when its role cannot be assumed)."""
    if len(fleet.targets) != 1:
        names = ", ".join(t.name for t in fleet.targets)
        raise UserError(
            f"{what} compares one account's resources: name the account", hint=f"one of: {names}"
        )
    target = fleet.targets[0]
    first = replace(fleet, targets=(replace(target, regions=target.regions[:1]),))
    [opened] = first.run(lambda clients, _t, _r: clients)
    if opened.value is None:
        raise UpstreamUnavailable(f"account {opened.line}")
    return opened.value


def drift_scope(
    fleet: Fleet | None, account: str | None, stack: str | None
) -> tuple[Fleet | None, str | None]:
    """Slack's ``audit drift [stack] [account|all]``: a single word is the account when a
    fleet is configured and the word is ``all`` or one of its accounts, else the stack.
    Returns (the fleet narrowed to the account, or None; the stack)."""
    if fleet is not None and account is None and stack is not None and _names(fleet, stack):
        account, stack = stack, None
    return accounts(fleet, account), stack


def _names(fleet: Fleet, word: str) -> bool:
    return word.lower() == "all" or any(word in (t.name, t.account_id) for t in fleet.targets)
