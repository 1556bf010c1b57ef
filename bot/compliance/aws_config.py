"""AWS Config rule compliance folded into a compliance report, each rule by its name, where
Config is enabled; without rules (Config off, or nothing configured) the report says so.
Across accounts (``with_fleet_config``) Config is read in every account and region, each rule
naming where it was read, and a place that cannot be read is an error line."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from bot.accounts.service import Fleet
from bot.compliance.evaluate import ComplianceReport, ConfigRuleResult
from integrations.aws.config_rules import ConfigRuleState, rule_compliance

log = logging.getLogger(__name__)

NOT_ENABLED = "no Config rules here (AWS Config is not enabled, or has no rules)"


def with_aws_config(report: ComplianceReport, client: Any) -> ComplianceReport:
    """``report`` plus the Config rules ``client`` reads; an unreadable Config is a note."""
    if client is None:
        return report
    try:
        states = rule_compliance(client)
    except Exception as exc:  # an unreadable Config must not hide the rules' results
        log.info("compliance: AWS Config unreadable: %s", exc)
        return dataclasses.replace(report, config_note=f"could not read ({exc})")
    if not states:
        return dataclasses.replace(report, config_note=NOT_ENABLED)
    return dataclasses.replace(report, config=[_result(s) for s in states])


def _result(s: ConfigRuleState, account: str = "", region: str = "") -> ConfigRuleResult:
    checked = len(s.compliant) + len(s.non_compliant)
    return ConfigRuleResult(
        s.name, s.compliance, checked, list(s.non_compliant), account=account, region=region
    )


def with_fleet_config(report: ComplianceReport, fleet: Fleet) -> ComplianceReport:
    """``report`` plus the Config rules of every account and region of ``fleet``."""
    results: list[ConfigRuleResult] = []
    errors: list[str] = []
    for o in fleet.run(lambda clients, _t, _r: rule_compliance(clients.config)):
        if o.value is None:
            errors.append(o.line)
            continue
        results += [_result(s, o.account, o.region) for s in o.value]
    note = None if results or errors else NOT_ENABLED
    return dataclasses.replace(report, config=results, config_note=note, config_errors=errors)
