"""``IncidentSignature``: what an incident looked like, in the terms outcomes are filed under.

The key is a stable hash of the four sorted fields, so two incidents that look alike share it
whatever their ids, times or service names. "Similar" for history is looser: the same incident
class or a shared failure signature, on an overlapping platform (a failure on a Kubernetes
deployment says little about one on RDS); ``bot.history`` may add text similarity on top.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bot.investigate.experience import Case


class IncidentSignature(BaseModel):
    model_config = ConfigDict(frozen=True)

    incident_class: str
    platforms: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()

    @field_validator("platforms", "signatures", "alerts", mode="before")
    @classmethod
    def _sorted(cls, value: Any) -> tuple[str, ...]:
        return tuple(sorted({str(v) for v in value or () if v}))

    @property
    def key(self) -> str:
        raw = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def family(self) -> str:
        """``class/platform+platform``: what the fix library groups by."""
        return f"{self.incident_class}/{'+'.join(self.platforms) or 'any'}"

    def similar_to(self, other: IncidentSignature) -> bool:
        """The same incident class or a shared failure signature (the same failure reached from
        another door: an alert, a typed question), on an overlapping platform."""
        shared = set(self.signatures) & set(other.signatures)
        if self.incident_class != other.incident_class and not shared:
            return False
        if not self.platforms or not other.platforms:
            return True
        return bool(set(self.platforms) & set(other.platforms))

    @classmethod
    def of(cls, case: Case) -> IncidentSignature:
        return cls(
            incident_class=case.incident_class, platforms=case.platforms,
            signatures=case.signatures, alerts=case.alerts,
        )  # fmt: skip

    @classmethod
    def load(cls, raw: dict[str, Any] | None, incident_class: str = "") -> IncidentSignature:
        """From a stored row's JSON (a broken or empty one falls back to the class alone)."""
        try:
            return cls.model_validate(raw or {"incident_class": incident_class})
        except ValueError:
            return cls(incident_class=incident_class or "unknown")
