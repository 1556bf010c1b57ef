"""General mechanisms behind the third-party misses, each on a synthetic case written here: who
emits a throttle, what a change kind can cause, a config reload as change evidence, and the
dependencies of a failing service read one hop down. Lines go through the shipped signature
catalogue, the rules are the shipped YAML."""

from __future__ import annotations

from typing import Any

from bot.investigate.calibrate import mapped
from bot.investigate.classify import AlertView, InvestigationTarget
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import never_silent
from bot.investigate.flows import default_playbooks
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning import conclude
from bot.investigate.reasoning_data import calibration, failure_modes
from bot.investigate.signatures import match_event, match_line
from tests.unit.investigate.test_reasoning import crash, finding


def signed(service: str, line: str, ago: float, level: str = "ERROR", count: int = 60) -> Finding:
    """A mined log template the way ``logs.mine`` builds it: the catalogue's match on its line."""
    hit = match_line(line)
    attrs: dict[str, Any] = {
        "signature": None,
        "count": count,
        "level": level,
        "first_seen_min_ago": ago,
        "template": line,
        "example": line,
        "mentions": None,
    }
    if hit is not None:
        attrs.update(hit.finding_attrs())
    kind = FindingType.LOG_SIGNATURE if hit is not None else FindingType.LOG_TEMPLATE
    return finding(kind, service, f'{service}: {count} line(s) like "{line}"', ago, **attrs)


def _deployment(name: str) -> Finding:
    return finding(
        FindingType.RESOURCE_STATE,
        name,
        f"{name}: deployment shop/{name} wants 2 replica(s)",
        resource="k8s_deployment",
        state="configured",
        healthy=True,
        replicas=2,
        suggested=4,
    )


# ---- who emits the throttle ---------------------------------------------------------------------

GATEWAY = Topology([ServiceNode("quotes-gw", "k8s_deployment", "quotes-gw", "shop")])


def test_a_service_answering_its_clients_429_is_a_load_above_its_limit_not_throttling() -> None:
    own = (
        '10.9.0.7 - - [01/Jul/2025:11:45:02 +0000] "POST /v1/quotes HTTP/1.1" 429 57 "-" '
        '"okhttp/4.12"'
    )
    findings = [signed("quotes-gw", own, 12), _deployment("quotes-gw")]
    done = conclude([], default_playbooks(), findings, GATEWAY)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("traffic_spike", "quotes-gw")
    assert "rate limit" in top.summary
    # more replicas do not raise a limit the service enforces itself: nothing writes first
    assert not any(a.risk != "read" for a in done.actions)
    assert any("scale" in f.text and "withdrawn" in f.text for f in done.facts)
    assert done.next_steps


def test_a_platform_throttling_the_service_is_not_read_as_its_own_limit() -> None:
    platform = (
        "botocore.exceptions.ClientError: An error occurred (TooManyRequestsException) when "
        "calling the Invoke operation (reached max retries: 4): Rate Exceeded."
    )
    findings = [signed("quotes-gw", platform, 12)]
    done = conclude([], default_playbooks(), findings, GATEWAY)
    assert done.hypotheses[0].kind != "traffic_spike"


# ---- what a change kind can cause ----------------------------------------------------------------

SHOP = Topology(
    [
        ServiceNode("storefront", "k8s_deployment", "storefront", "shop", depends_on=("carts",)),
        ServiceNode("carts", "k8s_deployment", "carts", "shop"),
    ]
)


def _change(service: str, ago: float, **detail: Any) -> Finding:
    return finding(
        FindingType.CHANGE,
        service,
        f"{service}: config {ago} min ago by kubectl",
        ago,
        kind="config",
        minutes_ago=ago,
        label="config",
        behavioural=True,
        **detail,
    )


def _timeouts(ago: float) -> Finding:
    return signed("storefront", "dial tcp 10.0.3.7:8080: i/o timeout", ago)


def test_a_network_policy_change_before_its_callers_time_out_is_the_cause() -> None:
    policy = _change("carts", 30, object="networkpolicy/carts-allow-same-tier")
    findings = [policy, _timeouts(28), _deployment("storefront"), _deployment("carts")]
    done = conclude([], default_playbooks(), findings, SHOP)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("network_partition", "carts")
    assert policy.summary in top.evidence and findings[1].summary in top.evidence
    assert not any(a.risk != "read" for a in done.actions)


def test_a_network_policy_before_a_silent_caller_s_errors_rise_is_the_cause() -> None:
    # the caller (a proxy) prints nothing of its calls: its span metrics show the dropped traffic
    policy = _change("carts", 30, object="networkpolicy/carts-ingress")
    errors = finding(
        FindingType.METRIC_SHIFT,
        "storefront",
        "errors (storefront) rose from a baseline of 0.00 28 min ago (step)",
        28,
        signal="errors",
        direction="up",
        shape="step",
        recovered=False,
    )
    findings = [policy, errors, _deployment("storefront"), _deployment("carts")]
    done = conclude([], default_playbooks(), findings, SHOP)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("network_partition", "carts")
    assert policy.summary in top.evidence and errors.summary in top.evidence
    assert done.next_steps and "network path" in done.next_steps[0]


def test_a_security_group_change_by_its_event_name_is_a_network_path_change() -> None:
    sg = finding(
        FindingType.CHANGE,
        "carts",
        "carts: RevokeSecurityGroupIngress 12 min ago",
        12,
        kind="config",
        event_name="RevokeSecurityGroupIngress",
        minutes_ago=12,
        label="RevokeSecurityGroupIngress",
        behavioural=True,
    )
    findings = [sg, signed("storefront", "connect: connection refused", 11)]
    done = conclude([], default_playbooks(), findings, SHOP)
    assert (done.hypotheses[0].kind, done.hypotheses[0].service) == ("network_partition", "carts")


def test_a_network_change_after_the_callers_already_timed_out_explains_nothing() -> None:
    policy = _change("carts", 10, object="networkpolicy/carts-allow-same-tier")
    findings = [policy, _timeouts(40)]
    done = conclude([], default_playbooks(), findings, SHOP)
    assert ("network_partition", "carts") not in {(h.kind, h.service) for h in done.hypotheses}


def test_a_service_config_change_with_no_failure_after_it_blames_nothing() -> None:
    flags = _change("carts", 30, object="configmap/carts-flags")
    findings = [flags, _timeouts(28)]
    done = conclude([], default_playbooks(), findings, SHOP)
    assert ("config_change", "carts") not in {(h.kind, h.service) for h in done.hypotheses}


# ---- a slow alert over a datastore that logs slow statements ----------------------------------

ACCOUNTS = Topology(
    [
        ServiceNode("accounts", "k8s_deployment", "accounts", "id", depends_on=("accounts-pg",)),
        ServiceNode("accounts-pg", "k8s_deployment", "accounts-pg", "id", tier="data"),
    ]
)


def test_a_slow_alert_over_a_datastore_logging_slow_statements_blames_the_datastore() -> None:
    slow = AlertView(name="HighLatency", service="accounts", summary="p95 above 400ms")
    target = InvestigationTarget(alerts=[slow], root_alert=slow)
    statement = (
        "2025-07-01 11:20:00 UTC [88] LOG:  duration: 412.551 ms  statement: SELECT * FROM "
        "sessions WHERE token = 'x'"
    )
    findings = [signed("accounts-pg", statement, 30, level="LOG", count=180)]
    done = conclude([], default_playbooks(), findings, ACCOUNTS, target)
    top = done.hypotheses[0]
    assert (top.kind, top.service) == ("slow_queries", "accounts-pg")
    # under an alert: at most the cap, or what such answers were right about (calibration.yaml)
    cap = failure_modes().alert_cause_cap
    assert top.confidence <= max(cap, mapped(calibration().maps.get("alert", []), cap))
    # a statement that is fast is no slow-query evidence: the alert alone, cause not identified
    quick = signed("accounts-pg", "LOG:  duration: 4.1 ms  statement: SELECT 1", 30, "LOG")
    done = conclude([], default_playbooks(), [quick], ACCOUNTS, target)
    assert (done.hypotheses[0].service, "cause not identified" in done.hypotheses[0].summary) == (
        "accounts",
        True,
    )


# ---- "I don't know why" says what was seen ------------------------------------------------------


def test_an_unknown_cause_names_the_mode_and_what_was_seen_at_a_low_confidence() -> None:
    findings = [crash("carts", exit_code=1)]
    (hyp,) = never_silent(findings, [], SHOP)
    assert hyp.summary.startswith("crash loop on carts; seen: ")
    assert "exit code 1" in hyp.summary and "cause not identified" in hyp.summary
    assert hyp.confidence <= 0.25


# ---- a specific cause over a generic reading ---------------------------------------------------


def _not_ready_with_readiness_404(service: str) -> list[Finding]:
    message = "Readiness probe failed: HTTP probe failed with statuscode: 404"
    hit = match_event("Unhealthy", message)
    assert hit is not None
    event = finding(
        FindingType.K8S_EVENT,
        service,
        f"{service}: Warning Unhealthy x230: {message}",
        1,
        reason="Unhealthy",
        count=230,
        **hit.finding_attrs(),
    )
    pod = finding(
        FindingType.POD_STATE,
        service,
        f"{service}: 1 of 1 container(s) not ready",
        None,
        reason="NotReady",
    )
    return [event, pod]


def _reading(kind: str, service: str) -> Hypothesis:
    return Hypothesis(kind=kind, service=service, confidence=0.45, summary=f"{kind} on {service}")


def test_a_generic_not_ready_reading_yields_to_the_probe_that_explains_it() -> None:
    findings = _not_ready_with_readiness_404("carts")
    generic = _reading("network_partition", "carts")
    done = conclude([generic], default_playbooks(), findings, SHOP)
    assert (done.hypotheses[0].kind, done.hypotheses[0].service) == ("config_change", "carts")
    assert any("not network partition" in a for a in generic.against)


def test_a_reading_that_is_not_a_restatement_keeps_its_rank() -> None:
    findings = _not_ready_with_readiness_404("carts")
    specific = _reading("cpu_saturation", "carts")
    done = conclude([specific], default_playbooks(), findings, SHOP)
    assert done.hypotheses[0].kind == "cpu_saturation"
