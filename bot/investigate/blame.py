"""Where the blame goes along the graph: a caller's failure that its evidence pins on a dependency.

A ``dependency_failure`` on a caller moves to the dependency its lines name (by name, or by role:
"database connection failed" names the one data-tier dependency), or to the only service it
calls, or, when its lines name none, to the only service it calls that shows a failure of its own;
unless the caller's own lines say its own network is degraded while that dependency shows
nothing. A datastore's kind (slow queries) on an application moves to the datastore its own lines
name. Used by the rules (``fallback``) and the reasoning's last pass (``reasoning``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.investigate.context import Topology
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import FailureModes, failure_modes, service_words

_WORD = re.compile(r"[a-z0-9]+")
_ERROR_LEVELS = {"ERROR", "FATAL", "CRITICAL", "EMERG", "ALERT", "CRIT"}
_OWN_FAILURES = {FindingType.POD_STATE, FindingType.K8S_EVENT}


def own_failure(service: str, findings: Sequence[Finding]) -> Finding | None:
    """Its own failure: a pod state or warning event, an error line, an unhealthy resource."""
    for f in findings:
        if f.service != service:
            continue
        if f.type in _OWN_FAILURES:
            return f
        if f.type in (FindingType.LOG_SIGNATURE, FindingType.LOG_TEMPLATE) and (
            str(f.attrs.get("level") or "").upper() in _ERROR_LEVELS
        ):
            return f
        if f.type == FindingType.RESOURCE_STATE and f.attrs.get("healthy") is False:
            return f
    return None


def fails_itself(service: str, findings: Sequence[Finding]) -> bool:
    return own_failure(service, findings) is not None


def implied_dependency(service: str, said: Sequence[Finding], topo: Topology) -> str | None:
    """The one dependency of ``service`` that its failing lines name by role, not by name:
    "database connection failed" names the data-tier dependency when there is exactly one
    (the tiers' words are ``service_words.yaml``'s), and so does a line whose signature says what
    the far end is (a Kafka client's lines are about its broker: ``signature_tiers`` in
    failure_modes.yaml). The first finding that implies one wins."""
    node = topo.get(service)
    if node is None or not node.depends_on:
        return None
    tiers = service_words().tiers
    by_signature = failure_modes().signature_tiers
    for finding in said:
        example = finding.attrs.get("example")  # what the system printed, not our summary
        if not isinstance(example, str):
            continue
        text = example.lower()
        words = set(_WORD.findall(text))
        far_end = next(
            (t for t, ids in by_signature.items() if finding.attrs.get("signature_id") in ids),
            None,
        )
        implied = [
            dep
            for dep in node.depends_on
            if (dep_node := topo.get(dep)) is not None
            and (
                (dep_node.tier in tiers and words & set(tiers[dep_node.tier]))
                or (far_end is not None and dep_node.tier == far_end)
            )
        ]
        if len(implied) == 1:
            return implied[0]
    return None


def point_at_dependency(
    hyps: Sequence[Hypothesis],
    findings: Sequence[Finding],
    topo: Topology,
    rules: FailureModes | None = None,
) -> None:
    """A ``dependency_failure`` hypothesis on a caller names the dependency its evidence points
    to (in place): the topology's most upstream failing component, not the caller reporting
    it. Unchanged when the evidence names none, or that dependency has a hypothesis already."""
    rules = rules or failure_modes()
    by_summary = {f.summary: f for f in findings}
    covered = {h.service for h in hyps}
    for hyp in hyps:
        node = topo.get(hyp.service)
        if node is None or not node.depends_on:
            continue
        if hyp.kind in rules.datastore_kinds and node.tier not in rules.datastore_tiers:
            _onto_datastore(hyp, findings, topo, rules)
            continue
        if hyp.kind != "dependency_failure":
            continue
        cited = [by_summary[e] for e in hyp.evidence if e in by_summary]
        named = [
            m
            for f in cited
            if isinstance(m := f.attrs.get("mentions"), str) and m in node.depends_on
        ]
        own = [f for f in findings if f.service == hyp.service and f not in cited]
        dep = named[0] if named else implied_dependency(hyp.service, [*cited, *own], topo)
        if dep is None and len(node.depends_on) == 1:
            dep = node.depends_on[0]  # it calls one service: the one it fails to get answers from
        if dep is None:
            dep = _only_failing(hyp, node.depends_on, findings, hyps)
        elif dep in covered:
            continue
        if dep is None:
            continue
        if _own_network(hyp, dep, [*cited, *own], findings, rules):
            continue
        if _cut_off(hyp, dep, [*cited, *own], findings, topo, rules):
            continue
        dep_node = topo.get(dep)
        tier = dep_node.tier if dep_node is not None else None
        hyp.kind = rules.dependency_kind_by_tier.get(
            tier or "", rules.dependency_kind_by_platform.get(platform_of(dep, topo), hyp.kind)
        )
        hyp.summary = (
            f"{dep} is down or unreachable: {hyp.service}, which calls it, fails ({hyp.summary})"
        )
        hyp.service = dep
        covered.add(dep)


def _only_failing(
    hyp: Hypothesis,
    dependencies: Sequence[str],
    findings: Sequence[Finding],
    hyps: Sequence[Hypothesis],
) -> str | None:
    """The caller's lines name no dependency (an address, "connection refused"), and exactly
    one service it calls shows a failure of its own (a pod that restarted or waits, a warning
    event, an error line): that one is the dependency it fails to reach. Not when that service
    already has a reading as strong as the caller's (its own cause stands)."""
    failing = [(dep, f) for dep in dependencies if (f := own_failure(dep, findings))]
    if len(failing) != 1:
        return None
    dep, seen = failing[0]
    if any(h.service == dep and h.confidence >= hyp.confidence for h in hyps):
        return None
    if seen.summary not in hyp.evidence:
        hyp.evidence.append(seen.summary)
    return dep


def _own_network(
    hyp: Hypothesis,
    dep: str,
    said: Sequence[Finding],
    findings: Sequence[Finding],
    rules: FailureModes,
) -> bool:
    """The caller's own lines say its network is degraded (``own_network_ids``) and ``dep``
    shows no failure of its own (``fails_itself``: a healthy resource or an INFO line is no
    failure): the caller's network, not the dependency (in place)."""
    degraded = next((f for f in said if f.attrs.get("signature_id") in rules.own_network_ids), None)
    if degraded is None or fails_itself(dep, findings):
        return False
    said_so = f"its own lines say so ({_said(degraded)})"
    return _on_its_network(
        hyp,
        rules,
        degraded,
        f"The network of {hyp.service} fails: {said_so} and {dep}, "
        f"which it calls, shows no failure of its own",
    )


def _cut_off(
    hyp: Hypothesis,
    dep: str,
    said: Sequence[Finding],
    findings: Sequence[Finding],
    topo: Topology,
    rules: FailureModes,
) -> bool:
    """The caller's own lines say it lost ``dep``, a shared dependency of ``own_path_tiers`` (a
    broker) that shows no failure of its own, and none of ``dep``'s other direct clients shows
    one: the path from the caller is cut (in place)."""
    node = topo.get(dep)
    if node is None or node.tier not in rules.own_path_tiers:
        return False
    lost = next((f for f in said if _says_lost(f, rules)), None)
    others = [n for n in topo.names() if dep in topo.depends_on(n) and n != hyp.service]
    if lost is None or not others or fails_itself(dep, findings):
        return False
    # another client failing, or saying it lost the broker too, puts the fault at the broker
    if any(fails_itself(o, findings) for o in others) or any(
        f.service in others and _says_lost(f, rules) for f in findings
    ):
        return False
    return _on_its_network(
        hyp,
        rules,
        lost,
        f"The path from {hyp.service} to {dep} is cut: its own lines say it "
        f"lost {dep} ({_said(lost)}), while {dep} shows no failure of its own and none of its "
        f"other clients ({', '.join(others)}) shows one",
    )


def _said(finding: Finding) -> str:
    return finding.summary.split(": ", 1)[-1][:160]


def _on_its_network(hyp: Hypothesis, rules: FailureModes, line: Finding, why: str) -> bool:
    """The caller's own network (or its path to what it calls) fails: the hypothesis stays on it
    with ``own_network_kind``, the line that says so first in its evidence (in place)."""
    hyp.kind = rules.own_network_kind
    hyp.summary = f"{why} ({hyp.summary})"
    if line.summary not in hyp.evidence:
        hyp.evidence.insert(0, line.summary)
    return True


def _says_lost(finding: Finding, rules: FailureModes) -> bool:
    """A line of its own that says it lost a shared dependency (a broker): a request timed out,
    the connection dropped, the far end not available, at any level."""
    return (
        finding.type == FindingType.LOG_SIGNATURE
        and finding.attrs.get("signature") in rules.own_path_signatures
    )


def _onto_datastore(
    hyp: Hypothesis, findings: Sequence[Finding], topo: Topology, rules: FailureModes
) -> None:
    """A datastore's kind (slow queries) on an application: its own lines that name the one
    datastore it depends on, by name or by role, move it there (in place)."""
    own = [f for f in findings if f.service == hyp.service]
    stores = [
        d
        for d in topo.depends_on(hyp.service)
        if (n := topo.get(d)) and n.tier in rules.datastore_tiers
    ]
    named = [d for d in stores if any(f.attrs.get("mentions") == d for f in own)]
    dep = named[0] if len(named) == 1 else implied_dependency(hyp.service, own, topo)
    if dep is None or dep not in stores:
        return
    hyp.summary = (
        f"Slow queries on {dep}, which {hyp.service} calls: {hyp.service}'s own lines name it "
        f"as the datastore its slow calls go to ({hyp.summary})"
    )
    hyp.service = dep


def platform_of(service: str, topo: Topology) -> str:
    node = topo.get(service)
    return node.kind if node else (service.split(":", 1)[0] if ":" in service else "unknown")
