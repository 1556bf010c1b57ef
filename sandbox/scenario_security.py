"""Optional ``aws:`` keys (v1.1) for the security services moto lacks, served by the gap
endpoint: GuardDuty and Inspector findings, AWS Config rule compliance. A key left out means
that service is not enabled in the world."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from sandbox.scenario_types import Offset, Strict


class GuardDutyFinding(Strict):
    type: str  # e.g. UnauthorizedAccess:EC2/SSHBruteForce
    severity: float = Field(ge=0, le=10)
    title: str
    resource: str  # an instance id_ref, a bucket, a user: the finding's subject
    resource_type: str = "Instance"
    at: Offset = timedelta(0)
    count: int = Field(default=1, ge=1)
    archived: bool = False


class GuardDuty(Strict):
    findings: list[GuardDutyFinding] = Field(default_factory=list)


InspectorSeverity = Literal["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNTRIAGED"]


class InspectorFinding(Strict):
    title: str
    severity: InspectorSeverity
    resource: str  # an instance id_ref, an ECR image, a Lambda function
    resource_type: str = "AWS_EC2_INSTANCE"
    type: Literal["PACKAGE_VULNERABILITY", "NETWORK_REACHABILITY", "CODE_VULNERABILITY"] = (
        "PACKAGE_VULNERABILITY"
    )
    vulnerability_id: str | None = None
    status: Literal["ACTIVE", "SUPPRESSED", "CLOSED"] = "ACTIVE"
    at: Offset = timedelta(0)


class Inspector(Strict):
    findings: list[InspectorFinding] = Field(default_factory=list)


ConfigCompliance = Literal["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"]


class ConfigResource(Strict):
    type: str  # AWS::EC2::SecurityGroup
    id: str
    compliance: ConfigCompliance = "NON_COMPLIANT"


class ConfigRule(Strict):
    name: str
    resources: list[ConfigResource] = Field(default_factory=list)


class AwsConfig(Strict):
    rules: list[ConfigRule] = Field(default_factory=list)
