"""GuardDuty and Inspector findings in the security audit, where those services are enabled.
A service that is off is a note (``NotEnabled``), not an error. Their severities become ours
through ``threat_severity.yaml``. No registry action fixes a threat finding: it names the
resource to look at."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError, NotEnabled
from bot.posture.finding import PostureFinding
from bot.posture.iam import SEVERITY_ORDER, Severity
from bot.yamlloc import load_yaml
from integrations.aws.threats import ThreatFinding, guardduty_findings, inspector_findings

SEVERITY_FILE = Path(__file__).with_name("threat_severity.yaml")
InspectorLabel = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNTRIAGED", "INFORMATIONAL"]


class _Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float = Field(ge=0, le=10)
    severity: Severity


class ThreatSeverity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    guardduty: list[_Band] = Field(min_length=1)
    inspector: dict[InspectorLabel, Severity | Literal["skip"]]

    def of_guardduty(self, value: float) -> Severity:
        for band in self.guardduty:
            if value >= band.min:
                return band.severity
        return self.guardduty[-1].severity

    def of_inspector(self, label: str) -> Severity | None:
        labels: dict[str, str] = {str(k): str(v) for k, v in self.inspector.items()}
        mapped = labels.get(label, labels.get("UNTRIAGED", "medium"))
        return None if mapped == "skip" else cast("Severity", mapped)


@lru_cache(maxsize=1)
def threat_severity() -> ThreatSeverity:
    try:
        table = ThreatSeverity.model_validate(load_yaml(SEVERITY_FILE.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{SEVERITY_FILE.name}: {exc}") from None
    mins = [b.min for b in table.guardduty]
    if mins != sorted(mins, reverse=True):
        raise ConfigError(f"{SEVERITY_FILE.name}: guardduty: list the bands highest first")
    return table


def _when(f: ThreatFinding) -> str:
    return f", last seen {f.last_seen:%Y-%m-%d %H:%M} UTC" if f.last_seen else ""


def _sorted(found: list[PostureFinding]) -> list[PostureFinding]:
    return sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], f.resource, f.summary))


def guardduty_audit(client: Any, table: ThreatSeverity | None = None) -> list[PostureFinding]:
    table = table or threat_severity()
    found = guardduty_findings(client)
    if found is None:
        raise NotEnabled("GuardDuty is not enabled here (no detector)")
    return _sorted([
        PostureFinding(
            check="guardduty",
            resource=f"guardduty:{f.resource}",
            severity=table.of_guardduty(f.severity or 0),
            summary=f"GuardDuty {f.type} on {f.resource_type} {f.resource}: {f.title}",
            evidence=f"finding {f.id}, severity {f.severity:g}, seen {f.count} "
            f"time{'s' * (f.count != 1)}{_when(f)}",
        )
        for f in found
    ])  # fmt: skip


def inspector_audit(client: Any, table: ThreatSeverity | None = None) -> list[PostureFinding]:
    table = table or threat_severity()
    found = inspector_findings(client)
    if found is None:
        raise NotEnabled("Inspector is not enabled for this account")
    out = []
    for f in found:
        severity = table.of_inspector(f.label or "UNTRIAGED")
        if severity is None:
            continue
        what = f"{f.detail}: " if f.detail else ""
        out.append(
            PostureFinding(
                check="inspector",
                resource=f"inspector:{f.resource}",
                severity=severity,
                summary=f"Inspector {f.type.lower().replace('_', ' ')} on {f.resource_type} "
                f"{f.resource}: {what}{f.title}",
                evidence=f"{f.id} ({f.label}){_when(f)}",
            )
        )
    return _sorted(out)
