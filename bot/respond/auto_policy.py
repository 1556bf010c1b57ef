"""Automatic-investigation policies: which new incidents investigate themselves, and what may
then run without a click. Validated from ``auto_investigate.yaml``
(``AIOPS_AUTO_INVESTIGATE_FILE``)::

    default: critical-first        # the policy when a service names none ("off": none)
    policies:
      - name: critical-first
        when:                      # any rule matches → investigate at once
          - {severities: [critical]}
          - {incident_classes: [kubernetes_pod_failure]}
        cooldown: 15m              # a growing incident starts no second run within this
        auto_approve:              # low-risk registry actions that run without a click
          - {action: k8s.delete_pod, incident_classes: [kubernetes_pod_failure]}

A service entry (``services.yaml``) names a policy by ``name``; until a team is known the
``default`` applies. With no file, or ``default: off``, nothing investigates by itself.
Only actions whose registry risk is *low* may be auto-approved: anything else is refused at load.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from bot.configfile import FrozenModel, load_yaml_mapping, read_text, validate_model
from bot.errors import UserError
from bot.escalate.models import parse_duration
from bot.remediate.enums import Risk

OFF = "off"


class Trigger(FrozenModel):
    """A rule: both lists must match (an empty list matches anything)."""

    severities: list[str] = Field(default_factory=list)
    incident_classes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Trigger:
        if not self.severities and not self.incident_classes:
            raise ValueError("a rule needs severities or incident_classes (or both)")
        return self

    def matches(self, severity: str, incident_class: str | None) -> bool:
        if self.severities and severity not in self.severities:
            return False
        return not self.incident_classes or incident_class in self.incident_classes


class AutoApproval(FrozenModel):
    action: str
    incident_classes: list[str] = Field(default_factory=list)  # empty = any class

    @field_validator("action")
    @classmethod
    def _low_risk(cls, name: str) -> str:
        from bot.remediate.registry import get

        try:
            spec = get(name)
        except UserError as exc:
            raise ValueError(exc.message) from None
        if spec.risk != Risk.LOW:
            raise ValueError(
                f"{name} is {spec.risk.value} risk: only low-risk actions may be auto-approved"
            )
        return name


class AutoPolicy(FrozenModel):
    name: str = Field(min_length=1, max_length=64)
    when: list[Trigger] = Field(min_length=1)
    cooldown: timedelta = timedelta(minutes=15)
    auto_approve: list[AutoApproval] = Field(default_factory=list)

    @field_validator("cooldown", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> timedelta:
        return parse_duration(value)

    @field_validator("name")
    @classmethod
    def _not_off(cls, name: str) -> str:
        if name == OFF:
            raise ValueError(f"'{OFF}' is reserved: it means no automatic investigation")
        return name

    def needs_class(self, severity: str) -> bool:
        """True when only the incident's class can decide (classification comes first)."""
        return not any(t.matches(severity, None) for t in self.when) and any(
            t.incident_classes and (not t.severities or severity in t.severities) for t in self.when
        )

    def matches(self, severity: str, incident_class: str | None = None) -> bool:
        return any(t.matches(severity, incident_class) for t in self.when)

    def approvable(self, incident_class: str) -> list[str]:
        """The actions this policy auto-approves for an incident of ``incident_class``."""
        return [
            a.action
            for a in self.auto_approve
            if not a.incident_classes or incident_class in a.incident_classes
        ]


class AutoInvestigateFile(FrozenModel):
    default: str = OFF
    policies: list[AutoPolicy] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names(self) -> AutoInvestigateFile:
        names = [p.name for p in self.policies]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"policy names must be unique: {', '.join(twice)}")
        if self.default != OFF and self.default not in names:
            raise ValueError(f"default names no policy: {self.default!r} (known: {names})")
        return self

    def named(self, name: str | None) -> AutoPolicy | None:
        """The policy called ``name`` (None: the default; ``off`` or unknown: none)."""
        wanted = self.default if name is None else name
        return next((p for p in self.policies if p.name == wanted), None)

    def names(self) -> Sequence[str]:
        return [p.name for p in self.policies]


def parse_auto_investigate(
    text: str, *, source: str = "auto_investigate.yaml"
) -> AutoInvestigateFile:
    raw = load_yaml_mapping(text, source=source, expected="a mapping with 'policies' at the top")
    if raw.get("default") is False:  # YAML reads a bare `off` as false
        raw["default"] = OFF
    return validate_model(AutoInvestigateFile, raw, source=source)


def load_auto_investigate(path: Path | None) -> AutoInvestigateFile:
    """The file at ``path``; no path: no policies (nothing investigates by itself)."""
    if path is None:
        return AutoInvestigateFile()
    hint = "check AIOPS_AUTO_INVESTIGATE_FILE (example: examples/config/auto_investigate.yaml)"
    text = read_text(path, what="automatic-investigation file", hint=hint)
    return parse_auto_investigate(text, source=str(path))
