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

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.investigate.finding_types import AttrValue, FindingType, check_attrs


class Finding(BaseModel):
    """One reading that rules can match: ``type`` plus flat ``attrs`` (declared per type in
    ``finding_types``), bound to a service."""

    model_config = ConfigDict(frozen=True)

    type: FindingType
    service: str | None = None
    summary: str
    source: str
    attrs: dict[str, AttrValue] = Field(default_factory=dict)
    at: datetime | None = None

    @model_validator(mode="after")
    def _declared_attrs(self) -> Finding:
        check_attrs(self.type, self.attrs)
        return self

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
    source: str = "rules"  # "llm" when Claude proposed it (bot.investigate.llm_hypotheses)
    # The rules' own scale: what calibration gives before its fitted maps take the confidence to
    # the share of such answers that were right (``calibrate.final_confidences``). Whether the
    # rules explained the incident reads this one; what is shown is ``confidence``. Not stored.
    rules_confidence: float | None = Field(default=None, ge=0.0, le=1.0, exclude=True)

    @property
    def on_rules_scale(self) -> float:
        """The rules' own confidence, or the shown one when calibration did not set it."""
        return self.confidence if self.rules_confidence is None else self.rules_confidence


class RecommendedAction(BaseModel):
    action: str
    params: dict[str, Any] = Field(default_factory=dict)
    risk: str
    rationale: str
    history: str | None = None  # what similar incidents say about it (bot.learn), when known


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
    account: str | None = None  # the AWS account read, when one was chosen (bot.investigate.where)
    region: str | None = None

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
                    **({"source": h.source} if h.source != "rules" else {}),
                }
                for h in self.hypotheses
            ],
            "actions": [a.model_dump(exclude_none=True) for a in self.actions],
            **({"next_steps": list(self.next_steps)} if self.next_steps else {}),
            **({"assumed": self.classification.assumed} if self.classification.assumed else {}),
            **({"account": self.account, "region": self.region} if self.account else {}),
        }
