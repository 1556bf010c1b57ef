"""Never silent: a failing service always gets a hypothesis, "cause not identified" allowed.

The failure modes (crash loop, not ready, pending, erroring, slow, saturated, unreachable) and
the causes the evidence can support are data (``playbooks/reasoning/failure_modes.yaml``). A
service is failing when a finding on it matches one of a mode's ``seen`` matchers. When no
hypothesis covers it (none names it or something it depends on), one is added that names the
service, the modes seen, their evidence, and the first cause whose matcher holds, else "cause not
identified" at a low confidence. Among failing services the most upstream one that explains the
others leads, and a cause comes before its symptoms (``structure``). When no fact shows a
failure but an alert fires, the alerted service gets one at a lower confidence, in the mode the
alert's words name (``from_alerts``): what was assumed is said.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.investigate.blame import implied_dependency, platform_of
from bot.investigate.classify import AlertView
from bot.investigate.context import Topology
from bot.investigate.explains import rank_below
from bot.investigate.interpret import matches
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import (
    Cause,
    FailureMode,
    FailureModes,
    failure_modes,
)
from bot.investigate.relevance import UNRELATED, unrelated_reason
from bot.investigate.slow_path import slow_path_rules, summary_of, timings, where_time_goes

MAX_EVIDENCE = 5
UPSTREAM_BONUS = 0.05


@dataclass(frozen=True)
class Failing:
    """One service seen failing: the modes (in the data's order) and the findings showing them."""

    service: str
    modes: tuple[FailureMode, ...]
    findings: tuple[Finding, ...]

    @property
    def labels(self) -> str:
        return ", ".join(m.label for m in self.modes)


def failing_services(
    findings: Sequence[Finding], topo: Topology, rules: FailureModes | None = None
) -> list[Failing]:
    rules = rules or failure_modes()
    names = dict.fromkeys(f.service for f in findings if f.service)
    out: list[Failing] = []
    for service in names:
        if service is None:
            continue
        modes: list[FailureMode] = []
        hits: list[Finding] = []
        for mode in rules.modes:
            seen = [f for m in mode.seen for f in findings if matches(m, f, service, topo)]
            if seen:
                modes.append(mode)
                hits.extend(f for f in seen if f not in hits)
        if modes:
            out.append(Failing(service, tuple(modes), tuple(hits)))
    return out


def covered(fail: Failing, hypotheses: Iterable[Hypothesis], topo: Topology) -> bool:
    """A hypothesis on the service itself or on something it depends on explains it, and one
    that weighed its failure (cites it for or against) has considered it."""
    return any(_covers(fail, h, topo) for h in hypotheses)


def _covers(fail: Failing, hyp: Hypothesis, topo: Topology) -> bool:
    seen = {f.summary for f in fail.findings}
    return (
        hyp.service == fail.service
        or hyp.service in topo.dependencies(fail.service)
        or bool(seen & set(hyp.evidence))
        or bool(seen & set(hyp.against))
    )


def own_lines_unread(
    fail: Failing,
    findings: Sequence[Finding],
    hypotheses: Iterable[Hypothesis],
    added: Iterable[Hypothesis],
    topo: Topology,
) -> bool:
    """Covered, yet its own signed lines name a cause beyond it (a certificate its calls refuse,
    naming the service that presents it) and nothing that covers it read them: every covering
    hypothesis blames a change change relevance cleared ("recent, probably unrelated"), or is a
    caller's reading this pass moved onto it, citing none of its own findings."""
    found = _cause(fail, findings, topo, failure_modes().causes)
    if found is None:
        return False
    cause, hit = found
    if hit.type != FindingType.LOG_SIGNATURE or hit.service != fail.service:
        return False
    if _blamed(cause, hit, fail, topo) == fail.service:
        return False
    own = {f.summary for f in fail.findings}
    return all(
        any(a.startswith(UNRELATED) for a in h.against)
        for h in hypotheses
        if _covers(fail, h, topo)
    ) and not any(own & set(h.evidence) for h in added if _covers(fail, h, topo))


def _cause(
    fail: Failing, findings: Sequence[Finding], topo: Topology, causes: Sequence[Cause]
) -> tuple[Cause, Finding] | None:
    for cause in causes:
        for hit in findings:
            if not matches(cause.match, hit, fail.service, topo):
                continue
            # a change is a cause only when it may explain the failure (change_relevance.yaml)
            if hit.type == FindingType.CHANGE and unrelated_reason(hit, findings, [fail], topo):
                continue
            return cause, hit
    return None


def _blamed(cause: Cause, hit: Finding, fail: Failing, topo: Topology) -> str:
    if cause.blame == "finding" and hit.service:
        return hit.service
    if cause.blame in ("mentions", "named"):
        named = hit.attrs.get("mentions")
        if isinstance(named, str) and named and named != fail.service:
            return named
    if cause.blame == "mentions":
        implied = implied_dependency(fail.service, [hit, *fail.findings], topo)
        if implied is not None:
            return implied
    return fail.service


def _tier(service: str, topo: Topology) -> str | None:
    node = topo.get(service)
    return node.tier if node is not None else None


def _cause_kind(cause: Cause, service: str, topo: Topology) -> str:
    node = topo.get(service)
    if node is not None and node.tier in cause.kind_by_tier:
        return cause.kind_by_tier[node.tier]
    return cause.kind_by_platform.get(platform_of(service, topo), cause.kind)


def _seen(fail: Failing, limit: int = 2) -> str:
    """The failure in the facts' own words (without the service prefix), the first few."""
    said = [f.summary.split(": ", 1)[-1][:140] for f in fail.findings[:limit]]
    return "; ".join(dict.fromkeys(said))


def symptom_hypothesis(
    fail: Failing, findings: Sequence[Finding], topo: Topology, rules: FailureModes | None = None
) -> Hypothesis:
    """The hypothesis a failing service gets: its most specific supported cause, else unknown."""
    rules = rules or failure_modes()
    evidence = list(dict.fromkeys(f.summary for f in fail.findings))[:MAX_EVIDENCE]
    found = _cause(fail, findings, topo, rules.causes)
    if found is not None:
        cause, hit = found
        service = _blamed(cause, hit, fail, topo)
        if hit.summary not in evidence:
            evidence.append(hit.summary)
        where = "" if service == fail.service else f" ({service})"
        return Hypothesis(
            kind=_cause_kind(cause, service, topo),
            service=service,
            confidence=cause.confidence,
            summary=f"{fail.labels} on {fail.service}: {cause.because}{where}",
            evidence=evidence,
            playbook="reasoning:failure_modes",
        )
    mode = fail.modes[0]
    kind = mode.kind_for(_tier(fail.service, topo), platform_of(fail.service, topo))
    return Hypothesis(
        kind=kind,
        service=fail.service,
        confidence=rules.unknown_confidence,
        summary=f"{fail.labels} on {fail.service}; seen: {_seen(fail)}; what it printed matches "
        "no known signature: cause not identified",
        evidence=evidence,
        playbook="reasoning:failure_modes",
    )


def structure(hypotheses: list[Hypothesis], failing: Sequence[Failing], topo: Topology) -> None:
    """Topology and time among the added hypotheses: a failing service whose own dependency
    also fails, and failed first, is that dependency's symptom; the dependency leads."""
    onset = {f.service: min((x.at for x in f.findings if x.at), default=None) for f in failing}
    fails = set(onset)

    def first(a: str, b: str) -> bool:
        ta, tb = onset.get(a), onset.get(b)
        return ta is None or tb is None or ta <= tb

    for hyp in hypotheses:
        below = [d for d in topo.dependencies(hyp.service) if d in fails and first(d, hyp.service)]
        above = [d for d in topo.dependents(hyp.service) if d in fails]
        if below:
            hyp.confidence = round(max(0.05, hyp.confidence - UPSTREAM_BONUS), 3)
            hyp.against.append(f"{', '.join(below)}, which it depends on, fails too and first")
        elif above and hyp.confidence > failure_modes().unknown_confidence:
            hyp.confidence = round(min(0.6, hyp.confidence + UPSTREAM_BONUS), 3)


def _generic_kinds(fail: Failing, topo: Topology) -> set[str]:
    """The kinds that only restate the symptom: the own kind of each mode seen whose data says
    it ``restates``, unless the platform refines it (an ECS service's task failure is already
    the platform's own reading, not a restatement)."""
    platform = platform_of(fail.service, topo)
    tier = _tier(fail.service, topo)
    return {
        m.kind
        for m in fail.modes
        if m.restates and platform not in m.kind_by_platform and tier not in m.kind_by_tier
    }


def over_generic(
    fail: Failing,
    findings: Sequence[Finding],
    hypotheses: Sequence[Hypothesis],
    topo: Topology,
    rules: FailureModes,
) -> Hypothesis | None:
    """A covered failing service whose only reading is generic (a hypothesis on it of the kind
    its mode restates: "not ready, so unreachable") while the evidence supports a specific cause
    of another kind (a readiness probe pointed where nothing answers, a shell that cannot parse
    its command): the cause is added above the generic reading, which drops below it and says
    why. None when there is no such cause or a playbook weighed evidence against the reading."""
    generic = _generic_kinds(fail, topo)
    own = [h for h in hypotheses if h.service == fail.service]
    if not generic or not own or any(h.kind not in generic or h.against for h in own):
        return None
    found = _cause(fail, findings, topo, rules.causes)
    if found is None or found[0].blame != "self":  # a cause of its own, not of what it calls
        return None
    specific = symptom_hypothesis(fail, findings, topo, rules)
    if any((h.kind, h.service) == (specific.kind, specific.service) for h in hypotheses):
        return None
    cause, _ = found
    top = max(h.confidence for h in own)
    specific.confidence = round(max(specific.confidence, min(0.6, top + UPSTREAM_BONUS)), 3)
    for h in own:
        rank_below(h, specific.confidence, 0.1, f"{cause.because}, not {h.kind.replace('_', ' ')}")
    return specific


def never_silent(
    findings: Sequence[Finding], hypotheses: Sequence[Hypothesis], topo: Topology
) -> list[Hypothesis]:
    """Hypotheses for the failing services no existing hypothesis covers."""
    rules = failure_modes()
    failing = failing_services(findings, topo, rules)
    added: dict[tuple[str, str], Hypothesis] = {}
    # callers first: a caller's evidence can name why what it calls fails (a backlog behind a
    # slow dependency), which the callee's own symptom alone cannot; the callee is then covered
    # (unless its own signed lines name a cause beyond it that nothing covering it read)
    for fail in sorted(failing, key=lambda f: topo.depth(f.service)):
        if covered(fail, [*hypotheses, *added.values()], topo) and not own_lines_unread(
            fail, findings, hypotheses, added.values(), topo
        ):
            specific = over_generic(fail, findings, hypotheses, topo, rules)
            if specific is not None and (specific.kind, specific.service) not in added:
                added[(specific.kind, specific.service)] = specific
            continue
        hyp = symptom_hypothesis(fail, findings, topo, rules)
        key = (hyp.kind, hyp.service)
        if key not in added and not any((h.kind, h.service) == key for h in hypotheses):
            added[key] = hyp
    out = list(added.values())
    structure(out, failing, topo)
    return out


def informs(alert: AlertView, rules: FailureModes | None = None) -> bool:
    """An alert of an informational severity (a heartbeat, a notice) reports no failure."""
    rules = rules or failure_modes()
    return alert.severity.lower() in {s.lower() for s in rules.alert_info_severities}


def _named_mode(alert: AlertView, rules: FailureModes) -> FailureMode | None:
    """The failure mode of which the alert's name and summary hold the most words, if any."""
    text = f"{alert.name} {alert.summary}".lower()
    scored = [(sum(w in text for w in m.alert_words), -i, m) for i, m in enumerate(rules.modes)]
    best = max(scored, key=lambda t: (t[0], t[1]))
    return best[2] if best[0] else None


def _alert_mode(alert: AlertView, rules: FailureModes) -> FailureMode:
    named = _named_mode(alert, rules)
    if named is not None:
        return named
    return next(m for m in rules.modes if m.name == rules.alert_default)


def names_failure(alert: AlertView, rules: FailureModes | None = None) -> bool:
    """Does the alert say how something fails (a failure mode's words: crash, down, latency…)?
    One that does not ("TestAlertDevops: insignificant alert for testing"), over facts that show
    nothing failing, reports no failure: the answer reads the service's state instead."""
    return _named_mode(alert, rules or failure_modes()) is not None


def from_alerts(
    alerts: Sequence[AlertView],
    root: AlertView | None,
    topo: Topology,
    findings: Sequence[Finding] = (),
    *,
    origin: str = "",
    named: bool = False,
) -> list[Hypothesis]:
    """No fact shows a failure, yet an alert fires: its service (the root alert's first) gets a
    hypothesis in the mode the alert names, the alert as evidence: the first cause the facts
    support for it (a dependency printing slow statements under a slow alert), at most
    ``alert_cause_cap``, else "cause not identified". ``origin`` names who reported it when it is
    not an alert ("the question": a person's report, read the same way). ``named``: an alert
    whose words name no failure mode, and for which the facts support no cause, reports no
    failure (a test alert over healthy pods): nothing is assumed from it."""
    rules = failure_modes()
    firing = [
        a
        for a in ([root] if root else []) + list(alerts)
        if a.service and a.status == "firing" and not informs(a, rules)
    ]
    if not firing:
        return []
    alert = firing[0]
    service = str(alert.service)
    mode = _alert_mode(alert, rules)
    kind = mode.kind_for(_tier(service, topo), platform_of(service, topo))
    said = (f"{origin} about {service}" if origin else f"alert {alert.name} on {service}") + (
        f": {alert.summary}" if alert.summary else ""
    )
    source = origin or f"the {alert.name} alert"
    found = _cause(Failing(service, (mode,), ()), findings, topo, rules.causes)
    if found is None and named and not names_failure(alert, rules):
        return []
    if found is not None:
        cause, hit = found
        blamed = _blamed(cause, hit, Failing(service, (mode,), ()), topo)
        where = "" if blamed == service else f" ({blamed})"
        return [
            Hypothesis(
                kind=_cause_kind(cause, blamed, topo),
                service=blamed,
                confidence=min(cause.confidence, rules.alert_cause_cap),
                summary=f"{mode.label} on {service}, from {source}: {cause.because}{where}",
                evidence=[said, hit.summary],
                playbook="reasoning:failure_modes",
            )
        ]
    slow = slow_path_rules()
    # The walk from the graph alone follows a measured slowness (an alert's); a person's report
    # that nothing read confirms names no time to follow: it stays "cause not identified".
    walk = mode.name in slow.modes and not origin
    target = where_time_goes(service, topo, findings) if walk else None
    if target is not None:  # where a slow service's time goes, from the graph alone
        return [
            Hypothesis(
                kind=slow.kind,
                service=target,
                confidence=min(slow.confidence, rules.alert_cause_cap),
                summary=f"{mode.label} on {service}, from {source}: "
                + summary_of(service, target, timings(findings).get(target), slow),
                evidence=[said],
                playbook="reasoning:slow_path",
            )
        ]
    return [
        Hypothesis(
            kind=kind,
            service=service,
            confidence=rules.alert_confidence,
            summary=f"{mode.label} on {service}, assumed from {source} alone: the "
            "facts read show no failure; cause not identified",
            evidence=[said],
            playbook="reasoning:failure_modes",
        )
    ]
