"""The cost audit and drift in every account and region of a ``Fleet``: the same
checks the single-account path runs, each (account, region) read on its own, the results
merged so that every finding, row and error line names its account and region. An account or
region that cannot be read is an error line; the others are audited.

AWS Config across accounts is ``bot.compliance.aws_config.config_across``. Cost Explorer
answers for a whole account: it is read once, in the account's first region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from bot.accounts.service import Fleet
from bot.drift.report import DriftReport
from bot.errors import NotFound
from bot.posture.cost import CostAudit, CostSources, cost_audit
from bot.posture.cost_model import Notes
from bot.posture.pricing import CostRules, PriceTable
from bot.posture.report import ReportRow
from integrations.aws.accounts import AccountTarget, Outcome
from integrations.aws.session import AwsClients
from integrations.metrics import CloudWatchMetrics

T = TypeVar("T")


def where(o: Outcome[T]) -> str:
    """``prod eu-west-1`` (``prod`` when the account itself could not be opened)."""
    return o.account if o.region == "*" else f"{o.account} {o.region}"


def error_row(o: Outcome[T]) -> ReportRow:
    return ReportRow("errors", "error", "unreadable", "", o.line, "", o.account, o.region)


def tagged(
    outcomes: Sequence[Outcome[T]], rows: Callable[[T], Sequence[ReportRow]]
) -> list[ReportRow]:
    """Each outcome's rows naming its account and region; a failed one is an error row."""
    out: list[ReportRow] = []
    for o in outcomes:
        if o.value is None:
            out.append(error_row(o))
            continue
        out += [replace(r, account=o.account, region=o.region) for r in rows(o.value)]
    return out


# ---------------------------------------------------------------- cost
def cost_outcomes(
    fleet: Fleet, now: datetime, prices: PriceTable, rules: CostRules
) -> list[Outcome[CostAudit]]:
    def one(clients: AwsClients, target: AccountTarget, region: str) -> CostAudit:
        src = CostSources.of(clients, CloudWatchMetrics(clients.cloudwatch))
        if region != target.regions[0]:
            src = replace(src, ce=None)  # Cost Explorer is account-wide: read it once
        return cost_audit(src, now, prices, rules)

    return fleet.run(one)


def merge_cost(outcomes: Sequence[Outcome[CostAudit]], prices: PriceTable) -> CostAudit:
    """One audit whose findings and notes say where each was found (``spend`` stays None:
    each account's spend is its own, see ``spend_by_account``)."""
    merged = CostAudit(prices=prices)
    for o in outcomes:
        if o.value is None:
            merged.notes.add(o.line)
            continue
        at = where(o)
        merged.instances += o.value.instances
        merged.findings += [replace(f, summary=f"`{at}` {f.summary}") for f in o.value.findings]
        merged.notes += Notes(f"{at}: {n}" for n in o.value.notes)
    return merged


def spend_by_account(outcomes: Sequence[Outcome[CostAudit]]) -> list[tuple[str, CostAudit]]:
    """(account, its audit) for each account whose Cost Explorer was asked."""
    return [(o.account, o.value) for o in outcomes if o.value is not None and o.value.spend]


# ---------------------------------------------------------------- drift
def drift_outcomes(
    fleet: Fleet, read: Callable[[AwsClients], DriftReport], stack: str | None
) -> list[Outcome[DriftReport]]:
    """``read`` in every account and region. A named stack is looked for everywhere: the
    places without it are skipped, and it is ``NotFound`` only when no place has it."""
    missing: list[str] = []

    def one(clients: AwsClients, target: AccountTarget, region: str) -> DriftReport:
        try:
            return read(clients)
        except NotFound:
            missing.append(f"{target.name} {region}")
            return DriftReport()

    outcomes = fleet.run(one)
    readable = [o for o in outcomes if o.value is not None]
    if stack is not None and readable and len(missing) == len(readable):
        raise NotFound(f"stack {stack!r} was not found in any account or region read")
    return outcomes


def merge_drift(outcomes: Sequence[Outcome[DriftReport]]) -> DriftReport:
    """One report whose differences and errors say where each was found."""
    merged = DriftReport()
    for o in outcomes:
        if o.value is None:
            merged.errors.append(o.line)
            continue
        at = where(o)
        merged.drifts += [replace(d, resource=f"`{at}` {d.resource}") for d in o.value.drifts]
        merged.compared += o.value.compared
        merged.skipped += o.value.skipped
        merged.errors += [f"{at}: {e}" for e in o.value.errors]
    return merged
