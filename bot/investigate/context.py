"""The investigation context: the evidence port, the service graph (``bot.topology``), and the
knobs.

``ctx`` is what ``investigate_incident`` / ``investigate_query`` receive. It is built by the
caller (the replay, the CLI, the Slack job) from real clients; nothing here opens a connection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.investigate.sources import Evidence, PastAlert
from bot.topology import ServiceNode, Topology

if TYPE_CHECKING:
    from bot.investigate.classify import AlertView
    from bot.investigate.models import Finding, Hypothesis

__all__ = ["InvestigationContext", "PastIncidents", "ServiceNode", "Topology"]


class PastIncidents(Protocol):
    """The closest past incidents and their outcomes, as redacted lines for the LLM prompt
    (implemented by ``bot.history.flows.PromptHistory``)."""

    def lines(
        self,
        topology: Topology,
        *,
        query: str,
        hypotheses: Sequence[Hypothesis],
        findings: Sequence[Finding],
        targets: Sequence[str],
        alerts: Sequence[AlertView],
    ) -> list[str]: ...


@dataclass
class InvestigationContext:
    evidence: Evidence
    topology: Topology
    step_timeout_s: float = 20.0
    max_workers: int = 16
    lookback: timedelta = timedelta(hours=6)
    long_lookback: timedelta = timedelta(days=30)
    store: Any | None = None  # an object with ``engine`` (bot.store) to persist rows
    anthropic: Any | None = None  # an Anthropic client when a key is configured
    anthropic_model: str | None = None
    llm_timeout_s: float = 30.0  # per request to the model
    history: Any | None = None  # a bot.investigate.experience.Experience (past outcomes)
    past_incidents: PastIncidents | None = None  # similar past incidents, for the LLM prompt
    # alerts received before, where there is no store (services, since, until -> alerts): the
    # sandbox hands over the scenario's delivered alerts the way it hands over webhook changes
    past_alerts: Callable[[Sequence[str], datetime, datetime], list[PastAlert]] | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    #: several accounts (``bot.accounts.service.Fleet``, from AIOPS_ACCOUNTS_FILE) and the
    #: account / region a person asked for; ``bot.investigate.where`` chooses among them
    fleet: Any | None = None
    account: str | None = None
    region: str | None = None

    def now(self) -> datetime:
        return self.evidence.now()
