"""The words of a storm verdict: what on-call reads next to the root ("root service X
(confidence 0.6, from its own anomalies): its own CPU anomaly at 10:02:03 came 40 s before the
first symptom elsewhere"). Pure functions over the evidence the election used; no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.correlate.elect import StormVerdict

#: how each basis reads in a sentence
BASIS_WORDS = {
    "change": "a change before the symptoms",
    "own": "its own anomalies",
    "lead": "its own anomalies before any symptom",
    "calls": "the anomalous calls",
    "own+calls": "its own anomalies, over the anomalous calls",
}
_LIST_MAX = 3


def clock(at: datetime | None) -> str:
    return at.strftime("%H:%M:%S") if at is not None else "?"


def listed(items: Sequence[str], limit: int = _LIST_MAX) -> str:
    """``a, b, c +2 more``."""
    shown = ", ".join(items[:limit])
    return shown + (f" +{len(items) - limit} more" if len(items) > limit else "")


def lead(at: datetime | None, others: datetime | None, what: str) -> str:
    """``, 40 s before the first symptom elsewhere`` (or after, or at the same second)."""
    if at is None or others is None:
        return ""
    seconds = (others - at).total_seconds()
    if abs(seconds) < 1:
        return f", at the same second as {what}"
    side = "before" if seconds > 0 else "after"
    return f", {abs(seconds):.0f} s {side} {what}"


def anomaly_name(key: str) -> str:
    """A readable name for a detector alert key (``metric:container_cpu_usage_seconds:up`` →
    ``container_cpu_usage_seconds up``)."""
    parts = [p for p in key.split(":") if p]
    if len(parts) > 1 and parts[0].lower() in {"metric", "log", "trace"}:
        parts = parts[1:]
    return " ".join(parts) or key


def own_why(
    entity: str,
    anomalies: dict[str, float],
    siblings: int,
    excess: float,
    first_at: datetime | None,
    symptoms_at: datetime | None,
) -> str:
    names = [anomaly_name(k) for k, _ in sorted(anomalies.items(), key=lambda kv: -kv[1])]
    against = (
        f"stand out from its {siblings} sibling replica{'s' if siblings != 1 else ''} by {excess:g}"
        if siblings
        else f"weigh {excess:g} and no sibling replica shows any"
    )
    return (
        f"{entity}'s own anomalies ({listed(names)}) {against}; the first at {clock(first_at)}"
        + lead(first_at, symptoms_at, "the first symptom (a slow or failing call, latency, errors)")
    )


def lead_why(
    entity: str,
    anomalies: dict[str, float],
    at: datetime,
    symptoms_at: datetime,
    others: Sequence[str],
) -> str:
    names = [anomaly_name(k) for k, _ in sorted(anomalies.items(), key=lambda kv: -kv[1])]
    also = f"; {listed(list(others))} also had anomalies of their own that early" if others else ""
    return (
        f"{entity}'s own anomalies ({listed(names)}) began at {clock(at)}"
        + lead(at, symptoms_at, "the first symptom (a slow or failing call, latency, errors)")
        + also
    )


def calls_why(
    service: str,
    callers: Iterable[str],
    first_at: datetime | None,
    calls_out: bool,
    held: float,
    runner_up: str | None,
    second: float,
) -> str:
    seen_by = sorted(set(callers))
    who = (
        f"{len(seen_by)} caller{'s' if len(seen_by) != 1 else ''} ({listed(seen_by)}) see "
        if seen_by
        else "its callers' spans show "
    )
    itself = "its own calls are anomalous too" if calls_out else "it makes no anomalous call itself"
    since = f" from {clock(first_at)}" if first_at is not None else ""
    return f"{who}{service} slow or failing{since}; {itself}; {blamed(held, runner_up, second)}"


def caller_why(
    service: str, deps: Sequence[str], held: float, runner_up: str | None, second: float
) -> str:
    return (
        f"{service} finds {len(deps)} of its dependencies ({listed(deps)}) slow or failing while "
        f"their other callers mostly do not: it is the common factor of its anomalous calls; "
        + blamed(held, runner_up, second)
    )


def per_caller_why(service: str, fan_in: int, leader: str, leader_fan_in: int) -> str:
    """Why a callee with less of the blame than ``leader`` was named: per calling service."""
    return (
        f"; per calling service it holds more ({_callers(fan_in)} against {leader}'s "
        f"{_callers(leader_fan_in)}: a callee of many callers collects anomalous calls from "
        "each, whatever its own health)"
    )


def _callers(n: int) -> str:
    return f"{n} calling service{'s' if n != 1 else ''}"


def blamed(held: float, runner_up: str | None, second: float) -> str:
    against = f"; next {runner_up} with {second:.1f}" if runner_up else ""
    return f"{held:.1f} of the blame{against}"


def change_why(service: str, at: datetime | None, first_symptom: datetime | None) -> str:
    return f"a change on {service} at {clock(at)}" + lead(at, first_symptom, "the first symptom")


def describe(service: str, basis: str, confidence: float, why: str) -> str:
    """One line: the root service, the confidence, the basis and its evidence."""
    words = BASIS_WORDS.get(basis, basis)
    return f"root service {service} (confidence {confidence:.2f}, from {words}): {why}"


def describe_verdict(verdict: StormVerdict) -> str:
    return describe(verdict.service, verdict.basis, verdict.confidence, verdict.why)
