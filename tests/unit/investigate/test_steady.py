"""A healthy system is quiet (issue 15 pt 6): a failure hypothesis resting only on error lines
printed once by a service whose pods are Running and ready with no restart, while no alert
reports a failure, claims at most ``steady_cap`` and says why; the same line recurring, a pod
restarting or an alert reporting a failure keeps the confident reading. Made-up worlds, run in
process through the real flow (``investigate_incident``) and the calibration step alone."""

from __future__ import annotations

from bot.investigate import InvestigationContext, Topology, investigate_incident
from bot.investigate.calibrate import final_confidences
from bot.investigate.models import Finding, FindingType, Hypothesis, InvestigationResult
from bot.investigate.reasoning_data import calibration
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.investigate.views import incident_view
from sandbox.scenario import parse_scenario_text

WORLD = """
version: 1
name: canned-errors-on-a-healthy-pod
summary: "a pod prints a canned error story at start and runs on"
now: "2025-09-04T10:00:00Z"
services:
  - name: tide-app
    tier: app
    runs_on: {kind: k8s_deployment, namespace: sea, name: tide-app}
    depends_on: []
kubernetes:
  deployments:
    - {namespace: sea, name: tide-app, replicas: 1,
       revisions: [{revision: 1, image: t:1, at: -9d}]}
  pods:
    - {namespace: sea, name: tide-app-7e8f9-z1, owner: tide-app, phase: Running, node: n-1,
       containers: [{name: app, ready: true, restart_count: RESTARTS}]}
logs:
  - source: k8s:sea/tide-app-7e8f9-z1/app
    lines:
      - {at: -2m, level: INFO, text: "tide-app starting"}
      - {at: FROM, level: ERROR, text: "Database connection pool exhausted", repeat: REPEAT,
         every: EVERY}
BURST
      - {at: -2m, level: INFO, text: "tide-app ready"}
alerts:
  - {id: a1, at: -1m, format: generic, name: Question, severity: SEVERITY, service: tide-app,
     labels: {namespace: sea}, summary: "show me the logs of tide-app"}
"""


BURST = """      - {at: -50m, level: ERROR, text: "Database connection pool exhausted", repeat: N,
         every: 1m}
"""


def _run(
    restarts: int = 0,
    repeat: int = 1,
    severity: str = "info",
    since: str = "-2m",
    every: str = "5s",
    burst: int = 0,
) -> InvestigationResult:
    text = (
        WORLD.replace("RESTARTS", str(restarts))
        .replace("REPEAT", str(repeat))
        .replace("SEVERITY", severity)
        .replace("FROM", since)
        .replace("EVERY", every)
        .replace("BURST\n", BURST.replace("N", str(burst)) if burst else "")
    )
    scenario = parse_scenario_text(text).scenario
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    return investigate_incident(ctx, incident_view(scenario.alerts, "a1"))


def test_an_error_printed_once_by_a_steady_pod_claims_little() -> None:
    result = _run()
    assert result.hypotheses, "silent"
    top = result.hypotheses[0]
    assert top.service == "tide-app"
    assert top.confidence <= calibration().steady_cap
    assert any("looks steady" in a and "0 restart(s)" in a for a in top.against)


def test_the_same_line_recurring_keeps_the_confident_reading() -> None:
    top = _run(repeat=20).hypotheses[0]
    assert top.confidence > calibration().steady_cap
    assert not any("looks steady" in a for a in top.against)


def test_a_restarting_pod_is_not_steady() -> None:
    top = _run(restarts=2).hypotheses[0]
    assert top.confidence > calibration().steady_cap


def test_an_alert_reporting_a_failure_is_not_quiet() -> None:
    top = _run(severity="critical").hypotheses[0]
    assert top.confidence > calibration().steady_cap


def test_a_line_recurring_at_its_rate_of_days_before_is_routine() -> None:
    # every 30 minutes for three days, the question's window (6 h) included: not an onset
    top = _run(since="-3d", every="30m", repeat=144).hypotheses[0]
    assert top.confidence <= calibration().steady_cap
    assert any("recurring at its earlier rate" in a for a in top.against)


def test_a_line_that_grew_in_the_window_is_an_onset() -> None:
    top = _run(since="-3d", every="30m", repeat=144, burst=40).hypotheses[0]
    assert top.confidence > calibration().steady_cap
    assert not any("looks steady" in a for a in top.against)


def test_a_line_first_seen_in_the_window_is_an_onset() -> None:
    top = _run(since="-2h", every="30m", repeat=4).hypotheses[0]
    assert top.confidence > calibration().steady_cap


def test_a_burst_that_stopped_before_the_window_is_a_past_failure_not_routine() -> None:
    top = _run(since="-9h", every="10s", repeat=30).hypotheses[0]
    assert top.confidence > calibration().steady_cap


LINE = Finding(
    type=FindingType.LOG_SIGNATURE,
    service="api",
    summary='api: 1 line(s) like "pool exhausted"',
    source="k8s:prod/api-1/app",
    attrs={"signature": "pool_exhausted", "count": 1, "level": "ERROR"},
)


def test_calibration_caps_the_leader_and_keeps_the_order() -> None:
    first = Hypothesis(
        kind="a", service="api", confidence=0.5, summary="a", evidence=[LINE.summary]
    )
    second = Hypothesis(kind="b", service="db", confidence=0.3, summary="b", evidence=["other"])
    final_confidences([first, second], [LINE], steady={"api": "api looks steady: why"})
    assert first.confidence == calibration().steady_cap
    assert first.against == ["api looks steady: why"]
    assert second.confidence <= first.confidence
    untouched = Hypothesis(
        kind="a", service="api", confidence=0.5, summary="a", evidence=[LINE.summary]
    )
    final_confidences([untouched], [LINE])
    assert untouched.confidence > calibration().steady_cap


def test_a_blamed_dependency_that_shows_a_failure_of_its_own_is_not_quieted() -> None:
    down = Finding(
        type=FindingType.POD_STATE,
        service="db",
        summary="db: 1 of 1 pod(s) CrashLoopBackOff",
        source="k8s:pods/prod/db",
        attrs={"reason": "CrashLoopBackOff"},
    )
    blamed = Hypothesis(
        kind="database_unavailable",
        service="db",
        confidence=0.5,
        summary="db",
        evidence=[LINE.summary],
    )
    final_confidences([blamed], [LINE, down], steady={"api": "api looks steady: why"})
    assert blamed.confidence > calibration().steady_cap


class _Counting(ScenarioEvidence):
    """The scenario's own evidence, counting how often a log source is read."""

    reads = 0

    def read_logs(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        type(self).reads += 1
        return super().read_logs(*args, **kwargs)


def test_each_log_source_is_read_again_once_not_once_per_line() -> None:
    from datetime import timedelta

    from bot.investigate.steady import _routine

    text = (
        WORLD.replace("RESTARTS", "0")
        .replace("REPEAT", "144")
        .replace("SEVERITY", "info")
        .replace("FROM", "-3d")
        .replace("EVERY", "30m")
        .replace(
            "BURST\n",
            BURST.replace("N", "144")
            .replace("-50m", "-3d")
            .replace("pool exhausted", "replica lag high")
            .replace("1m", "30m"),
        )
    )
    scenario = parse_scenario_text(text).scenario
    ctx = InvestigationContext(_Counting(scenario), Topology.from_specs(scenario.services))
    source = scenario.logs[0].source
    first = ctx.now() - timedelta(days=3)

    def line(template: str) -> Finding:
        attrs = {"count": 144, "level": "ERROR", "template": template, "log_source": source}
        return Finding(
            type=FindingType.LOG_TEMPLATE,
            service="tide-app",
            summary=template,
            source=source,
            at=first,
            attrs=attrs,
        )

    said = [
        line("Database connection pool exhausted"),
        line("Database connection replica lag high"),
    ]
    _Counting.reads = 0
    why = _routine(ctx, said, calibration())
    assert why is not None and why.count("recurring at its earlier rate") == 2
    assert _Counting.reads == 1
