"""What a human should check next (read-only steps, escalations) is stored with the investigation
on SQLite and Postgres, and shown in the Slack summary before any action."""

from __future__ import annotations

from bot.investigate.models import Classification, Hypothesis, InvestigationResult
from bot.investigate.service import get, save_result
from bot.store.db import Database
from handlers.blocks import investigation_summary
from handlers.blocks.models import HypothesisView, InvestigationView

STEPS = [
    "Escalate to the provider of vendor: calls from orders to api.vendor.example fail since 10:00",
    "Tell the owners of orders: the fault is outside; restarting orders will not help.",
]


def result() -> InvestigationResult:
    return InvestigationResult(
        query="orders failing",
        classification=Classification(incident_class="availability"),
        hypotheses=[
            Hypothesis(kind="dependency_failure", service="vendor", confidence=0.55, summary="s")
        ],
        next_steps=STEPS,
    )


def test_next_steps_are_stored_with_the_investigation(database: Database) -> None:
    row_id = save_result(database, result())
    row = get(db=database, investigation_id=row_id)
    assert row is not None and row.next_steps == STEPS


def test_an_investigation_without_next_steps_stores_an_empty_list(database: Database) -> None:
    plain = result().model_copy(update={"next_steps": []})
    row = get(db=database, investigation_id=save_result(database, plain))
    assert row is not None and row.next_steps == []


def test_the_slack_summary_shows_the_first_steps() -> None:
    view = InvestigationView(
        query="orders failing",
        hypotheses=[HypothesisView("dependency_failure on vendor", 0.55, [])],
        next_steps=STEPS,
    )
    texts = [str(b.to_dict()) for b in investigation_summary(view)]
    joined = "\n".join(texts)
    assert "First steps" in joined and "Escalate to the provider of vendor" in joined
