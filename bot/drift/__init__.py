"""Drift: live AWS resources against their infrastructure as code (CloudFormation stacks,
Terraform state or plan JSON), added / removed / changed attribute by attribute. What is
compared per resource type is data (``mapping.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.drift.report import DriftReport


def drift_audit(clients: Any, stack: str | None = None, tfstate: Path | None = None) -> DriftReport:
    """CloudFormation drift (the named stack, or every stack unless only ``tfstate`` is given),
    then Terraform drift of ``tfstate``. ``clients`` is an ``AwsClients``."""
    from bot.drift.cloudformation import cloudformation_drift
    from bot.drift.terraform import terraform_file_drift

    report = DriftReport()
    if stack is not None or tfstate is None:
        report.merge(cloudformation_drift(clients.cloudformation, clients, stack))
    if tfstate is not None:
        report.merge(terraform_file_drift(tfstate, clients))
    return report
