"""Automatic investigation: "opened → investigate" (and "grew → investigate again after the
cooldown") for incidents whose policy says so, in the background.

``wire_auto_investigation(flows, auto, jobs)`` hooks the incident flows the way
``bot.escalate.flows.wire_escalation`` does: a ``HookedPublisher`` sees a new incident (publish)
or new alerts on one (thread) and submits a job, so ingest is not slowed. The job
(``AutoInvestigator.run``):

1. picks the incident's policy (``policy_name_of(view)``: by default the one ``services.yaml``
   routed the incident to; None means the file's default) and checks its rules (severity, and
   the class when a rule needs it);
2. claims the run in the database (``auto_claims``): one run per incident per cooldown, across
   restarts and replicas;
3. runs the investigation (read-only steps only) without moving the incident's status: it stays
   *triggered* until a person answers the page;
4. stores it and proposes its actions as ``aiops``: read-only ones run at once, writes wait for
   approval, except the low-risk actions the policy auto-approves for that class, and never
   when the top hypothesis is outside our reach (a provider, the cloud, a service we do not run);
5. reports: a timeline entry, the ``AutoReport`` port (Slack: the findings in the incident's
   thread, marked "investigated automatically"), and the one-line top hypothesis as a note on
   the incident's PagerDuty page.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.errors import AiopsError, UpstreamUnavailable
from bot.incidents import service as incident_service
from bot.incidents.flows import IncidentFlows
from bot.incidents.models import IncidentView
from bot.incidents.ports import HookedPublisher
from bot.investigate.classify import classify
from bot.investigate.flows import default_playbooks
from bot.investigate.flows import investigate_incident as run_incident
from bot.investigate.harm import is_outside
from bot.investigate.models import InvestigationResult
from bot.jobs import Jobs, describe_error
from bot.remediate.enums import Risk
from bot.remediate.policy import AutoApprove
from bot.respond import auto_claims
from bot.respond.approvals import Desk
from bot.respond.auto_policy import AutoInvestigateFile, AutoPolicy
from bot.respond.proposals import Investigated, save_and_propose, target_of

log = logging.getLogger(__name__)

AUTO_ACTOR = "aiops"  # the requester of what an automatic investigation proposes
MAX_TOP_LINE = 300
_CLOSED = ("mitigated", "resolved")


@dataclass(frozen=True)
class AutoRun:
    """One automatic investigation, as reported."""

    incident_id: int
    policy: str
    trigger: str  # opened | grew
    found: Investigated
    top_line: str  # the one-line top hypothesis
    auto_approved: list[str]  # actions the policy let run without a click
    outside: bool  # the top hypothesis is outside our reach (nothing was auto-approved)


class AutoReport(Protocol):
    def investigated(self, run: AutoRun) -> None: ...

    def failed(self, incident_id: int, text: str) -> None: ...


class NullAutoReport:
    def investigated(self, run: AutoRun) -> None:
        return None

    def failed(self, incident_id: int, text: str) -> None:
        return None


@dataclass
class RecordingAutoReport:
    """Keeps every reported run in memory (tests, the terminal)."""

    runs: list[AutoRun] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def investigated(self, run: AutoRun) -> None:
        with self._lock:
            self.runs.append(run)

    def failed(self, incident_id: int, text: str) -> None:
        with self._lock:
            self.failures.append((incident_id, text))


class PageNotes(Protocol):
    """Where the top hypothesis goes on the page (``bot.escalate.Paging`` implements it)."""

    def note_on_page(self, incident_id: int, text: str, *, key: str) -> Any: ...


def top_line(result: InvestigationResult) -> str:
    """The one-line top hypothesis ("cause unknown" when there is none)."""
    if not result.hypotheses:
        return f"cause unknown ({result.incident_class}); {len(result.facts)} fact(s) gathered"
    h = result.hypotheses[0]
    line = f"{h.kind} on {h.service} ({h.confidence:.0%}): {h.summary}"
    line = " ".join(line.split())
    return line if len(line) <= MAX_TOP_LINE else line[: MAX_TOP_LINE - 1] + "…"


def _replica_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class AutoInvestigator:
    desk: Desk
    config: AutoInvestigateFile
    context: Callable[[], Any] | None = None  # InvestigationContext factory
    pages: PageNotes | None = None
    report: AutoReport = field(default_factory=NullAutoReport)
    #: the policy services.yaml routed the incident to (None: the file's default)
    policy_name_of: Callable[[IncidentView], str | None] = lambda view: view.auto_investigate
    worker_id: str = field(default_factory=_replica_id)

    @property
    def enabled(self) -> bool:
        return bool(self.config.policies) and self.context is not None

    def policy_for(self, view: IncidentView) -> AutoPolicy | None:
        return self.config.named(self.policy_name_of(view))

    def run(self, incident_id: int, *, trigger: str = "opened") -> AutoRun | None:
        """Investigate the incident when its policy says so and the claim is ours; else None."""
        if self.desk.flows is None or self.context is None:
            return None
        view = self.desk.flows.view(incident_id)
        policy = self.policy_for(view)
        if policy is None or view.status in _CLOSED:
            return None
        if not (policy.matches(view.severity) or policy.needs_class(view.severity)):
            return None
        now = self.desk.clock.now()
        if auto_claims.cooling(self.desk.db, incident_id, now=now, cooldown=policy.cooldown):
            return None  # a read, no write: growth within the cooldown stays cheap for ingest
        if not policy.matches(view.severity):  # only its class can decide: classify first
            target = target_of(self.desk, incident_id)
            if not target.alerts:
                return None
            cls = classify(self.context(), default_playbooks(), incident=target).incident_class
            if not policy.matches(view.severity, cls):
                return None
        if not auto_claims.claim(self.desk.db, incident_id, policy=policy.name, now=now,
                                 cooldown=policy.cooldown, by=self.worker_id):  # fmt: skip
            log.info("incident #%s: automatic investigation already ran within %s",
                     incident_id, policy.cooldown)  # fmt: skip
            return None
        try:
            return self._investigate(incident_id, policy, trigger)
        except Exception as exc:  # never silent: the thread and the timeline say it failed
            known = isinstance(exc, AiopsError)
            why = str(exc) if known else describe_error(exc, where="auto-investigate")
            self._failed(incident_id, policy, why)
            return None

    def _investigate(self, incident_id: int, policy: AutoPolicy, trigger: str) -> AutoRun:
        assert self.context is not None
        ctx = self.context()
        target = target_of(self.desk, incident_id)
        result = run_incident(ctx, target)
        outside = bool(result.hypotheses) and is_outside(result.hypotheses[0], ctx.topology)
        approvable = (
            [] if outside or not result.hypotheses else policy.approvable(result.incident_class)
        )
        found = save_and_propose(self._desk(approvable, result.incident_class), result,
                                 requested_by=AUTO_ACTOR, incident_id=incident_id)  # fmt: skip
        top = top_line(result)
        auto_claims.finished(self.desk.db, incident_id, found.investigation_id, top)
        auto = [r.action for r in found.requests
                if r.action in approvable and r.risk == Risk.LOW.value
                and r.state != "pending"]  # fmt: skip
        run = AutoRun(incident_id, policy.name, trigger, found, top, auto, outside)
        self._tell(run)
        return run

    def _desk(self, approvable: Sequence[str], incident_class: str) -> Desk:
        """The desk whose policy also auto-approves ``approvable`` (low risk, this class)."""
        if not approvable:
            return self.desk
        extra = AutoApprove(risk=Risk.LOW, incident_classes=[incident_class],
                            actions=list(approvable))  # fmt: skip
        policy = self.desk.policy.model_copy(
            update={"auto_approve": [*self.desk.policy.auto_approve, extra]}
        )
        return replace(self.desk, policy=policy)

    def _failed(self, incident_id: int, policy: AutoPolicy, why: str) -> None:
        text = f"Automatic investigation failed (policy {policy.name}): {why}"
        with self.desk.db.session() as s:
            incident_service.add_timeline(
                session=s, incident_id=incident_id, kind="investigation", text=text,
                at=self.desk.clock.now(), actor=AUTO_ACTOR,
                data={"policy": policy.name, "auto": True, "failed": True},
            )  # fmt: skip
        try:
            self.report.failed(incident_id, text)
        except Exception:
            log.exception("could not report the failed investigation of #%s", incident_id)

    def _tell(self, run: AutoRun) -> None:
        flows = self.desk.flows
        assert flows is not None
        text = f"Investigated automatically (policy {run.policy}): {run.top_line}"
        if run.auto_approved:
            text += f"; auto-approved: {', '.join(run.auto_approved)}"
        with self.desk.db.session() as s:
            incident_service.add_timeline(
                session=s, incident_id=run.incident_id, kind="investigation", text=text,
                at=self.desk.clock.now(), actor=AUTO_ACTOR,
                data={"investigation_id": run.found.investigation_id, "policy": run.policy,
                      "trigger": run.trigger, "auto": True},
            )  # fmt: skip
        try:
            self.report.investigated(run)
        except Exception:  # the thread post failing must not lose the page note
            log.exception("could not report the automatic investigation of #%s", run.incident_id)
        if self.pages is not None:
            note = f"aiops investigated automatically. Top hypothesis: {run.top_line}"
            try:
                self.pages.note_on_page(run.incident_id, note,
                                        key=str(run.found.investigation_id))  # fmt: skip
            except AiopsError as exc:
                log.warning("no note on the page of #%s: %s", run.incident_id, exc)


# ------------------------------------------------------------------ wiring to the incidents
def wire_auto_investigation(flows: IncidentFlows, auto: AutoInvestigator, jobs: Jobs) -> None:
    """ "Opened → auto-investigate", "grew → again after the cooldown", each as a job."""
    if not auto.enabled:
        return

    def event(incident_id: int, trigger: str) -> None:
        def job() -> None:
            auto.run(incident_id, trigger=trigger)

        with suppress(UpstreamUnavailable):  # busy: this incident is investigated on request
            jobs.submit(f"auto-investigate #{incident_id}", job, on_error=log.warning)

    flows.publisher = HookedPublisher(
        flows.publisher, lambda iid: event(iid, "opened"), lambda iid: event(iid, "grew")
    )
