"""``aiops replay FILE --json --approve first``: per incident, propose the first recommended
action, approve it as demo approvers with the needed role(s) (two for high risk, neither the
requester), execute it once through ``flows.execute`` against the sandbox world and verify it on
the incident's signal metrics; adds ``remediation: {action, status, detail}``.

``ApproveFirst`` is a replay enricher and a context manager owning the ``SandboxWorld``. The
action comes from the investigation (run here through the real clients) unless a ``choose``
hook picks it (tests force an action this way).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.errors import AiopsError
from bot.remediate import flows, service
from bot.remediate.enums import Risk
from bot.remediate.models import ActionContext
from bot.remediate.policy import Policy
from bot.remediate.verify import MetricRef, MetricVerifier, signals_from_metrics
from sandbox.remediate.context import context_for_world
from sandbox.replay.enrich import WorldEnricher

REQUESTER = "aiops-replay"
APPROVERS = ("demo-approver-1", "demo-approver-2")
#: (scenario alert ids of the incident, recommended actions) -> (action, params) or None
Chooser = Callable[[list[str], list[dict[str, Any]]], tuple[str, dict[str, Any]] | None]


class ApproveFirst(WorldEnricher):
    def __init__(
        self,
        scenario: Any,
        *,
        choose: Chooser | None = None,
        policy: Policy | None = None,
        window: timedelta = timedelta(minutes=10),
        investigate: bool = True,
    ) -> None:
        super().__init__(scenario)
        self.choose = choose
        self.policy = policy or Policy()
        self.window = window
        self.investigate = investigate
        self.ctx: ActionContext | None = None
        self._inv_ctx: Any = None

    def started(self) -> None:
        self.ctx = context_for_world(self.world)

    # ------------------------------------------------------------------ enricher
    def __call__(self, rctx: Any, incident_id: int) -> dict[str, Any] | None:
        assert self.world is not None and self.ctx is not None, "use ApproveFirst as a context"
        alerts, root = self.incident_alerts(rctx, incident_id)
        self.world.clock.set(self.scenario.now)
        out: dict[str, Any] = {}
        recommended: list[dict[str, Any]] = []
        incident_class = None
        if self.investigate:
            result = self._investigate(alerts, root)
            out["investigation"] = result.to_contract_json()
            recommended = [a.model_dump() for a in result.actions]
            incident_class = result.incident_class
        if self.choose is not None:
            picked = self.choose([a.id for a in alerts], recommended)
        elif recommended:
            picked = (recommended[0]["action"], dict(recommended[0]["params"]))
        else:
            picked = None
        if picked is None:
            out["remediation"] = {
                "action": None,
                "status": "skipped",
                "detail": "no remediation recommended; nothing was run",
            }
            return out
        action, params = picked
        outcome = self._run(rctx, incident_id, action, params, alerts, root, incident_class)
        out["remediation"] = self.world.to_id_refs(outcome)
        return out

    # ------------------------------------------------------------------ pieces
    def _investigate(self, alerts: list[Any], root: Any) -> Any:
        from bot.investigate import investigate_incident
        from sandbox.investigate.context import context_for_world as investigation_context
        from sandbox.investigate.views import incident_view

        if self._inv_ctx is None:
            self._inv_ctx = investigation_context(self.world)
        return investigate_incident(self._inv_ctx, incident_view(alerts, root.id if root else None))

    def _signals(self, alerts: list[Any], root: Any) -> list[dict[str, Any]]:
        metrics = {m.id: m for m in self.scenario.metrics}
        refs: dict[str, MetricRef] = {}
        for alert in alerts:
            m = metrics.get(alert.metric or "")
            if m is None or m.id in refs:
                continue
            dims = {k: self.world.id_refs.get(v, v) for k, v in m.dimensions.items()}
            refs[m.id] = MetricRef(
                label=f"{m.name} {m.stat} ({m.service or alert.service})",
                namespace=m.namespace,
                name=m.name,
                dimensions=dims,
                stat=m.stat,
                period_s=int(m.step.total_seconds()),
                unit=m.unit or "",
                primary=root is not None and alert.id == root.id,
            )
        assert self.ctx is not None
        found = signals_from_metrics(
            self.ctx.client("cloudwatch"),
            list(refs.values()),
            self.world.clock.now(),
            timedelta(hours=6),
        )
        return [s.as_json() for s in found]

    def _run(
        self,
        rctx: Any,
        incident_id: int,
        action: str,
        params: dict[str, Any],
        alerts: list[Any],
        root: Any,
        incident_class: str | None,
    ) -> dict[str, Any]:
        assert self.ctx is not None
        db = rctx.flows.db
        clock = self.world.clock
        try:
            proposal = service.propose(
                db,
                action=action,
                params=params,
                requested_by=REQUESTER,
                policy=self.policy,
                incident_id=incident_id,
                incident_class=incident_class,
                rationale="first recommended action (replay --approve first)",
                verify_signal={"signals": self._signals(alerts, root)},
                clock=clock,
            )
            rid = proposal.request.id or 0
            if proposal.request.state == "pending":
                role = self.policy.roles.get(Risk(proposal.request.risk))
                for user in APPROVERS:
                    decision = service.approve(
                        db,
                        request_id=rid,
                        user=user,
                        roles=[role] if role else [],
                        policy=self.policy,
                        clock=clock,
                    )
                    if decision.ready_to_run:
                        break
        except AiopsError as exc:
            return {"action": action, "status": "failed", "detail": f"not run: {exc}"}
        verifier = MetricVerifier(window=self.window)
        outcome = flows.execute(
            db, request_id=rid, ctx=self.ctx, worker=REQUESTER, verifier=verifier
        )
        return outcome.as_json()
