"""The port through which past outcomes weigh on an investigation (``bot.learn`` implements it).

``conclude`` hands the ranked hypotheses and, per hypothesis, the registry actions it would
recommend to ``Experience.weigh`` with the ``Case`` (what this incident looks like); what comes
back are the same hypotheses with history's bounded adjustment applied and the reason added to
their evidence, and per action that history has an opinion on a note and a shift: among the
actions one hypothesis recommends, the one that fixed similar incidents comes first. Without an
``Experience`` (no store, a unit test) nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.investigate.context import Topology
from bot.investigate.models import Classification, Finding, Hypothesis
from bot.topology import EXTERNAL


@dataclass(frozen=True)
class Case:
    """What the incident looks like, in the terms outcomes are filed under."""

    incident_class: str
    platforms: tuple[str, ...] = ()  # the kinds of the services looked at (k8s_deployment, rds…)
    signatures: tuple[str, ...] = ()  # failure signature families the findings matched
    alerts: tuple[str, ...] = ()  # alert names


@dataclass
class Weighed:
    hypotheses: list[Hypothesis]
    action_notes: dict[str, str] = field(default_factory=dict)  # action name → reason
    action_shift: dict[str, float] = field(default_factory=dict)  # action name → ± (bounded)


Weigh = Callable[[list[Hypothesis], Callable[[Hypothesis], list[str]]], Weighed]


class Experience(Protocol):
    def weigh(
        self,
        case: Case,
        hypotheses: list[Hypothesis],
        actions_of: Callable[[Hypothesis], list[str]],
    ) -> Weighed: ...


def case_of(
    classification: Classification,
    findings: Sequence[Finding],
    topo: Topology,
    alerts: Sequence[str] = (),
) -> Case:
    """The ``Case`` of an investigation: its class, the kinds of its target services, the
    failure signatures its findings matched and its alert names (each sorted, deduplicated)."""
    services = set(classification.targets) or {f.service for f in findings if f.service}
    nodes = [topo.get(s) for s in services]
    platforms = {n.kind for n in nodes if n is not None and n.kind != EXTERNAL}
    signatures = {str(f.get("signature")) for f in findings if f.get("signature")}
    return Case(
        incident_class=classification.incident_class,
        platforms=tuple(sorted(platforms)),
        signatures=tuple(sorted(signatures)),
        alerts=tuple(sorted({a for a in alerts if a})),
    )
