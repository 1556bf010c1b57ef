"""A dependency that went quiet while its callers wait: the path to it drops or delays packets.

A caller becomes slow or fails, and at that moment one service it calls does much less work (its
CPU or request rate falls) while showing no failure of its own (no pod state, warning event or
error line). Its callers' requests do not reach it, or its answers do not come back: the network
path to it is the cause (``kind``), said at a moderate confidence since the network is inferred,
not seen. The callers' readings that only restate their wait rank below it. Rules in
``playbooks/reasoning/quiet_callee.yaml``; no service is named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pydantic import Field

from bot.investigate.blame import fails_itself
from bot.investigate.context import Topology
from bot.investigate.explains import lead, lead_confidence, rank_below
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import CauseMargin, load

PLAYBOOK = "reasoning:quiet_callee"


class QuietCallee(CauseMargin):
    activity_signals: list[str] = Field(min_length=1)
    max_rel_change: float = Field(lt=0.0, ge=-1.0)
    window_minutes: float = Field(gt=0.0)
    caller_signals: list[str] = Field(min_length=1)
    because: str


@lru_cache(maxsize=1)
def quiet_callee_rules() -> QuietCallee:
    return load(QuietCallee, "quiet_callee.yaml")


def _shift(f: Finding, signals: Sequence[str], direction: str) -> bool:
    return (
        f.type == FindingType.METRIC_SHIFT
        and f.attrs.get("signal") in signals
        and f.attrs.get("direction") == direction
        and not f.attrs.get("recovered")
    )


def _onset(f: Finding) -> float | None:
    value = f.attrs.get("onset_min_ago")
    return float(value) if isinstance(value, int | float) else None


def _quiet(service: str, findings: Sequence[Finding], rules: QuietCallee) -> Finding | None:
    drops = [
        f
        for f in findings
        if f.service == service
        and _shift(f, rules.activity_signals, "down")
        and float(f.attrs.get("rel_change") or 0.0) <= rules.max_rel_change
    ]
    return min(drops, key=lambda f: float(f.attrs.get("rel_change") or 0.0), default=None)


def apply(
    hypotheses: list[Hypothesis], findings: Sequence[Finding], topo: Topology
) -> list[Hypothesis]:
    """Add (or raise) the quiet callee's hypothesis for each waiting caller and rank the caller
    readings it explains below it; returns the hypotheses added (those given are changed in
    place, not extended)."""
    rules = quiet_callee_rules()
    added: list[Hypothesis] = []
    for caller in topo.names():
        waits = [
            f for f in findings if f.service == caller and _shift(f, rules.caller_signals, "up")
        ]
        if not waits:
            continue
        quiet = []
        for dep in topo.depends_on(caller):
            drop = _quiet(dep, findings, rules)
            if drop is None or fails_itself(dep, findings):
                continue
            began = _onset(drop)
            if began is not None and any(
                (o := _onset(w)) is not None and abs(o - began) <= rules.window_minutes
                for w in waits
            ):
                quiet.append((dep, drop))
        if len(quiet) != 1:  # none, or several: the caller's own side, not one path
            continue
        service, drop = quiet[0]
        known = [*hypotheses, *added]
        explained = [
            h
            for h in known
            if h.service in {caller, *topo.dependents(caller)}
            and h.kind in rules.explained_kinds
            and (h.kind, h.service) != (rules.kind, service)
        ]
        drop_pct = f"{-100 * float(drop.attrs.get('rel_change') or 0.0):.0f}"
        because = rules.because.format(
            caller=caller, service=service, metric=drop.attrs.get("metric"), drop=drop_pct
        )
        same = next((h for h in known if (h.kind, h.service) == (rules.kind, service)), None)
        cause = Hypothesis(
            kind=rules.kind,
            service=service,
            confidence=lead_confidence(explained, rules),
            summary=because,
            evidence=[drop.summary, *(w.summary for w in waits)],
            playbook=PLAYBOOK,
        )
        leader = lead(same, cause, added)
        if leader is None:
            continue
        for h in explained:
            reason = f"explained by the path to {service}, which went quiet as it waited"
            rank_below(h, leader.confidence, rules.margin, reason)
    return added
