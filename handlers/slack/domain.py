"""``Domain``: the collaborators the Slack services call (database, incident flows, policy, jobs,
publisher, context factories), built once by ``handlers.slack.wiring``.

The Slack services in ``domain_services`` / ``domain_remediation`` / ``domain_reports`` take a
``Domain`` and call ``bot`` flows with it; none of them opens a database session. ``desk`` is
the remediation desk the bot's approve / reject / execute flows share with the CLI; its
outcomes go to Slack through ``SlackOutcomes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from bot.clock import Clock
from bot.incidents import commands
from bot.incidents.flows import IncidentFlows
from bot.incidents.models import IncidentView
from bot.jobs import JobRunner
from bot.remediate.policy import Policy
from bot.respond import auto_claims
from bot.respond.approvals import Desk
from bot.store import Database
from bot.teams.access import Gate
from bot.teams.directory import Directory
from bot.teams.members import roles_of
from bot.teams.scope import TeamScope
from handlers.slack.outcomes import SlackOutcomes
from handlers.slack.publisher import SlackIncidentPublisher

SOURCE = "slack"


@dataclass
class Domain:
    """What the Slack services need. ``investigation_context`` / ``action_context`` are
    factories (production clients, or a sandbox world in tests and the demo)."""

    db: Database
    flows: IncidentFlows
    clock: Clock
    jobs: JobRunner
    policy: Policy = field(default_factory=Policy)
    publisher: SlackIncidentPublisher | None = None
    client: WebClient | None = None
    investigation_context: Callable[[], Any] | None = None
    action_context: Callable[[], Any] | None = None
    paging: Any | None = None  # bot.escalate.Paging
    reports: Any | None = None  # handlers.slack.domain_reports.Reports
    approval_ttl: timedelta = timedelta(minutes=30)
    gate: Gate | None = None  # team isolation (None: off, everyone sees everything)
    desk: Desk = field(init=False)

    def __post_init__(self) -> None:
        if self.gate is None:
            self.gate = Gate(self.db, Directory(self.db, None))
        self.desk = Desk(
            db=self.db, policy=self.policy, clock=self.clock, jobs=self.jobs,
            outcomes=SlackOutcomes(self.publisher, self.client), flows=self.flows,
            action_context=self.action_context, approval_ttl=self.approval_ttl, source=SOURCE,
        )  # fmt: skip

    # ---- identity
    def roles_of(self, user_id: str) -> list[str]:
        return roles_of(self.db, user_id)

    @property
    def access(self) -> Gate:
        assert self.gate is not None
        return self.gate

    def scope(self, user_id: str) -> TeamScope:
        """What the user sees: every list a service shows is filtered by it."""
        return self.access.scope(user_id)

    # ---- incidents
    def view(self, incident_id: int) -> IncidentView:
        return self.flows.view(incident_id)

    def assignee_of(self, incident_id: int) -> str | None:
        return commands.assignee_of(self.db, incident_id)

    def auto_investigated(self, incident_id: int) -> str | None:
        return auto_claims.label_of(self.db, incident_id)

    def note(self, incident_id: int, text: str) -> None:
        """A line in the incident's Slack thread (nothing when Slack is not wired)."""
        if self.publisher is not None:
            self.publisher.post(self.view(incident_id), text)

    def refresh(self, incident_id: int) -> None:
        if self.publisher is not None:
            self.publisher.update(self.view(incident_id))
