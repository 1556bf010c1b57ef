"""Replay enricher that adds each incident's ``investigation`` (no action is run).

``aiops replay FILE --json`` must print the investigation of every incident (the scenario
contract); ``--approve first`` adds it through the approver, this adds it without approving.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any


class InvestigateEach:
    """Context manager owning a ``SandboxWorld``; call it as a replay enricher."""

    def __init__(self, scenario: Any) -> None:
        self.scenario = scenario
        self.world: Any = None
        self._ctx: Any = None

    def __enter__(self) -> InvestigateEach:
        from sandbox.world import SandboxWorld

        self.world = SandboxWorld(self.scenario).start()
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

    def __call__(self, rctx: Any, incident_id: int) -> dict[str, Any] | None:
        from bot.incidents import service as incidents
        from bot.investigate import investigate_incident
        from sandbox.investigate.context import context_for_world
        from sandbox.investigate.views import incident_view

        assert self.world is not None, "use InvestigateEach as a context manager"
        with rctx.flows.db.session() as session:
            ours = incidents.alerts_of(session=session, incident_id=incident_id)
            inc = incidents.get(session=session, incident_id=incident_id)
            ids = {s for a in ours for s in rctx.ours_to_scenario.get(a.id or 0, [])}
            root_ids = rctx.ours_to_scenario.get(inc.root_alert_id or 0, [])
        alerts = [a for a in self.scenario.alerts if a.id in ids]
        if not alerts:
            return None
        root = next((a.id for a in alerts if a.id in root_ids), alerts[0].id)
        self.world.clock.set(self.scenario.now)
        if self._ctx is None:
            self._ctx = context_for_world(self.world)
        result = investigate_incident(self._ctx, incident_view(alerts, root))
        return {"investigation": self.world.to_id_refs(result.to_contract_json())}
