"""One audit finding read from AWS beyond the investigation's evidence: severity, evidence,
and the registry action that fixes it where one exists (behind the usual approval)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.posture.iam import Severity


@dataclass(frozen=True)
class PostureFinding:
    check: str
    resource: str  # "ec2:vol-…", "rds:orders-db", "ec2:sg/sg-…"
    severity: Severity
    summary: str
    evidence: str
    fix_action: str | None = None
    fix_params: dict[str, str] = field(default_factory=dict)
