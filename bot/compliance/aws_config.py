"""AWS Config rule compliance folded into a compliance report, each rule by its name, where
Config is enabled; without rules (Config off, or nothing configured) the report says so."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from bot.compliance.evaluate import ComplianceReport, ConfigRuleResult
from integrations.aws.config_rules import rule_compliance

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
    results = [
        ConfigRuleResult(
            s.name, s.compliance, len(s.compliant) + len(s.non_compliant), list(s.non_compliant)
        )
        for s in states
    ]
    return dataclasses.replace(report, config=results)
