"""What every replay enricher shares (``sandbox.investigate.enricher.InvestigateEach``,
``sandbox.remediate.approve.ApproveFirst``): it owns a ``SandboxWorld`` for the replay (a
context manager that starts and stops it), and finds the scenario alerts behind one of the
replay's incidents, its root alert first among them."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self


class WorldEnricher:
    """A replay enricher over a ``SandboxWorld`` of ``scenario``, started on ``with``."""

    def __init__(self, scenario: Any) -> None:
        self.scenario = scenario
        self.world: Any = None

    def started(self) -> None:
        """Called once the world runs (a subclass builds its clients here)."""

    def __enter__(self) -> Self:
        from sandbox.world import SandboxWorld

        self.world = SandboxWorld(self.scenario).start()
        self.started()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.world is not None:
            self.world.stop()
            self.world = None

    def incident_alerts(self, rctx: Any, incident_id: int) -> tuple[list[Any], Any]:
        """The scenario's alerts of the replayed incident, and its root alert (None: none)."""
        from bot.incidents import service as incidents

        with rctx.flows.db.session() as session:
            ours = incidents.alerts_of(session=session, incident_id=incident_id)
            inc = incidents.get(session=session, incident_id=incident_id)
            ids = {s for a in ours for s in rctx.ours_to_scenario.get(a.id or 0, [])}
            root_ids = rctx.ours_to_scenario.get(inc.root_alert_id or 0, [])
        alerts = [a for a in self.scenario.alerts if a.id in ids]
        root = next((a for a in alerts if a.id in root_ids), alerts[0] if alerts else None)
        return alerts, root
