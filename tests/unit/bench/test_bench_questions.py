"""Which incidents bench_questions asks as typed questions: a lone generic alert's summary, never
an incident of several alerts (a history of system alerts) or a Prometheus alert."""

from __future__ import annotations

from pathlib import Path

from tests.bench.bench_questions import DEV, corpora, questions

SET2 = Path(__file__).resolve().parents[2] / "scenarios" / "thirdparty2"


def test_a_lone_generic_alert_is_asked_with_its_summary_and_truth() -> None:
    [(name, query, truth)] = questions(SET2 / "hg-ask62-payment-db-connection-failed.yaml")
    assert name == "hg-ask62-payment-db-connection-failed#1"
    assert query.startswith("post last 10 logs")
    assert (truth.kind, truth.service) == ("database_unavailable", "payment-db")


def test_an_incident_of_several_alerts_is_not_a_question() -> None:
    asked = questions(SET2 / "hg-ask18-oom-kill-from-alert-history.yaml")
    assert [name for name, _, _ in asked] == ["hg-ask18-oom-kill-from-alert-history#2"]


def test_a_prometheus_alert_is_not_a_question() -> None:
    assert questions(SET2 / "hg-ask43-catalogue-cannot-reach-its-db.yaml") == []


def test_a_named_corpus_is_asked_alone_and_set_four_only_when_named_or_held_out() -> None:
    assert corpora(["--corpus", "thirdparty4"]) == ("thirdparty4",)
    assert corpora([]) == DEV and "thirdparty4" not in DEV
    assert "thirdparty4-heldout" in corpora(["--heldout"])
