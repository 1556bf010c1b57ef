"""Final confidences: what each hypothesis may claim, from the structure of its evidence and
from how often answers on the same basis were right.

The one place where the confidences the answer shows are set (``final_confidences``), after
every rule has ranked and before actions are chosen. Rules in
``playbooks/reasoning/calibration.yaml``, in three stages:

1. structure (``readings``): a hypothesis supported by a single weak finding (a metric that
   moved, a log line: a symptom, not its cause) claims at most ``single_weak_cap``; the leader,
   when it names a cause from facts read (not partly from what an alert says) and no competitor
   is close, closes part of its headroom for each independent kind of evidence beyond the first
   and for a catalogue signature in what the system printed; hypotheses ranked below it claim
   ``runner_up_share``;
2. a fitted map per basis (``basis_of``: leader, unknown, alert, runner_up, steady) takes that
   structural confidence to the share of such hypotheses that were right (``maps``, written by
   ``tests/bench/calibration_fit.py --write``; a basis without one keeps its value);
3. an incident has one root cause, so the hypotheses compete for it: in rank order, each claims
   at most what the stronger ones leave (one minus the sum of theirs), never below ``floor``;
   a healthy system is quiet: a hypothesis whose every cited finding is an error line of a
   service that looks steady (``steady``: pods ready with no restart, no alert reporting a
   failure, its lines printed once or recurring at their earlier rate) claims at most
   ``steady_cap``, with why in its ``against``.

The order is kept: a hypothesis never claims more than the one ranked above it. Anything that
adjusts confidence later (history of similar incidents) belongs here, as one more step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.investigate.models import Finding, Hypothesis
from bot.investigate.reasoning_data import Basis, Calibration, calibration
from bot.investigate.steady import LOG_TYPES, QUIET_TYPES


def _single_weak(hyp: Hypothesis, by_summary: dict[str, Finding], rules: Calibration) -> bool:
    cited = _cited(hyp, by_summary)
    return len(cited) == 1 and str(cited[0].type) in rules.weak_types and len(hyp.evidence) == 1


def _cited(hyp: Hypothesis, by_summary: dict[str, Finding]) -> list[Finding]:
    return [by_summary[e] for e in hyp.evidence if e in by_summary]


def _assumed(hyp: Hypothesis, by_summary: dict[str, Finding]) -> bool:
    """It rests wholly or partly on an alert's own words (an evidence line no finding says)."""
    return any(e not in by_summary for e in hyp.evidence)


def strength_gain(
    hyp: Hypothesis, runner_up: float, by_summary: dict[str, Finding], rules: Calibration
) -> float:
    """The share of the leader's headroom its evidence earns (0 when it earns none)."""
    if hyp.confidence <= rules.identified_above or hyp.confidence - runner_up < rules.close_margin:
        return 0.0
    if _assumed(hyp, by_summary):
        return 0.0
    cited = _cited(hyp, by_summary)
    kinds = {str(f.type) for f in cited} - set(rules.context_types)
    signed = any(f.attrs.get("signature") or f.attrs.get("signature_id") for f in cited)
    gain = rules.corroboration_gain * max(0, len(kinds) - 1)
    return min(1.0, gain + (rules.signature_gain if signed else 0.0))


def _steady(
    hyp: Hypothesis,
    by_summary: dict[str, Finding],
    steady: Mapping[str, str],
) -> str | None:
    """Why the hypothesis rests only on the error lines of steady services, else None."""
    cited = _cited(hyp, by_summary)
    if not cited or any(f.service not in steady or f.type not in LOG_TYPES for f in cited):
        return None
    if hyp.service not in steady and any(  # what it blames shows something of its own
        f.service == hyp.service and f.type not in QUIET_TYPES for f in by_summary.values()
    ):
        return None
    return steady[str(cited[0].service)]


def basis_of(
    index: int,
    hyp: Hypothesis,
    by_summary: dict[str, Finding],
    rules: Calibration,
    quiet: str | None,
) -> Basis:
    """What the hypothesis's confidence rests on: ``steady`` (only the lines of a service that
    looks steady), ``runner_up`` (ranked below another), ``alert`` (the leader, resting wholly or
    partly on an alert's own words), ``unknown`` (the leader, cause not identified), else
    ``leader`` (the leader, naming a cause from facts read)."""
    if quiet is not None:
        return "steady"
    if index > 0:
        return "runner_up"
    if _assumed(hyp, by_summary):
        return "alert"
    if hyp.confidence <= rules.identified_above:
        return "unknown"
    return "leader"


@dataclass(frozen=True)
class Reading:
    """What calibration read of one hypothesis: its basis, its confidence after the structural
    rules (before its basis's fitted map), and why its service looks steady (else None)."""

    basis: Basis
    structural: float
    quiet: str | None = None


def readings(
    hypotheses: Sequence[Hypothesis],
    findings: Sequence[Finding],
    rules: Calibration,
    steady: Mapping[str, str] | None = None,
) -> list[Reading]:
    """Per hypothesis (in rank order), what calibration reads before the competition for the
    one root cause: the single-weak cap, the leader's evidence gain, the runners-up's share."""
    by_summary = {f.summary: f for f in findings}
    out = []
    for index, hyp in enumerate(hypotheses):
        conf = hyp.confidence
        if _single_weak(hyp, by_summary, rules):
            conf = min(conf, rules.single_weak_cap)
        if index == 0:
            runner_up = hypotheses[1].confidence if len(hypotheses) > 1 else 0.0
            gain = strength_gain(hyp, runner_up, by_summary, rules)
            conf = min(rules.ceiling, max(conf, conf + (1.0 - conf) * gain))
        else:
            conf *= rules.runner_up_share
        quiet = _steady(hyp, by_summary, steady) if steady else None
        out.append(Reading(basis_of(index, hyp, by_summary, rules, quiet), conf, quiet))
    return out


def mapped(points: Sequence[tuple[float, float]], x: float) -> float:
    """``x`` through a monotone piecewise-linear map (flat beyond its ends; none: unchanged)."""
    if not points:
        return x
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def final_confidences(
    hypotheses: Sequence[Hypothesis],
    findings: Sequence[Finding],
    rules: Calibration | None = None,
    steady: Mapping[str, str] | None = None,
) -> None:
    """Set each hypothesis's final confidence in place; ``hypotheses`` is in rank order.
    ``steady``: the services that look steady (``steady.steady_services``), with why.

    Each also gets ``rules_confidence``: the same stages with no fitted map (the rules' own
    scale). The maps move the level shown to the share right; the decision that asks whether the
    rules explained the incident (``llm_hypotheses.unexplained``) reads the rules' scale, so a
    refit of the maps does not change when the model is asked."""
    rules = rules or calibration()
    reads = readings(hypotheses, findings, rules, steady)
    shown = _competing(reads, rules, rules.maps)
    own = _competing(reads, rules, {}) if rules.maps else shown
    for hyp, read, conf, unmapped in zip(hypotheses, reads, shown, own, strict=True):
        if read.quiet is not None:
            hyp.against.append(read.quiet)
        hyp.confidence = conf
        hyp.rules_confidence = unmapped


def _competing(
    reads: Sequence[Reading],
    rules: Calibration,
    maps: Mapping[Basis, Sequence[tuple[float, float]]],
) -> list[float]:
    """Stages 2 and 3 over the readings in rank order: each basis's map (``maps``), then the
    competition for the one root cause, the steady cap and the rank order."""
    out: list[float] = []
    claimed = 0.0
    above: float | None = None
    for read in reads:
        conf = ceiling = min(rules.ceiling, mapped(maps.get(read.basis, ()), read.structural))
        if rules.exclusive:
            conf = min(conf, max(rules.floor, 1.0 - claimed))
        if read.quiet is not None:
            conf = min(conf, rules.steady_cap)
        if above is not None:
            conf = min(conf, above)
        conf = round(max(min(conf, ceiling), 0.0), 3)
        out.append(conf)
        claimed += conf
        above = conf
    return out
