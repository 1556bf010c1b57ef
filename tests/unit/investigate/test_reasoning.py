"""The reasoning after the playbooks: never silent, change relevance, causes outside, topology and
time, no harmful fixes. Findings are built the way the primitives build them; the rules are the
shipped YAML (playbooks/reasoning/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.investigate import outside, relevance
from bot.investigate.context import ServiceNode, Topology
from bot.investigate.fallback import failing_services, never_silent
from bot.investigate.flows import default_playbooks
from bot.investigate.harm import recommend_safely
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.primitives.changes import actor_kind
from bot.investigate.reasoning import conclude
from bot.investigate.reasoning_data import (
    REASONING_DIR,
    ChangeRelevance,
    FailureModes,
    Harm,
    Outside,
    ServiceWords,
    failure_modes,
    load,
)

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def topo() -> Topology:
    return Topology(
        [
            ServiceNode("web", "k8s_deployment", "web", "shop", depends_on=("orders",)),
            ServiceNode("orders", "k8s_deployment", "orders", "shop", depends_on=("orders-db",)),
            ServiceNode("orders-db", "rds", "orders-db-1"),
        ]
    )


def finding(
    type_: FindingType, service: str, summary: str, ago: float | None = None, **attrs: Any
) -> Finding:
    at = NOW - timedelta(minutes=ago) if ago is not None else None
    return Finding(type=type_, service=service, summary=summary, source="test", attrs=attrs, at=at)


def crash(service: str, exit_code: int = 1, reason: str = "Error") -> Finding:
    return finding(
        FindingType.POD_STATE,
        service,
        f"{service}: 3 of 3 pod(s) last terminated with {reason} (exit code {exit_code})",
        reason=reason,
        last_terminated=True,
        count=3,
        pods=3,
        exit_code=exit_code,
        restarts=14,
    )


def errors_up(service: str, ago: float) -> Finding:
    return finding(
        FindingType.METRIC_SHIFT,
        service,
        f"errors ({service}) rose {ago} min ago",
        ago,
        signal="errors",
        direction="up",
        recovered=False,
        onset_min_ago=ago,
    )


def log_line(service: str, text: str, ago: float, count: int = 40, **attrs: Any) -> Finding:
    return finding(
        FindingType.LOG_TEMPLATE,
        service,
        f'{service}: {count} line(s) like "{text}"',
        ago,
        level="ERROR",
        count=count,
        template=text,
        example=text,
        first_seen_min_ago=ago,
        **attrs,
    )


# ---- the data loads and refuses typos -------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (ServiceWords, "service_words.yaml"),
        (FailureModes, "failure_modes.yaml"),
        (ChangeRelevance, "change_relevance.yaml"),
        (Outside, "outside.yaml"),
        (Harm, "harm.yaml"),
    ],
)
def test_shipped_rules_load(model: type, name: str) -> None:
    assert load(model, name)


def test_a_misspelt_key_is_an_error_naming_file_and_key(tmp_path: Any) -> None:
    text = (REASONING_DIR / "failure_modes.yaml").read_text()
    typo = text.replace("kind_by_platform", "kind_by_platfrom")
    (tmp_path / "failure_modes.yaml").write_text(typo)
    with pytest.raises(ConfigError, match=r"failure_modes.yaml: modes\.\d+\.kind_by_platfrom"):
        load(FailureModes, "failure_modes.yaml", tmp_path)


# ---- never silent -------------------------------------------------------------------------------


def test_a_crash_loop_with_no_known_signature_says_cause_not_identified() -> None:
    findings = [crash("orders")]
    added = never_silent(findings, [], topo())
    assert len(added) == 1
    hyp = added[0]
    assert hyp.service == "orders"
    assert "crash loop" in hyp.summary and "cause not identified" in hyp.summary
    assert hyp.confidence <= 0.3
    assert findings[0].summary in hyp.evidence


def test_the_most_specific_supported_cause_is_named() -> None:
    findings = [crash("orders", 137, "OOMKilled")]
    (hyp,) = never_silent(findings, [], topo())
    assert (hyp.kind, hyp.service) == ("oom_killed", "orders")
    assert hyp.confidence > failure_modes().unknown_confidence


def test_a_cause_on_a_failing_dependency_blames_the_dependency() -> None:
    findings = [
        errors_up("orders", 10),
        finding(
            FindingType.RESOURCE_STATE,
            "orders-db",
            "orders-db: RDS instance status is stopped",
            resource="rds",
            state="stopped",
            healthy=False,
        ),
    ]
    added = never_silent(findings, [], topo())
    assert ("dependency_failure", "orders-db") in {(h.kind, h.service) for h in added}


def test_a_service_a_hypothesis_covers_gets_nothing_more() -> None:
    findings = [crash("orders")]
    existing = Hypothesis(
        kind="crashloop_bad_config", service="orders", confidence=0.8, summary="x"
    )
    assert never_silent(findings, [existing], topo()) == []


def test_healthy_facts_add_nothing() -> None:
    ok = finding(FindingType.RESOURCE_STATE, "orders-db", "available", resource="rds", healthy=True)
    assert never_silent([ok], [], topo()) == []


def test_the_upstream_service_that_failed_first_leads() -> None:
    findings = [errors_up("web", 5), crash("orders"), errors_up("orders", 12)]
    added = {h.service: h for h in never_silent(findings, [], topo())}
    assert added["orders"].confidence > added["web"].confidence
    assert any("orders" in a for a in added["web"].against)


# ---- change relevance -----------------------------------------------------------------------


def _config_change(key: str, ago: float, service: str = "orders") -> Finding:
    return finding(
        FindingType.CHANGE,
        service,
        f"{service}: config {key} {ago} min ago",
        ago,
        kind="config",
        key=key,
        minutes_ago=ago,
        label=f"config {key}",
        behavioural=True,
    )


def _blame(change: Finding) -> Hypothesis:
    return Hypothesis(
        kind="config_change",
        service=change.service or "",
        confidence=0.7,
        summary="a config change did it",
        evidence=[change.summary],
        change=str(change.attrs["label"]),
    )


def test_a_log_level_change_is_shown_as_probably_unrelated_and_loses_rank() -> None:
    change = _config_change("LOG_LEVEL", 30)
    findings = [change, errors_up("orders", 20)]
    hyp = _blame(change)
    facts = relevance.apply([hyp], findings, failing_services(findings, topo()), topo())
    assert hyp.confidence < 0.7
    assert any("recent, probably unrelated" in a and "logging" in a for a in hyp.against)
    assert any(f.text.startswith("recent, probably unrelated") for f in facts)


def test_a_change_after_the_symptom_began_is_unrelated() -> None:
    change = _config_change("DB_POOL_SIZE", 5)
    findings = [change, errors_up("orders", 20)]
    hyp = _blame(change)
    relevance.apply([hyp], findings, failing_services(findings, topo()), topo())
    assert hyp.confidence < 0.7
    assert any("after the symptom began" in a for a in hyp.against)


def test_a_change_before_its_own_failure_counts_though_a_caller_failed_earlier() -> None:
    """The onset is the service's own first failure when it shows one: its caller also calls
    another service, whose earlier failure the caller reported first."""
    shop = Topology(
        [
            ServiceNode("web", "k8s_deployment", "web", "shop", depends_on=("orders", "billing")),
            ServiceNode("orders", "k8s_deployment", "orders", "shop"),
            ServiceNode("billing", "k8s_deployment", "billing", "shop"),
        ]
    )
    change = _config_change("DB_POOL_SIZE", 20)
    findings = [change, errors_up("web", 30), errors_up("billing", 31), errors_up("orders", 15)]
    hyp = _blame(change)
    relevance.apply([hyp], findings, failing_services(findings, shop), shop)
    assert hyp.confidence == 0.7 and not hyp.against


def test_a_behavioural_change_before_the_symptom_keeps_its_rank() -> None:
    change = _config_change("DB_POOL_SIZE", 30)
    findings = [change, errors_up("orders", 20)]
    hyp = _blame(change)
    facts = relevance.apply([hyp], findings, failing_services(findings, topo()), topo())
    assert hyp.confidence == 0.7 and not hyp.against and not facts


def test_a_deploy_to_a_caller_of_a_dependency_already_failing_is_unrelated() -> None:
    deploy = finding(
        FindingType.CHANGE,
        "web",
        "web: deployment v2 10 min ago",
        10,
        kind="deployment",
        minutes_ago=10,
        label="v2",
    )
    findings = [deploy, crash("orders"), errors_up("orders", 25), errors_up("web", 8)]
    reason = relevance.unrelated_reason(
        deploy, findings, failing_services(findings, topo()), topo()
    )
    assert reason is not None and "orders" in reason


# ---- causes outside -------------------------------------------------------------------------


def test_a_failing_third_party_host_ranks_first_over_the_callers_pool() -> None:
    findings = [
        log_line("orders", "POST https://api.payvendor.example/v1/charge 503 after 10001ms", 20),
        finding(
            FindingType.LOG_SIGNATURE,
            "orders",
            "orders: pool exhausted",
            15,
            signature="pool_exhausted",
            level="ERROR",
            count=30,
            first_seen_min_ago=15,
        ),
    ]
    pool = Hypothesis(
        kind="connection_pool_exhaustion",
        service="orders",
        confidence=0.8,
        summary="pool",
        evidence=["orders: pool exhausted"],
    )
    added = outside.apply([pool], findings, topo())
    (out,) = added
    assert (out.kind, out.service) == ("dependency_failure", "api.payvendor.example")
    assert out.summary.startswith("The cause is outside")
    assert out.confidence > pool.confidence
    assert any("api.payvendor.example" in a for a in pool.against)


@pytest.mark.parametrize(
    "line",
    [
        "GET http://orders.shop.svc.cluster.local/v1 503",  # cluster-internal
        "connect to orders-db-1.abc.eu-west-1.rds.amazonaws.com:5432 timed out",  # ours
        "dial tcp 10.0.3.4:6379: i/o timeout",  # an address says nothing
        "GET https://api.payvendor.example/v1 200 12ms",  # not a failed call
    ],
)
def test_hosts_that_are_ours_or_calls_that_succeed_are_not_outside(line: str) -> None:
    assert outside.apply([], [log_line("web", line, 10)], topo()) == []


def test_hosts_are_read_from_urls_host_fields_and_ports() -> None:
    text = "x https://a.vendor.example/p host=b.vendor.example y c.vendor.example:443 java.lang.X"
    assert outside.hosts_in(text) == ["a.vendor.example", "b.vendor.example", "c.vendor.example"]


def test_a_source_file_and_its_line_is_not_a_host() -> None:
    nginx = (
        "2026/03/02 11:04:12 [error] 9#9: *88 [lua] checkout.lua:41: PlaceOrder(): place_order "
        "failure: connect() failed: Connection refused, client: 10.1.0.7, server: localhost"
    )
    assert outside.hosts_in(nginx) == []
    assert outside.hosts_in("FTL cmd/ledger/main.go:57 > dial failed") == []
    # a host with a port is still a host, also right after a file and line
    assert outside.hosts_in("worker.py:12 connect to api.vendor.example:443 refused") == [
        "api.vendor.example"
    ]
    assert outside.apply([], [log_line("web", nginx, 10)], topo()) == []


def test_a_mail_address_is_not_a_host_but_a_connection_string_is() -> None:
    line = 'failed to send receipt to "pat@shop.example": Post "http://mailer:8080/send": timeout'
    assert outside.hosts_in(line) == []
    assert outside.hosts_in("node rabbit@mq-0.mq.internal down") == []
    assert outside.hosts_in("postgres://app:pw@db.vendor.example/orders refused") == [
        "db.vendor.example"
    ]
    assert outside.hosts_in("smtp login ops@mail.vendor.example:587 failed") == [
        "mail.vendor.example"
    ]
    assert outside.apply([], [log_line("orders", line, 30)], topo()) == []


def test_an_exception_class_after_a_url_path_is_not_a_host() -> None:
    """Python's requests prints ``requests.exceptions.HTTPError: … for url: http://x/api/lookup``;
    the line's end and its template's start must not read as a DNS ``lookup <host>``."""
    example = (
        "requests.exceptions.HTTPError: 500 Server Error: Internal Server Error for url: "
        "http://quorvel.zentra.svc.cluster.local:8080/api/lookup"
    )
    template = "requests.exceptions.HTTPError: <*> Server Error: Internal Server Error for url: <*>"
    assert outside.hosts_in("GET /api/lookup requests.exceptions.HTTPError") == []
    timeout = (
        "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.vendor.example', "
        "port=443): Read timed out. (read timeout=5)"
    )
    assert outside.hosts_in(timeout) == ["api.vendor.example"]

    assert outside.hosts_in("dial tcp: lookup api.vendor.example: no such host") == [
        "api.vendor.example"
    ]
    found = finding(
        FindingType.LOG_TEMPLATE,
        "web",
        f'web: 40 line(s) like "{template}"',
        10,
        level="ERROR",
        count=40,
        template=template,
        example=example,
        first_seen_min_ago=10,
    )
    assert outside.apply([], [found], topo()) == []


# ---- no harmful fixes -----------------------------------------------------------------------


def _restartable() -> list[Finding]:
    return [
        finding(
            FindingType.POD_STATE,
            "orders",
            "orders: 2 of 4 container(s) not ready",
            reason="NotReady",
            count=2,
            pods=4,
            restarts=0,
        ),
    ]


def test_writes_on_a_cleared_caller_are_withdrawn_and_the_first_step_escalates() -> None:
    findings = [*_restartable(), log_line("orders", "GET https://x.vendor.example/a 504", 20)]
    caller = Hypothesis(
        kind="network_partition", service="orders", confidence=0.45, summary="partition"
    )
    hyps = [caller]
    hyps.extend(outside.apply(hyps, findings, topo()))
    hyps.sort(key=lambda h: -h.confidence)
    # rules where a restart may mend a partition, so that only the outside guard is tested
    rules = _restarts_allowed()
    advice = recommend_safely(hyps, default_playbooks(), findings, topo(), rules)
    # without the guard the caller's restart would be proposed
    unguarded = recommend_safely([caller], default_playbooks(), findings, topo(), rules)
    assert [a.action for a in unguarded.actions] == ["k8s.restart_deployment"]
    assert advice.actions == []
    assert advice.next_steps and advice.next_steps[0].startswith("Escalate to the provider")
    assert "x.vendor.example" in advice.next_steps[0]
    assert "No registry action can help" in hyps[0].summary
    assert any("withdrawn" in w for w in advice.withdrawn)


def _restarts_allowed() -> Harm:
    return load(Harm, "harm.yaml").model_copy(update={"survives_restart": []})


def test_a_top_hypothesis_with_a_registry_fix_keeps_it() -> None:
    caller = Hypothesis(
        kind="network_partition", service="orders", confidence=0.45, summary="partition"
    )
    advice = recommend_safely(
        [caller], default_playbooks(), _restartable(), topo(), _restarts_allowed()
    )
    assert [a.action for a in advice.actions] == ["k8s.restart_deployment"]
    assert advice.next_steps == []


def test_a_restart_is_withdrawn_when_the_cause_survives_it_and_the_reason_is_said() -> None:
    caller = Hypothesis(
        kind="network_partition", service="orders", confidence=0.45, summary="partition"
    )
    advice = recommend_safely([caller], default_playbooks(), _restartable(), topo())
    assert advice.actions == []
    assert any(
        w.startswith("k8s.restart_deployment on orders withdrawn: a restart does not fix")
        for w in advice.withdrawn
    )
    assert advice.next_steps  # nothing the registry can do: read-only or escalation first
    assert "No registry action can help orders" in caller.summary


def test_conclude_is_never_silent_and_never_writes_for_an_unknown_cause() -> None:
    findings = [crash("orders")]
    done = conclude([], default_playbooks(), findings, topo())
    assert done.hypotheses and done.hypotheses[0].service == "orders"
    assert all(a.risk not in ("medium", "high") for a in done.actions)
    assert done.next_steps  # a read-only step or an escalation


def test_when_a_later_claim_leads_the_advice_is_asked_again() -> None:
    """Claude's cited hypotheses come after ``conclude``: when one of them leads (a provider
    outside), the write chosen for the old leader on a service it clears does not stay first."""
    from bot.investigate.reasoning import advise_again

    oom = finding(
        FindingType.POD_STATE,
        "orders",
        "orders: 3 of 3 pod(s) last terminated with OOMKilled (exit code 137)",
        reason="OOMKilled",
        last_terminated=True,
        exit_code=137,
        container="app",
        memory_limit="256Mi",
        memory_limit_next="512Mi",
    )
    # too few lines for the rules to call the vendor outside; Claude cites them
    vendor = log_line("orders", "GET https://x.vendor.example/a 504", 20, count=2)
    findings = [oom, vendor]
    leader = Hypothesis(kind="oom_killed", service="orders", confidence=0.55, summary="oom")
    done = conclude([leader], default_playbooks(), findings, topo())
    assert done.actions and done.actions[0].action == "k8s.set_resources"
    claim = Hypothesis(
        kind="dependency_failure",
        service="x.vendor.example",
        confidence=0.6,
        summary="The cause is outside: the vendor fails",
        evidence=[vendor.summary],
        source="llm",
    )
    again = advise_again(done, [claim, *done.hypotheses], default_playbooks(), findings, topo())
    assert all(a.risk == "read" for a in again.actions)
    assert again.next_steps and again.next_steps[0].startswith("Escalate to the provider")
    assert any("k8s.set_resources on orders withdrawn" in f.text for f in again.facts)
    unchanged = advise_again(done, done.hypotheses, default_playbooks(), findings, topo())
    assert unchanged.actions == done.actions and unchanged.next_steps == done.next_steps


def test_a_mitigating_restart_is_kept_only_behind_a_real_fix() -> None:
    pool = finding(
        FindingType.LOG_SIGNATURE,
        "orders",
        "orders: 40 line(s) like HikariPool-1 - Connection is not available",
        signature="pool_exhausted",
        level="ERROR",
        count=40,
    )
    diff = finding(
        FindingType.CONFIG_DIFF,
        "orders",
        "orders: env DB_POOL_SIZE 20 -> 5",
        platform="k8s",
        field="env",
        key="DB_POOL_SIZE",
    )
    hyp = Hypothesis(
        kind="connection_pool_exhaustion", service="orders", confidence=0.6, summary="pool"
    )
    alone = recommend_safely([hyp], default_playbooks(), [pool], topo())
    assert alone.actions == []  # the restart alone would be the answer: withdrawn
    assert any("only mitigates" in w for w in alone.withdrawn)
    hyp2 = hyp.model_copy()
    behind = recommend_safely([hyp2], default_playbooks(), [pool, diff], topo())
    assert [a.action for a in behind.actions] == [
        "k8s.rollback_deployment",
        "k8s.restart_deployment",
    ]


def test_a_link_the_message_points_to_is_not_a_call() -> None:
    pool = (
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection "
        "timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)"
    )
    assert outside.hosts_in(pool) == []
    assert outside.apply([], [log_line("web", pool, 10)], topo()) == []
    called = "POST https://api.vendor.example/v1 503; see https://status.vendor.example"
    assert outside.hosts_in(called) == ["api.vendor.example"]


def _limit_change(actor: str, ago: float = 20) -> Finding:
    return finding(
        FindingType.CHANGE,
        "orders",
        f"orders: config {ago} min ago by {actor}",
        ago,
        kind="config",
        minutes_ago=ago,
        label="config",
        behavioural=True,
        actor=actor,
        actor_kind=actor_kind(actor),
    )


def _limit_diff() -> Finding:
    return finding(
        FindingType.CONFIG_DIFF,
        "orders",
        "orders: revision 4 → 5 changed the pod template: resources.limits.memory '1Gi' → '8Mi'",
        20,
        platform="k8s",
        minutes_ago=20,
    )


def test_a_change_a_controller_made_is_not_rolled_back_or_resized_against_it() -> None:
    """A memory limit cut by an in-cluster service account (a CronJob, an operator) comes back on
    its next pass: neither a rollback nor a new limit is proposed, and the reason is said."""
    oom = crash("orders", 137, "OOMKilled")
    hyp = Hypothesis(kind="oom_killed", service="orders", confidence=0.7, summary="oom")
    by_controller = _limit_change("system:serviceaccount:ops-tools:limit-tuner")
    advice = recommend_safely(
        [hyp], default_playbooks(), [oom, by_controller, _limit_diff()], topo()
    )
    assert not {"k8s.rollback_deployment", "k8s.set_resources"} & {a.action for a in advice.actions}
    assert any("in-cluster controller" in w for w in advice.withdrawn)
    # a person changed it too: the rollback is the fix again
    hyp2 = hyp.model_copy()
    person = _limit_change("ana@example.com", ago=25)
    kept = recommend_safely(
        [hyp2], default_playbooks(), [oom, by_controller, person, _limit_diff()], topo()
    )
    assert kept.actions and kept.actions[0].action == "k8s.rollback_deployment"


def test_the_actor_of_a_change_is_told_apart_by_kubernetes_user_name() -> None:
    assert actor_kind("system:serviceaccount:kube-system:limit-tuner") == "service_account"
    assert actor_kind("kubernetes-admin") == "user"
    assert actor_kind("arn:aws:sts::111122223333:assumed-role/deployer/run-7") == "user"
    assert actor_kind(None) is None
