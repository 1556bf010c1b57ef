"""Typed results of an investigation: findings, facts, hypotheses, recommended actions.

``Finding`` is what a diagnostic primitive read, in a shape the analysis rules can match
(``type`` + flat ``attrs``); ``Fact`` is the human sentence with its source; ``Hypothesis`` is a
candidate root cause with confidence and evidence for and against; ``RecommendedAction`` names
a remediation-registry action with typed params. ``InvestigationResult.to_contract_json()`` is
the ``investigation`` object of SCENARIOS.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

AttrValue = str | float | int | bool | None


class FindingType(StrEnum):
    METRIC_SHIFT = "metric_shift"  # a change point against the baseline
    METRIC_TREND = "metric_trend"  # steady growth toward a limit (disk, memory)
    POD_STATE = "pod_state"  # waiting / terminated reasons, not-ready, pending
    K8S_EVENT = "k8s_event"  # Warning events
    CONFIG_DIFF = "config_diff"  # live vs previous revision
    CHANGE = "change"  # a deploy / config / infra change in the window
    LOG_SIGNATURE = "log_signature"  # a mined error template with a known signature
    LOG_TEMPLATE = "log_template"  # an error template without a known signature
    RESOURCE_STATE = "resource_state"  # AWS resource status (stopped, not available, short)
    LIMIT = "limit"  # a configured limit reached (timeout, concurrency, max capacity)
    SECURITY = "security"  # open SG, public bucket, IAM risk, expiring certificate
    TOPOLOGY = "topology"  # dependency facts


class Finding(BaseModel):
    """One reading that rules can match: ``type`` plus flat ``attrs``, bound to a service."""

    model_config = ConfigDict(frozen=True)

    type: FindingType
    service: str | None = None
    summary: str
    source: str
    attrs: dict[str, AttrValue] = Field(default_factory=dict)
    at: datetime | None = None

    def get(self, key: str) -> AttrValue:
        return self.attrs.get(key)


class Fact(BaseModel):
    text: str
    source: str


class Hypothesis(BaseModel):
    kind: str
    service: str
    confidence: float = Field(ge=0.0, le=1.0)
    summary: str
    evidence: list[str] = Field(default_factory=list)
    against: list[str] = Field(default_factory=list)
    change: str | None = None
    playbook: str | None = None


class RecommendedAction(BaseModel):
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    risk: str
    rationale: str


class StepStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


class StepRecord(BaseModel):
    """One diagnostic step as run: stored with the Investigation row."""

    name: str
    primitive: str
    input: dict[str, Any] = Field(default_factory=dict)
    status: StepStatus = StepStatus.OK
    output: list[str] = Field(default_factory=list)  # finding summaries
    error: str | None = None
    duration_ms: float = 0.0


class Classification(BaseModel):
    incident_class: str
    secondary: list[str] = Field(default_factory=list)
    playbooks: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)  # service names
    confidence: float = 0.5
    reason: str = ""
    assumed: str = ""  # what was taken the question to mean when it named no service


class InvestigationResult(BaseModel):
    query: str
    classification: Classification
    facts: list[Fact] = Field(default_factory=list)
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    actions: list[RecommendedAction] = Field(default_factory=list)
    steps: list[StepRecord] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)  # read-only steps, escalations
    started_at: datetime | None = None
    duration_ms: float = 0.0

    @property
    def incident_class(self) -> str:
        return self.classification.incident_class

    def to_contract_json(self) -> dict[str, Any]:
        """The ``investigation`` object of SCENARIOS.md (plain JSON types)."""
        return {
            "incident_class": self.classification.incident_class,
            "facts": [f.model_dump() for f in self.facts],
            "hypotheses": [
                {
                    "kind": h.kind,
                    "service": h.service,
                    "confidence": round(h.confidence, 2),
                    "summary": h.summary,
                    "evidence": list(h.evidence),
                    **({"against": list(h.against)} if h.against else {}),
                    **({"change": h.change} if h.change else {}),
                }
                for h in self.hypotheses
            ],
            "actions": [a.model_dump() for a in self.actions],
            **({"next_steps": list(self.next_steps)} if self.next_steps else {}),
            **({"assumed": self.classification.assumed} if self.classification.assumed else {}),
        }
