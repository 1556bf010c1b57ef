"""Evaluate compliance rules over the inventory: each rule's checked and failing resources,
and a score (the share of resource checks that pass). A type that cannot be read is reported
for its rules and leaves the others standing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.compliance.rules import Rule
from bot.errors import AiopsError
from bot.inventory.query import InventoryQuery
from bot.inventory.service import InventorySources, read
from integrations.aws.inventory import Resource

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    checked: int
    failing: list[Resource] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failing


@dataclass(frozen=True)
class ConfigRuleResult:
    """One AWS Config rule, by its name: the resources it judged and those failing it."""

    name: str
    compliance: str
    checked: int
    failing: list[tuple[str, str]] = field(default_factory=list)  # (resource type, id)
    account: str = ""  # several accounts: where the rule was read
    region: str = ""

    @property
    def key(self) -> str:
        """Its id in stored runs and reports, apart from our own rules' ids (and, across
        accounts, from the same rule read in another account or region)."""
        where = f"{self.account}/{self.region}/" if self.account else ""
        return f"config:{where}{self.name}"

    @property
    def label(self) -> str:
        """``AWS Config rule NAME``, with where it was read across accounts."""
        where = f"`{self.account} {self.region}` " if self.account else ""
        return f"{where}AWS Config rule {self.name}"


@dataclass(frozen=True)
class ComplianceReport:
    results: list[RuleResult]
    config: list[ConfigRuleResult] = field(default_factory=list)  # AWS Config, where enabled
    config_note: str | None = None  # why there are no Config results (off, unreadable)
    config_errors: list[str] = field(default_factory=list)  # accounts / regions not read

    @property
    def checks(self) -> int:
        return sum(r.checked for r in self.results if r.error is None) + sum(
            r.checked for r in self.config
        )

    @property
    def failures(self) -> int:
        return sum(len(r.failing) for r in self.results if r.error is None) + sum(
            len(r.failing) for r in self.config
        )

    @property
    def score(self) -> float:
        """Percent of resource checks that pass (100 when nothing was in scope)."""
        return 100.0 if self.checks == 0 else round(100.0 * (1 - self.failures / self.checks), 1)


def evaluate(rules: Sequence[Rule], sources: InventorySources) -> ComplianceReport:
    cache: dict[str, list[Resource] | Exception] = {}
    results = []
    for rule in rules:
        rtype = rule.resource_type
        if rtype.type not in cache:
            try:
                cache[rtype.type] = read(InventoryQuery(rtype), sources)
            except (AiopsError, LookupError, RuntimeError) as exc:
                log.info("compliance: %s unreadable: %s", rtype.type, exc)
                cache[rtype.type] = exc
        got = cache[rtype.type]
        if isinstance(got, Exception):
            results.append(RuleResult(rule, 0, error=f"could not read {rtype.type}: {got}"))
            continue
        scoped = [r for r in got if all(f.matches(r) for f in rule.where_filters)]
        failing = [r for r in scoped if not all(f.matches(r) for f in rule.require_filters)]
        results.append(RuleResult(rule, len(scoped), failing))
    return ComplianceReport(results)
