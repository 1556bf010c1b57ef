"""A change event as it arrives, before it is stored (``ChangeIn``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("deployment", "config", "scaling", "iam", "infra", "feature_flag")
SOURCES = ("github", "argocd", "jenkins", "cloudtrail", "manual")


@dataclass(frozen=True)
class ChangeIn:
    source: str
    external_id: str
    kind: str
    at: datetime
    service: str | None = None
    environment: str | None = None
    version: str | None = None
    previous: str | None = None
    actor: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
