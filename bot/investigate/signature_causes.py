"""What the pods' own signatures say about the root cause, over the generic reading of a symptom.

A pod that is Pending reads as "the cluster is out of room" to a playbook that sees only the
phase; the scheduler's event may say instead that a secret is missing or that no node carries
the labels the spec asks for. The catalogue entry that matched the event or the pod state
carries a cause kind (``playbooks/signatures``); ``playbooks/reasoning/signature_causes.yaml``
maps cause kinds to the root-cause kinds hypotheses use. For each service whose pods or events
matched a mapped entry, the first family that holds (data order) gives the service a hypothesis
of its root kind (or raises the existing one to the family's confidence, unless a playbook
weighed evidence against it: an OOM kill that a steady memory climb explains stays below the
leak), and the hypotheses on the same service it ``corrects`` drop below it and say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.investigate.explains import rank_below
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import SignatureCauses, SignatureFamily, signature_causes

PLAYBOOK = "reasoning:signatures"


@dataclass(frozen=True)
class Verdict:
    service: str
    family: SignatureFamily
    finding: Finding


def _attr(finding: Finding, key: str) -> str | None:
    value = finding.attrs.get(key)
    return str(value) if value is not None else None


def verdicts(findings: Sequence[Finding], rules: SignatureCauses | None = None) -> list[Verdict]:
    """Per service, the first family (data order) one of its pod or event findings holds for."""
    rules = rules or signature_causes()
    order = {f.name: i for i, f in enumerate(rules.families)}
    read = set(rules.finding_types).union(*(f.finding_types for f in rules.families))
    failing_pods = {f.service for f in findings if f.type == FindingType.POD_STATE}
    best: dict[str, Verdict] = {}
    for finding in findings:
        if finding.type not in read or not finding.service:
            continue
        fam = rules.family(_attr(finding, "cause_kind"), _attr(finding, "signature_id"))
        if fam is None or finding.type not in (fam.finding_types or rules.finding_types):
            continue
        if fam.pods_healthy and finding.service in failing_pods:
            continue
        have = best.get(finding.service)
        if have is None or order[fam.name] < order[have.family.name]:
            best[finding.service] = Verdict(finding.service, fam, finding)
    return list(best.values())


def apply(hypotheses: list[Hypothesis], findings: Sequence[Finding]) -> list[Hypothesis]:
    """Raise or add the signature's root kind per service, demote what it contradicts; returns
    the hypotheses added (the caller's list is changed in place for the rest)."""
    added: list[Hypothesis] = []
    for v in verdicts(findings):
        fam, hit = v.family, v.finding
        said = hit.summary.split(": ", 1)[-1][:200]  # the finding without its service prefix
        why = f"{said}: {fam.because}"
        same = next((h for h in hypotheses if (h.kind, h.service) == (fam.root, v.service)), None)
        if same is None:
            same = Hypothesis(
                kind=fam.root,
                service=v.service,
                confidence=fam.confidence,
                summary=f"{v.service}: {fam.because} ({said})",
                evidence=[hit.summary],
                playbook=PLAYBOOK,
            )
            added.append(same)
        elif same.against:  # a playbook weighed evidence against this reading: it stands
            continue
        else:
            same.confidence = max(same.confidence, fam.confidence)
            if hit.summary not in same.evidence:
                same.evidence.insert(0, hit.summary)
        for hyp in hypotheses:
            if hyp.service != v.service or hyp.kind not in fam.corrects:
                continue
            reason = f"{why}, not {hyp.kind.replace('_', ' ')}"
            rank_below(hyp, same.confidence, fam.penalty, reason)
    return added
