"""The Claude path (only when a key is configured): refine the rules' classification.

The model gets the query / alerts (redacted by the adapter), the rules' guess, the service
graph and the playbook catalogue, and may call the SAME read-only diagnostic primitives as
tools (each returns finding summaries). It answers with a JSON object naming the incident
class, the playbooks and the target services; anything that does not name a known playbook
or service is dropped. The model never writes: the tools are reads, and actions still come
only from the playbooks' registry entries after the rules have ranked the evidence.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from bot.investigate.classify import InvestigationTarget
from bot.investigate.context import InvestigationContext
from bot.investigate.models import Classification
from bot.investigate.plan import make_scope
from bot.investigate.playbook_schema import Playbook
from bot.investigate.primitives import PRIMITIVES
from integrations.anthropic_llm import LLMError, ToolResult, ToolSpec, run_tool_loop

log = logging.getLogger(__name__)
MAX_STEPS = 5
_JSON = re.compile(r"\{.*\}", re.S)

SYSTEM = (
    "You are the classification step of an on-call investigation bot. Decide which incident "
    "playbooks apply and which services are the targets. You may call read-only diagnostic "
    'tools. Answer with ONE JSON object: {"incident_class": str, "playbooks": [names], '
    '"targets": [service names], "reason": str}. Use only names from the lists given.'
)


def tool_name(primitive: str) -> str:
    return primitive.replace(".", "__")


def tools() -> list[ToolSpec]:
    schema = {
        "type": "object",
        "properties": {"services": {"type": "array", "items": {"type": "string"}}},
    }
    return [
        ToolSpec(
            tool_name(name),
            f"Read-only diagnostic {name} over the given services "
            "(and their dependencies); returns what it found, one line per finding.",
            schema,
        )
        for name in sorted(PRIMITIVES)
    ]


def _prompt(
    ctx: InvestigationContext,
    books: Sequence[Playbook],
    rules: Classification,
    query: str,
    incident: InvestigationTarget | None,
) -> str:
    lines = [f"Query: {query or '(none)'}"]
    if incident:
        lines.append("Alerts:")
        lines += [
            f"- {a.name} [{a.severity}] service={a.service}: {a.summary}" for a in incident.alerts
        ]
    lines.append(
        "Services: "
        + "; ".join(
            f"{n.name} ({n.kind}, depends on {', '.join(n.depends_on) or 'nothing'})"
            for n in ctx.topology.services.values()
        )
    )
    lines.append(
        "Playbooks: "
        + "; ".join(f"{b.name}: {b.title} [{b.incident_class}]" for b in books if not b.always)
    )
    lines.append(
        f"Rules' guess: class={rules.incident_class} playbooks={rules.playbooks} "
        f"targets={rules.targets}"
    )
    return "\n".join(lines)


def refine_classification(
    ctx: InvestigationContext,
    books: Sequence[Playbook],
    rules: Classification,
    *,
    query: str = "",
    incident: InvestigationTarget | None = None,
) -> Classification:
    known_books = {b.name for b in books if not b.always}
    known_services = set(ctx.topology.services)

    def call_tool(name: str, tool_input: dict[str, Any]) -> ToolResult:
        primitive = name.replace("__", ".")
        if primitive not in PRIMITIVES:
            return ToolResult.failed(f"unknown tool {name}")
        services = [s for s in tool_input.get("services") or rules.targets if s in known_services]
        scope = make_scope(ctx, services or list(known_services))
        found = PRIMITIVES[primitive](ctx, scope, {})
        if not found:
            return ToolResult.no_data("nothing found")
        return ToolResult.ok("\n".join(f.summary for f in found[:40]))

    if ctx.anthropic is None:
        return rules
    try:
        answer = run_tool_loop(
            ctx.anthropic,
            model=ctx.anthropic_model or "claude-sonnet-4-5",
            system=SYSTEM,
            user=_prompt(ctx, books, rules, query, incident),
            tools=tools(),
            call_tool=call_tool,
            max_steps=MAX_STEPS,
        )
    except LLMError as exc:
        log.warning("Claude refinement skipped: %s", exc)
        return rules.model_copy(update={"reason": f"{rules.reason}; Claude unavailable: {exc}"})
    match = _JSON.search(answer.text or "")
    try:
        data = json.loads(match.group(0)) if match else {}
    except json.JSONDecodeError:
        data = {}
    playbooks = [p for p in data.get("playbooks", []) if p in known_books]
    targets = [t for t in data.get("targets", []) if t in known_services]
    if not playbooks and not targets:
        return rules.model_copy(update={"reason": f"{rules.reason}; Claude gave no usable answer"})
    merged = list(dict.fromkeys([*playbooks, *rules.playbooks]))[:5]
    classes = {b.name: b.incident_class for b in books}
    incident_class = str(data.get("incident_class") or classes.get(merged[0], rules.incident_class))
    return Classification(
        incident_class=incident_class,
        secondary=[c for c in dict.fromkeys(classes[p] for p in merged) if c != incident_class],
        playbooks=merged,
        targets=targets or rules.targets,
        confidence=max(rules.confidence, 0.7),
        reason=f"Claude: {str(data.get('reason', ''))[:200]} (rules: {rules.reason})",
    )


def attach_claude(ctx: InvestigationContext, settings: Any) -> InvestigationContext:
    """Give ``ctx`` a Claude client when ``ANTHROPIC_API_KEY`` is configured (else unchanged)."""
    key = getattr(settings, "anthropic_api_key", None)
    if key is None:
        return ctx
    import anthropic

    ctx.anthropic = anthropic.Anthropic(
        api_key=key.get_secret_value(), base_url=settings.anthropic_base_url
    )
    ctx.anthropic_model = settings.aiops_anthropic_model
    return ctx
