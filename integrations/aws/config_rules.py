"""AWS Config rule compliance: each rule's state and the resources it evaluated. An account
where Config is off (or has no rules) answers with no rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.aws.errors import aws_errors

#: the evaluation states that say something about a resource
_JUDGED = ["COMPLIANT", "NON_COMPLIANT"]


@dataclass(frozen=True)
class ConfigRuleState:
    name: str
    compliance: str  # COMPLIANT | NON_COMPLIANT | NOT_APPLICABLE | INSUFFICIENT_DATA
    compliant: list[tuple[str, str]] = field(default_factory=list)  # (resource type, id)
    non_compliant: list[tuple[str, str]] = field(default_factory=list)


def rule_compliance(client: Any) -> list[ConfigRuleState]:
    """Every Config rule with its compliance and its judged resources, by rule name."""
    out = []
    with aws_errors("AWS Config rule compliance"):
        rules: list[dict[str, Any]] = []
        for page in client.get_paginator("describe_compliance_by_config_rule").paginate():
            rules += page.get("ComplianceByConfigRules", [])
        for rule in rules:
            name = str(rule["ConfigRuleName"])
            state = str((rule.get("Compliance") or {}).get("ComplianceType") or "")
            judged: dict[str, list[tuple[str, str]]] = {k: [] for k in _JUDGED}
            if state in _JUDGED:
                pages = client.get_paginator("get_compliance_details_by_config_rule").paginate(
                    ConfigRuleName=name, ComplianceTypes=_JUDGED
                )
                for page in pages:
                    for result in page.get("EvaluationResults", []):
                        q = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                        judged.setdefault(result["ComplianceType"], []).append(
                            (str(q.get("ResourceType", "")), str(q.get("ResourceId", "")))
                        )
            out.append(ConfigRuleState(name, state, judged["COMPLIANT"], judged["NON_COMPLIANT"]))
    return sorted(out, key=lambda r: r.name)
