"""Findings → ranked hypotheses (confidence, evidence for and against) → ordered actions.

Each playbook rule is evaluated for every service in scope: its ``all`` matchers must each
match a finding, at least one ``any`` matcher must (when given), then the confidence is the
rule's ``base`` plus the weights of matched ``support`` matchers minus matched ``against``,
clipped to [0.05, 0.97]. Matchers bind to the candidate service (``scope: self``), to one of its
dependencies, to one of its dependents, or to anything. Actions come only from the registry
catalogue, rendered from the rule's templates and validated, in hypothesis order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.errors import UserError
from bot.investigate.context import Topology
from bot.investigate.finding_types import SERVICE_KIND
from bot.investigate.models import Fact, Finding, FindingType, Hypothesis, RecommendedAction
from bot.investigate.playbook_schema import HypothesisRule, Matcher, Playbook
from bot.remediate import registry

# On the scale shown (after calibration): a fix is offered for a hypothesis at least this likely
# to be right, as the operator reads it beside the fix. Whether the rules explained the incident
# reads the rules' own scale instead (``Hypothesis.rules_confidence``, llm_hypotheses).
MIN_ACTION_CONFIDENCE = 0.3
_PLACEHOLDER = re.compile(r"\{([a-z_.]+)\}")


def _cond_ok(value: Any, cond: Any) -> bool:
    if isinstance(cond, dict):
        if value is None:
            return False
        if "gte" in cond and not (isinstance(value, int | float) and value >= cond["gte"]):
            return False
        if "lte" in cond and not (isinstance(value, int | float) and value <= cond["lte"]):
            return False
        return not ("ne" in cond and value == cond["ne"])
    if isinstance(cond, list):
        return value in cond
    return bool(value == cond)


def _service_ok(m: Matcher, finding: Finding, service: str, topo: Topology) -> bool:
    if m.scope == "any":
        return True
    if m.scope == "self":
        return finding.service == service
    if m.scope == "dependency":
        return finding.service in topo.dependencies(service)
    return finding.service in topo.dependents(service)


def matches(m: Matcher, finding: Finding, service: str, topo: Topology) -> bool:
    """Does ``finding`` satisfy ``m`` for candidate ``service``? ``$service`` in a condition
    stands for the candidate, ``$dependency`` for any service the candidate depends on; the
    pseudo-attribute ``service_kind`` is the finding's service's platform (k8s_deployment,
    lambda, cloudfront...)."""
    if finding.type != m.type or not _service_ok(m, finding, service, topo):
        return False
    for key, cond in m.where.items():
        cond = service if cond == "$service" else cond
        if cond == "$dependency":
            cond = list(topo.dependencies(service))
        if key == SERVICE_KIND:
            value: Any = _service_kind(finding.service or "", topo)
        else:
            value = finding.attrs.get(key)
        if not _cond_ok(value, cond):
            return False
    return True


def first_match(
    m: Matcher, findings: Iterable[Finding], service: str, topo: Topology
) -> Finding | None:
    for f in findings:
        if matches(m, f, service, topo):
            return f
    return None


def _service_kind(service: str, topo: Topology) -> str:
    node = topo.get(service)
    if node:
        return node.kind
    return service.split(":", 1)[0] if ":" in service else "unknown"


def evaluate(
    rule: HypothesisRule, service: str, findings: Sequence[Finding], topo: Topology, playbook: str
) -> Hypothesis | None:
    if rule.service_kinds and _service_kind(service, topo) not in rule.service_kinds:
        return None
    used: list[Finding] = []
    for m in rule.all:
        hit = first_match(m, findings, service, topo)
        if hit is None:
            return None
        used.append(hit)
    if rule.any:
        hits = [h for m in rule.any if (h := first_match(m, findings, service, topo))]
        if not hits:
            return None
        used.extend(hits)
    score = rule.base
    for w in rule.support:
        hit = first_match(w.match, findings, service, topo)
        if hit is not None:
            score += w.weight
            used.append(hit)
    against: list[str] = []
    for w in rule.against:
        hit = first_match(w.match, findings, service, topo)
        if hit is not None:
            score -= w.weight
            against.append(hit.summary)
    evidence: list[str] = []
    for f in used:
        if f.summary not in evidence:
            evidence.append(f.summary)
    change = _change_label(used, findings, service)
    return Hypothesis(
        kind=rule.kind,
        service=service,
        confidence=round(min(0.97, max(0.05, score)), 3),
        summary=rule.summary.format(service=service),
        evidence=evidence,
        against=against,
        change=change,
        playbook=playbook,
    )


def _change_label(used: Sequence[Finding], findings: Sequence[Finding], service: str) -> str | None:
    for f in used:
        if f.type == FindingType.CHANGE and f.service == service:
            return str(f.attrs.get("label"))
    return None


def rank(
    playbooks: Sequence[Playbook],
    findings: Sequence[Finding],
    services: Iterable[str],
    topo: Topology,
    *,
    selected: set[str] | None = None,
) -> list[Hypothesis]:
    best: dict[tuple[str, str], Hypothesis] = {}
    candidates = list(
        dict.fromkeys([*services, *(f.service for f in findings if f.service and ":" in f.service)])
    )
    for book in playbooks:
        prior = 0.02 if selected and book.name in selected else 0.0
        for rule in book.hypotheses:
            for service in candidates:
                hyp = evaluate(rule, service, findings, topo, book.name)
                if hyp is None:
                    continue
                hyp.confidence = round(min(0.97, hyp.confidence + prior), 3)
                key = (hyp.kind, hyp.service)
                if key not in best or hyp.confidence > best[key].confidence:
                    best[key] = hyp
    return sorted(best.values(), key=lambda h: (-h.confidence, h.kind, h.service))


def _render(value: Any, env: dict[str, Any]) -> Any:
    if not isinstance(value, str):
        return value
    whole = _PLACEHOLDER.fullmatch(value)
    if whole:
        return env.get(whole.group(1))
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        got = env.get(m.group(1))
        if got is None:
            missing = True
            return ""
        return str(got)

    out = _PLACEHOLDER.sub(sub, value)
    return None if missing else out


def _action_params(action: str, rendered: dict[str, Any]) -> dict[str, Any] | None:
    """The rendered params as the registry types them (only those given), or None when they do
    not validate (a placeholder the evidence could not fill, a wrong type)."""
    given = {k: v for k, v in rendered.items() if v not in (None, "")}
    try:
        _, typed = registry.validate(action, given)
    except UserError:
        return None
    return typed.model_dump(mode="json", exclude_unset=True)


def recommend(
    hypotheses: Sequence[Hypothesis],
    playbooks: Sequence[Playbook],
    findings: Sequence[Finding],
    topo: Topology,
) -> list[RecommendedAction]:
    out: list[RecommendedAction] = []
    seen: set[tuple[str, str]] = set()
    for hyp in hypotheses:
        if hyp.confidence < MIN_ACTION_CONFIDENCE:
            continue
        node = topo.get(hyp.service)
        for book in playbooks:
            for rem in book.remediations:
                if hyp.kind not in rem.kinds:
                    continue
                if rem.service_kinds and _service_kind(hyp.service, topo) not in rem.service_kinds:
                    continue
                env: dict[str, Any] = {"service": hyp.service}
                if node:
                    env.update(resource=node.resource, namespace=node.namespace)
                if rem.when is not None:
                    hit = first_match(rem.when, findings, hyp.service, topo)
                    if hit is None:
                        continue
                    env.update({f"m.{k}": v for k, v in hit.attrs.items()})
                params = _action_params(
                    rem.action, {k: _render(v, env) for k, v in rem.params.items()}
                )
                if params is None:
                    continue
                key = (rem.action, repr(sorted(params.items())))
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    RecommendedAction(
                        action=rem.action,
                        params=params,
                        risk=str(registry.get(rem.action).risk),
                        rationale=f"{rem.rationale} (for {hyp.kind} on {hyp.service}, "
                        f"confidence {hyp.confidence:.2f})",
                    )
                )
    return out


_FACT_ORDER = [
    FindingType.RESOURCE_STATE,
    FindingType.TARGET_HEALTH,
    FindingType.TASK_STOPPED,
    FindingType.REACHABILITY,
    FindingType.LIMIT,
    FindingType.SECURITY,
    FindingType.POD_STATE,
    FindingType.METRIC_SHIFT,
    FindingType.METRIC_TREND,
    FindingType.CHANGE,
    FindingType.CONFIG_DIFF,
    FindingType.LOG_SIGNATURE,
    FindingType.K8S_EVENT,
    FindingType.LOG_TEMPLATE,
    FindingType.ALERT_SIGNATURE,
    FindingType.TOPOLOGY,
]


def facts_from(findings: Sequence[Finding], *, limit: int = 30) -> list[Fact]:
    order = {t: i for i, t in enumerate(_FACT_ORDER)}
    picked = sorted(findings, key=lambda f: order.get(f.type, 99))
    out: list[Fact] = []
    seen: set[str] = set()
    for f in picked:
        if (
            f.type == FindingType.RESOURCE_STATE
            and f.attrs.get("healthy")
            and f.attrs.get("resource") != "lambda"
        ):
            continue
        if f.summary in seen:
            continue
        seen.add(f.summary)
        out.append(Fact(text=f.summary, source=f.source))
        if len(out) >= limit:
            break
    return out
