"""A typed question always gets an answer: never silent (issue 15).

The rules (and Claude, with a key) answer first. A question they leave with no hypothesis still
gets one (and so does an incident whose alerts name no service the rules could follow: it is read
as the question its alert asks, about the services it was taken to mean, ``origin`` naming the
alert), at a low confidence, from what was read about the services it was taken to mean (the
first ``MAX_TARGETS`` of them; many at once get one answer over all):

- the question reports something wrong ("debug memory issues of orca", "checkout is broken"):
  it is read like an alert a person raised on each of those services: the failure mode its words
  name, the first cause the facts support, else "cause not identified" (``fallback.from_alerts``),
  with what was read about the service's health as further evidence;
- otherwise (a question about state: "is nginx healthy?", "how many pods run?") each service
  gets a conclusion: ``healthy`` when every read about it succeeded and none shows a failure
  ("web looks healthy: 3/3 pod(s) ready, 0 restarts, no error lines, no alert firing"), else
  ``not_identified`` with the reads that failed, so that "I could not tell" is said, not implied.

Nothing here names a service or a scenario; the modes and causes are the data of
``playbooks/reasoning/failure_modes.yaml``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.investigate.classify import AlertView, Classification
from bot.investigate.context import InvestigationContext
from bot.investigate.fallback import failing_services, from_alerts
from bot.investigate.models import Finding, FindingType, Hypothesis, StepRecord, StepStatus
from bot.investigate.resolve import alerting_services, has_symptom
from bot.investigate.steady import pod_health

log = logging.getLogger(__name__)

MAX_TARGETS = 3  # more services than this get one answer over all of them
MAX_SCAN = 40  # the services read for that answer, at most
HEALTHY_CONFIDENCE = 0.1
UNKNOWN_CONFIDENCE = 0.05
PLAYBOOK = "reasoning:question"
_QUIET = {FindingType.TOPOLOGY, FindingType.CHANGE}  # context, not a sign of health or failure


def _failed_reads(steps: Sequence[StepRecord]) -> list[str]:
    bad = (StepStatus.FAILED, StepStatus.TIMEOUT)
    return [f"{s.name} ({s.error or s.status})" for s in steps if s.status in bad]


def _health(
    ctx: InvestigationContext,
    service: str,
    findings: Sequence[Finding],
    failed: Sequence[str],
    alerting: set[str],
) -> tuple[bool, list[str]]:
    """``(healthy, evidence)``: healthy when every read succeeded and nothing read shows a
    failure of the service; the evidence says what each read found."""
    pods = pod_health(ctx, service)
    own = [f for f in findings if f.service == service and f.type not in _QUIET]
    failing = [f.service for f in failing_services(own, ctx.topology)]
    errors = [f for f in own if f.type in (FindingType.LOG_SIGNATURE, FindingType.LOG_TEMPLATE)]
    evidence = [
        f"{service}: {pods.said}" if pods.said else "",
        f"{service}: {pods.unread}" if pods.unread else "",
        f"{service}: {len(errors)} error template(s) in its logs" if errors else "",
        f"{service}: no error lines in the logs read" if not errors else "",
        f"{service}: an alert is firing on it" if service in alerting else "",
        f"{service}: no alert firing on it" if service not in alerting else "",
        *(f.summary for f in own[:3]),
        *(f"read failed: {r}" for r in failed[:3]),
    ]
    # a read that failed (a config diff of an object that is not there) is said, not counted
    # against the service: its own pods were read (or it runs none) and show no failure
    healthy = pods.ok and not (failing or errors or service in alerting)
    return healthy, [e for e in evidence if e]


def _symptom(
    ctx: InvestigationContext,
    query: str,
    services: Sequence[str],
    findings: Sequence[Finding],
    failed: Sequence[str],
    alerting: set[str],
    origin: str,
) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for service in services:
        said = AlertView(name="question", service=service, summary=query)
        for hyp in from_alerts([said], None, ctx.topology, findings, origin=origin):
            _, health = _health(ctx, service, findings, failed, alerting)
            hyp.evidence.extend(e for e in health if e not in hyp.evidence)
            out.append(hyp)
    return out


def _state(
    ctx: InvestigationContext,
    services: Sequence[str],
    findings: Sequence[Finding],
    failed: Sequence[str],
    alerting: set[str],
) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for service in services:
        healthy, evidence = _health(ctx, service, findings, failed, alerting)
        seen = "; ".join(e.split(": ", 1)[-1] for e in evidence[:3])
        if healthy:
            summary = f"{service} looks healthy: {seen}"
        else:
            summary = (
                f"whether {service} is healthy was not established: {seen}; nothing read "
                "names a failure"
            )
        out.append(
            Hypothesis(
                kind="healthy" if healthy else "not_identified",
                service=service,
                confidence=HEALTHY_CONFIDENCE if healthy else UNKNOWN_CONFIDENCE,
                summary=summary,
                evidence=evidence,
                playbook=PLAYBOOK,
            )
        )
    return out


def _over_all(
    ctx: InvestigationContext,
    services: Sequence[str],
    symptom: bool,
    findings: Sequence[Finding],
    failed: Sequence[str],
    alerting: set[str],
) -> Hypothesis:
    """One answer over many services (a namespace, everything): how many look healthy, and the
    first ones that do not, with why."""
    looked = list(services)[:MAX_SCAN]
    pods = [pod_health(ctx, s) for s in looked]
    health = {s: _health(ctx, s, findings, failed, alerting) for s in looked}
    unwell = [s for s, (ok, _) in health.items() if not ok]
    ready, total = sum(p.ready for p in pods), sum(p.total for p in pods)
    namespaces = {n.namespace for s in looked if (n := ctx.topology.get(s))}
    where = (
        f"namespace {next(iter(namespaces))}"
        if len(namespaces) == 1 and None not in namespaces
        else f"{len(looked)} services"
    )
    counts = f"{len(looked) - len(unwell)}/{len(looked)} services look healthy" + (
        f", {ready}/{total} pod(s) ready" if total else ""
    )
    evidence = [
        f"looked at: {', '.join(looked[:12])}" + (" …" if len(looked) > 12 else ""),
        *(f"{s}: {'; '.join(e.split(': ', 1)[-1] for e in health[s][1][:2])}" for s in unwell[:3]),
        *(f"read failed: {r}" for r in failed[:3]),
    ]
    if not looked:  # no service graph: the playbooks' own reads found nothing either
        return Hypothesis(
            kind="not_identified",
            service="everything",
            confidence=UNKNOWN_CONFIDENCE,
            summary="nothing read names a failure, and no service is known to look at more "
            "closely; cause not identified. Describe the services (AIOPS_TOPOLOGY_FILE) or "
            "name one to narrow it down",
            evidence=[f"read failed: {r}" for r in failed[:5]],
            playbook=PLAYBOOK,
        )
    if not unwell and not symptom:
        return Hypothesis(
            kind="healthy",
            service=where,
            confidence=HEALTHY_CONFIDENCE,
            summary=f"{where} looks healthy: {counts}, no error lines, no alert firing",
            evidence=evidence,
            playbook=PLAYBOOK,
        )
    said = "the question reports a failure, but " if symptom else ""
    return Hypothesis(
        kind="not_identified",
        service=where,
        confidence=UNKNOWN_CONFIDENCE,
        summary=f"{said}nothing read in {where} names a failure ({counts}); cause not identified. "
        "Name a service or paste an alert to narrow it down",
        evidence=evidence,
        playbook=PLAYBOOK,
    )


def answer_question(
    ctx: InvestigationContext,
    query: str,
    classification: Classification,
    findings: Sequence[Finding],
    steps: Sequence[StepRecord],
    *,
    origin: str = "the question",
    informs: bool = False,
) -> list[Hypothesis]:
    """The hypotheses a question gets when the rules left it with none (never empty).
    ``origin`` says who asked ("the question", or an alert read as one); an alert that only
    ``informs`` (a heartbeat) reports no symptom, whatever its words."""
    services = [s for s in classification.targets if s in ctx.topology.services]
    symptom = has_symptom(query) and not informs
    failed = _failed_reads(steps)
    try:
        alerting = set(alerting_services(ctx))
    except Exception:  # noqa: BLE001 - the store unread only loses "an alert is firing"
        log.info("answer: alerts in the store unavailable")
        alerting = set()
    if not services or len(services) > MAX_TARGETS:
        looked = services or list(classification.targets)
        return [_over_all(ctx, looked, symptom, findings, failed, alerting)]
    if symptom:
        return _symptom(ctx, query, services, findings, failed, alerting, origin)
    return _state(ctx, services, findings, failed, alerting)
