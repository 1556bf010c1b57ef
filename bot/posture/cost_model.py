"""What the cost audit finds: a finding with its monthly estimate and the fix, the spend seen
by Cost Explorer, and the audit as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.posture.pricing import CostRules, PriceTable


@dataclass(frozen=True)
class CostFinding:
    check: str  # idle_instance | rightsize_ec2 | rightsize_rds | lambda_memory | old_snapshot
    #            | unattached_volume | idle_eip | stopped_with_storage
    resource: str  # "ec2:i-…", "rds:orders-db", "lambda:resize", "ebs:snap-…", "ec2:vol-…"
    summary: str
    monthly: float | None = None  # the estimated saving per month; None: not priced
    fix_action: str | None = None  # the registry action that fixes it, behind approval
    how: str = ""  # what to do by hand when no action exists
    params: dict[str, str] = field(default_factory=dict)  # e.g. the target size


@dataclass(frozen=True)
class Anomaly:
    service: str
    day: date
    amount: float
    median: float
    over: float  # amount - median
    score: float  # robust deviations above the median


@dataclass
class Spend:
    """Cost Explorer's view: ``reason`` says why it is not available (None: it answered)."""

    reason: str | None = None
    start: date | None = None
    end: date | None = None  # exclusive
    by_service: dict[str, float] = field(default_factory=dict)  # total over the window
    last_day: date | None = None
    anomalies: list[Anomaly] = field(default_factory=list)
    currency: str = "USD"

    @property
    def available(self) -> bool:
        return self.reason is None


class Notes(list[str]):
    """What could not be read or judged; every report lists them."""

    def add(self, note: str) -> None:
        self.append(note)


@dataclass
class CostAudit:
    prices: PriceTable
    findings: list[CostFinding] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)
    spend: Spend | None = None  # None: Cost Explorer was not asked
    instances: int = 0

    @property
    def monthly_saving(self) -> float:
        return sum(f.monthly or 0.0 for f in self.findings)

    def ranked(self) -> list[CostFinding]:
        """Largest saving first; unpriced findings last, in the order found."""
        return sorted(self.findings, key=lambda f: -(f.monthly or 0.0))


def money(amount: float, currency: str = "USD") -> str:
    return f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"


def finding(
    rules: CostRules,
    check: str,
    resource: str,
    summary: str,
    monthly: float | None,
    *,
    unpriced: str | None = None,
    params: dict[str, str] | None = None,
) -> CostFinding:
    """A finding with its fix from the rules; ``unpriced`` names what the table lacks."""
    fix = rules.fixes.get(check)
    if unpriced is not None:
        summary += f" (no price for {unpriced} in the table)"
    return CostFinding(
        check=check,
        resource=resource,
        summary=summary,
        monthly=None if monthly is None else round(monthly, 2),
        fix_action=fix.action if fix else None,
        how=fix.how if fix else "",
        params=dict(params or {}),
    )
