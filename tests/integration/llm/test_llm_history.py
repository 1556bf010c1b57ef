"""With a key, the 3 most similar past incidents and their outcomes reach the model, redacted;
without history wired, the prompt has none."""

from __future__ import annotations

from typing import Any

import anthropic

from bot.history import flows
from bot.history.flows import PromptHistory
from bot.investigate import investigate_query
from bot.store import Database, Feedback, Incident, RemediationRequest
from sandbox.anthropic_server import AnthropicServer, text_reply
from tests.integration.llm.test_llm_hypotheses import (
    QUERY,
    UNEXPLAINED,
    analysis,
    answer_json,
    make_ctx,
    route,
    rules_only,
)

PRIVATE_NOTE = "paged ops-lead@acme-corp.example, fixed the shard map on 10.1.2.3"


def _past(db: Database, n: int) -> list[int]:
    """``n`` past incidents that looked exactly like this one."""
    result, ctx = rules_only(), make_ctx(UNEXPLAINED, None)
    ids = []
    for i in range(n):
        with db.session() as s:
            row = Incident(title=f"ledger restarting ({i})", services=["ledger"])
            s.add(row)
            s.flush()
            assert row.id is not None
            ids.append(row.id)
            if i == 0:  # "this fixed it", with what must not reach the model
                s.add(Feedback(incident_id=row.id, user="UOPS", kind="fixed", comment=PRIVATE_NOTE))
            s.add(RemediationRequest(idempotency_key=f"h{i}", incident_id=row.id,
                                     action="k8s.rollback_deployment", params={"name": "ledger"},
                                     state="verified" if i == 0 else "not_recovered"))  # fmt: skip
        flows.remember(db, result, incident_id=row.id, investigation_id=None,
                       topology=ctx.topology)  # fmt: skip
    return ids


def test_the_three_closest_past_incidents_reach_the_prompt_redacted(
    server: AnthropicServer, client: anthropic.Anthropic, sqlite_database: Database
) -> None:
    ids = _past(sqlite_database, 4)
    route(server, lambda body: text_reply(answer_json()))
    ctx = make_ctx(UNEXPLAINED, client, past_incidents=PromptHistory(sqlite_database))
    investigate_query(ctx, QUERY)
    [request] = analysis(server)
    prompt: Any = request.messages[0]["content"]
    past = prompt.split("Similar past incidents", 1)[1]
    assert [f"#{i} (" in past for i in ids] == [True, True, True, False]  # 3 of 4 equals
    assert "Fixed by: k8s.rollback_deployment(name=ledger); paged [REDACTED:email]" in past
    assert "Did not fix: k8s.rollback_deployment(name=ledger)" in past
    assert "crashloop_bad_config on a k8s_deployment service" in past
    assert "ops-lead@acme-corp.example" not in request.raw and "10.1.2.3" not in request.raw
    assert "[REDACTED:email]" in past


def test_without_history_the_prompt_has_no_past_incidents(
    server: AnthropicServer, client: anthropic.Anthropic, sqlite_database: Database
) -> None:
    _past(sqlite_database, 2)
    route(server, lambda body: text_reply(answer_json()))
    investigate_query(make_ctx(UNEXPLAINED, client), QUERY)
    [request] = analysis(server)
    assert "Similar past incidents" not in request.raw
