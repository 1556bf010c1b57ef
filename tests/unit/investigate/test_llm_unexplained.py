"""When the rules' answer needs Claude, and how the model's claims are checked (pure code)."""

from __future__ import annotations

from bot.investigate.llm_hypotheses import CONFIDENCE_CAP, FactBook, accept, unexplained
from bot.investigate.models import Fact, Finding, FindingType, Hypothesis
from bot.topology import Topology

CRASH = Finding(
    type=FindingType.POD_STATE,
    service="api",
    summary="api: 2 of 2 pod(s) CrashLoopBackOff",
    source="k8s:pods",
    attrs={"reason": "CrashLoopBackOff"},
)
HEALTHY = Finding(
    type=FindingType.RESOURCE_STATE,
    service="db",
    summary="db: available",
    source="rds",
    attrs={"healthy": True},
)
TOPO = Topology.from_services(
    [
        {"name": "api", "runs_on": {"kind": "k8s_deployment", "name": "api"}, "depends_on": ["db"]},
        {"name": "db", "runs_on": {"kind": "rds", "name": "db"}},
    ]
)
GRAPH = Finding(type=FindingType.TOPOLOGY, service="api", summary="api depends on db", source="g")


def hyp(confidence: float, evidence: list[str]) -> Hypothesis:
    return Hypothesis(
        kind="oom_killed", service="api", confidence=confidence, summary="s", evidence=evidence
    )


def test_nothing_failing_needs_no_help() -> None:
    assert unexplained([], [HEALTHY, GRAPH], TOPO) is None


def test_silence_a_weak_best_and_an_uncited_failure_each_need_help() -> None:
    assert unexplained([], [CRASH], TOPO) == "the rules found no hypothesis"
    assert "weak (0.40)" in (unexplained([hyp(0.4, [CRASH.summary])], [CRASH], TOPO) or "")
    assert "cited by no hypothesis" in (unexplained([hyp(0.8, [])], [CRASH, GRAPH], TOPO) or "")


def test_a_strong_hypothesis_citing_every_failure_is_enough() -> None:
    assert unexplained([hyp(0.8, [CRASH.summary])], [CRASH, HEALTHY, GRAPH], TOPO) is None


def test_claims_are_checked_against_the_fact_ids() -> None:
    book = FactBook.of([Fact(text=CRASH.summary, source="k8s"), Fact(text="x", source="y")])
    new = book.add("api: exit code 3", "k8s.pods")
    assert new == "F3" and book.add("x", "again") == "F2"
    claim = {"kind": "Bad Config!", "service": "api", "summary": "s", "confidence": 0.9}
    out = accept(
        {
            "hypotheses": [
                {**claim, "cites": ["F1", "F3"]},
                {**claim, "cites": ["F0"]},
                {**claim, "cites": ["f1"]},
                {**claim, "kind": "other", "cites": []},
                {**claim, "kind": "outside", "service": "stripe", "cites": ["F1"]},
                {**claim, "kind": "part_of_a_word", "service": "Crash", "cites": ["F1"]},
                "not an object",
            ]
        },
        book,
        {"api", "db"},
        [],
    )
    [kept] = out
    assert kept.kind == "bad_config" and kept.confidence == CONFIDENCE_CAP
    assert kept.evidence == [CRASH.summary, "api: exit code 3"] and kept.source == "llm"


def test_a_service_outside_the_graph_is_kept_when_its_cited_facts_name_it() -> None:
    book = FactBook.of([Fact(text="POST https://api.stripe.example failed: 503", source="logs")])
    claim = {"kind": "provider_outage", "service": "api.stripe.example", "summary": "s"}
    [kept] = accept(
        {"hypotheses": [{**claim, "confidence": 0.3, "cites": ["F1"]}]}, book, {"api"}, []
    )
    assert kept.service == "api.stripe.example" and kept.confidence == 0.3


def test_whether_the_rules_explained_reads_their_own_scale_not_the_level_shown() -> None:
    # calibration may show a leader at the share of such answers that were right (0.37); the
    # rules still explained the crash: the model is not asked on that account
    shown_low = hyp(0.37, [CRASH.summary])
    shown_low.rules_confidence = 0.8
    assert unexplained([shown_low], [CRASH, HEALTHY, GRAPH], TOPO) is None
    # and shown high while the rules' own reading is weak, it is
    shown_high = hyp(0.8, [CRASH.summary])
    shown_high.rules_confidence = 0.3
    assert "weak (0.30)" in (unexplained([shown_high], [CRASH], TOPO) or "")


def test_a_claim_never_shows_more_than_a_rules_hypothesis_that_explains() -> None:
    book = FactBook.of([Fact(text=CRASH.summary, source="k8s")])
    claim = {"kind": "other", "service": "api", "summary": "s", "confidence": 0.9, "cites": ["F1"]}
    explains = hyp(0.45, [CRASH.summary])  # shown at 0.45, 0.7 on the rules' scale
    explains.rules_confidence = 0.7
    [kept] = accept({"hypotheses": [claim]}, book, {"api"}, [explains])
    assert kept.confidence == 0.45
    weak = hyp(0.3, [CRASH.summary])  # the rules' best is weak: the claim may lead, capped
    [kept] = accept({"hypotheses": [claim]}, book, {"api"}, [weak])
    assert kept.confidence == CONFIDENCE_CAP
