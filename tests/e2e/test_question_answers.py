"""A typed question is never silent and never refused in a world with services (issue 15).

Synthetic worlds (tests/scenarios/reasoning/q*.yaml), run in the sandbox through the real
clients and the real question flow (``investigate_query``): a healthy workload asked about, a
symptom nothing read confirms, a namespace of many workloads, a question that names nothing
while something fails. Only a world with no service at all is refused, saying what to configure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UserError
from bot.investigate import investigate_query
from bot.investigate.classify import classify
from bot.investigate.context import InvestigationContext, Topology
from bot.investigate.flows import default_playbooks
from bot.investigate.models import InvestigationResult
from sandbox.investigate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld

HERE = Path(__file__).resolve().parents[1] / "scenarios" / "reasoning"


def _ask(stem: str, query: str) -> InvestigationResult:
    loaded = load_scenario(HERE / f"{stem}.yaml")
    with SandboxWorld(loaded.scenario) as world:
        return investigate_query(context_for_world(world), query)


def _ready(stem: str, owner_prefix: str = "") -> tuple[int, int]:
    """Ready pods / pods of the scenario's workloads (read from the scenario, not assumed)."""
    k8s = load_scenario(HERE / f"{stem}.yaml").scenario.kubernetes
    assert k8s is not None
    pods = [p for p in k8s.pods if (p.owner or "").startswith(owner_prefix)]
    return sum(all(c.ready for c in p.containers) for p in pods), len(pods)


def test_a_question_about_a_healthy_workload_is_answered_healthy() -> None:
    result = _ask("q01-question-about-a-healthy-workload", "is tariff-api doing ok today?")
    assert result.hypotheses, "silent"
    top = result.hypotheses[0]
    ready, total = _ready("q01-question-about-a-healthy-workload", "tariff-api")
    assert (top.kind, top.service) == ("healthy", "tariff-api")
    assert f"{ready}/{total} pod(s) ready" in top.summary and "0 restart(s)" in top.summary
    assert "no error lines" in top.summary
    assert top.confidence <= 0.2  # a conclusion from what was read, not a diagnosis
    assert not [a for a in result.actions if a.risk != "read"]  # nothing to fix


def test_a_reported_symptom_nothing_confirms_is_still_an_answer() -> None:
    result = _ask("q02-symptom-question-with-quiet-facts", "customers say the invoice page is slow")
    assert result.hypotheses, "silent"
    top = result.hypotheses[0]
    assert top.service == "invoice-web"  # matched by the words of the question
    assert "assumed from the question alone" in top.summary
    assert "cause not identified" in top.summary
    assert top.confidence <= 0.2
    assert any(e.startswith("the question about invoice-web") for e in top.evidence)
    assert any("pod(s) ready" in e for e in top.evidence)  # what was read about its health
    assert "invoice-web" in result.classification.assumed  # and what was assumed is said


def test_a_namespace_of_many_workloads_is_one_answer_over_all() -> None:
    stem = "q03-many-workloads-in-a-namespace"
    result = _ask(stem, "How many pods are running in lab-4?")
    assert result.hypotheses, "silent"
    top = result.hypotheses[0]
    ready, total = _ready(stem)
    assert (top.kind, top.service) == ("healthy", "namespace lab-4")
    assert f"{ready}/{total} pod(s) ready" in top.summary
    assert "namespace 'lab-4'" in result.classification.assumed
    assert len(result.classification.targets) == total  # a namespace named is no guess


def test_a_question_that_matches_nothing_scans_what_fails() -> None:
    stem = "q04-question-matching-nothing-finds-what-fails"
    loaded = load_scenario(HERE / f"{stem}.yaml")
    assert loaded.truth is not None and loaded.truth.root_cause is not None
    result = _ask(stem, "hmm, something feels off tonight?")
    assert result.hypotheses, "silent"
    top = result.hypotheses[0]
    assert top.service == loaded.truth.root_cause.service
    assert "looked at every service" in result.classification.assumed


class _NoEvidence:
    def metric_catalog(self) -> list[object]:
        return []


def test_only_an_empty_world_is_refused_saying_what_to_configure() -> None:
    empty = InvestigationContext(evidence=_NoEvidence(), topology=Topology([]))  # type: ignore[arg-type]
    with pytest.raises(UserError, match="AIOPS_TOPOLOGY_FILE"):
        classify(empty, default_playbooks(), query="anything I should know about?")
