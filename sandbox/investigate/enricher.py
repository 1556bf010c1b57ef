"""Replay enricher that adds each incident's ``investigation`` (no action is run).

``aiops replay FILE --json`` must print the investigation of every incident (the scenario
contract); ``--approve first`` adds it through the approver, this adds it without approving.
"""

from __future__ import annotations

from typing import Any

from sandbox.replay.enrich import WorldEnricher


class InvestigateEach(WorldEnricher):
    """Context manager owning a ``SandboxWorld``; call it as a replay enricher."""

    def __init__(self, scenario: Any) -> None:
        super().__init__(scenario)
        self._ctx: Any = None

    def __call__(self, rctx: Any, incident_id: int) -> dict[str, Any] | None:
        from bot.investigate import investigate_incident
        from sandbox.investigate.context import context_for_world
        from sandbox.investigate.views import incident_view

        assert self.world is not None, "use InvestigateEach as a context manager"
        alerts, root = self.incident_alerts(rctx, incident_id)
        if root is None:
            return None
        self.world.clock.set(self.scenario.now)
        if self._ctx is None:
            self._ctx = context_for_world(self.world)
        result = investigate_incident(self._ctx, incident_view(alerts, root.id))
        return {"investigation": self.world.to_id_refs(result.to_contract_json())}
