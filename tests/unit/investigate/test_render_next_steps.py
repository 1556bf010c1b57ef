"""`aiops investigate` shows the read-only / escalation steps before any registry action."""

from __future__ import annotations

import pytest
from rich.console import Console

from bot.investigate.models import Classification, Hypothesis, InvestigationResult


def test_first_steps_are_printed_before_the_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers.cli import investigate as cli

    recorded = Console(record=True, width=200)
    monkeypatch.setattr(cli, "console", recorded)
    result = InvestigationResult(
        query="q",
        classification=Classification(incident_class="availability"),
        hypotheses=[
            Hypothesis(kind="dependency_failure", service="vendor", confidence=0.55, summary="s")
        ],
        next_steps=["Escalate to the provider of vendor: calls fail since 10:00 UTC"],
    )
    cli._render(result)
    text = recorded.export_text()
    assert "FIRST STEPS" in text and "Escalate to the provider of vendor" in text
    assert text.index("FIRST STEPS") < text.index("RECOMMENDED ACTIONS")
