"""Claude on what the rules could not explain (only when a key is configured).

After the rules (playbooks, then ``reasoning.conclude``) have ranked their hypotheses,
:func:`unexplained` says whether something is left: facts show a failure and the rules have no
hypothesis, or their best one is weak (< ``EXPLAINED_AT`` on the rules' own scale,
``Hypothesis.rules_confidence``: calibration's maps move what is shown, not when the model is
asked), or a failing fact is cited by none of them. Only then is the model asked.

What it gets: the query (and the incident's alerts), the services and their dependencies, the
rules' hypotheses, and the facts numbered ``F1..Fn`` (the order of
``InvestigationResult.facts``), every text passed through :func:`redact_personal` (secrets,
tokens, e-mail and IP addresses), and the 3 most similar past incidents with what fixed them
(``ctx.past_incidents``, ``bot.history``), redacted the same way. What it may do: call
the read-only diagnostic primitives as tools; each finding they return is numbered as a new fact
(``F<n+1>``…) and can be cited. What it returns: one JSON object of hypotheses, each citing fact
ids. A hypothesis with no citation, an unknown fact id, or a service that is neither in the
graph nor named by a fact it cites is dropped and logged. Accepted ones are marked
``source="llm"``, their confidence is capped at ``CONFIDENCE_CAP`` on the scale shown, and
never above a rules' hypothesis that explains (one at ``EXPLAINED_AT`` or more on the rules'
scale: a claim never outranks hard evidence, whatever level calibration shows it at); they bring
no action: actions come only from the rules' hypotheses.

Bounds: at most ``MAX_STEPS`` requests and ``MAX_TOOL_CALLS`` tool executions; each request has
``ctx.llm_timeout_s`` and at most one retry. Any API error or timeout leaves the rules' result
as it was.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.investigate.classify import AlertView
from bot.investigate.context import InvestigationContext, Topology
from bot.investigate.fallback import failing_services
from bot.investigate.llm import read_primitive, tools
from bot.investigate.models import Fact, Finding, Hypothesis
from integrations.anthropic_llm import LLMError, ToolResult, redact_personal, run_tool_loop

log = logging.getLogger(__name__)

SOURCE = "llm"
CONFIDENCE_CAP = 0.6
EXPLAINED_AT = 0.5
MAX_STEPS = 4
MAX_TOOL_CALLS = 6
MAX_HYPOTHESES = 3
MAX_FACTS = 60
MAX_PAST = 3  # similar past incidents in the prompt
_FINDINGS_PER_CALL = 15

_FACT_ID = re.compile(r"^F[1-9][0-9]*$")
_SLUG = re.compile(r"[^a-z0-9]+")

SYSTEM = (
    "You are the analysis step of an on-call investigation bot. Rules have already ranked "
    "hypotheses; some failing facts are left unexplained. Propose at most "
    f"{MAX_HYPOTHESES} root-cause hypotheses for what is unexplained. Facts are numbered "
    "F1, F2, ...; you may call read-only diagnostic tools, whose findings come back numbered "
    "as new facts. Every hypothesis MUST cite the ids of the facts that support it: one "
    "without valid citations is discarded. Say 'cause not identified' when the facts do not "
    "show it. You cannot act on anything. Answer with ONE JSON object: "
    '{"hypotheses": [{"kind": "snake_case_cause", "service": "<service>", '
    '"summary": "<one sentence>", "confidence": 0.0-1.0, "cites": ["F1", ...]}]}'
)


class Claim(BaseModel):
    """One hypothesis as the model states it (validated before anything trusts it)."""

    model_config = ConfigDict(extra="ignore")

    kind: str = Field(min_length=1, max_length=80)
    service: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=600)
    confidence: float = Field(ge=0.0, le=1.0)
    cites: list[str] = Field(default_factory=list)


@dataclass
class FactBook:
    """Facts with stable ids: ``F1..Fn`` for the given ones, then one per new tool finding."""

    facts: list[Fact]
    given: int = 0
    by_text: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: Sequence[Fact]) -> FactBook:
        book = cls(list(facts), len(facts))
        for i, fact in enumerate(facts, 1):
            book.by_text.setdefault(fact.text, f"F{i}")
        return book

    def add(self, text: str, source: str) -> str:
        if text not in self.by_text:
            self.facts.append(Fact(text=text, source=source))
            self.by_text[text] = f"F{len(self.facts)}"
        return self.by_text[text]

    def get(self, fact_id: str) -> Fact | None:
        if not _FACT_ID.match(fact_id):
            return None
        index = int(fact_id[1:]) - 1
        return self.facts[index] if index < len(self.facts) else None

    def line(self, fact_id: str) -> str:
        fact = self.get(fact_id)
        assert fact is not None
        return f"{fact_id} [{redact_personal(fact.source)}] {redact_personal(fact.text)}"


def unexplained(
    hypotheses: Sequence[Hypothesis], findings: Sequence[Finding], topo: Topology
) -> str | None:
    """Why the rules' answer needs help, or None when it explains every failing fact (failing
    as the reasoning's failure modes define it: ``playbooks/reasoning/failure_modes.yaml``)."""
    failing = [f for fail in failing_services(findings, topo) for f in fail.findings]
    if not hypotheses:
        return "the rules found no hypothesis" if failing else None
    top = max(h.on_rules_scale for h in hypotheses)
    if top < EXPLAINED_AT:
        return f"the rules' best hypothesis is weak ({top:.2f})"
    cited = {e for h in hypotheses for e in h.evidence}
    left = [f for f in failing if f.summary not in cited]
    if left:
        return f"{len(left)} failing fact(s) are cited by no hypothesis"
    return None


def _prompt(
    ctx: InvestigationContext,
    query: str,
    reason: str,
    book: FactBook,
    hypotheses: Sequence[Hypothesis],
    alerts: Sequence[AlertView],
) -> str:
    graph = "; ".join(
        f"{n.name} ({n.kind}, depends on {', '.join(n.depends_on) or 'nothing'})"
        for n in ctx.topology.services.values()
    )
    lines = [f"Question: {redact_personal(query) or '(none)'}", f"Services: {graph}"]
    if alerts:
        lines.append("Alerts:")
        lines += [
            redact_personal(f"- {a.name} [{a.severity}] service={a.service}: {a.summary}")
            for a in alerts[:20]
        ]
    lines.append(f"Unexplained: {reason}.")
    if hypotheses:
        lines.append("Rules' hypotheses:")
        for h in hypotheses[:5]:
            ids = [book.by_text[e] for e in h.evidence if e in book.by_text]
            lines.append(
                f"- {h.kind} on {h.service} ({h.confidence:.2f}), cites {', '.join(ids) or '-'}"
            )
    else:
        lines.append("Rules' hypotheses: none.")
    lines.append("Facts:")
    lines += [book.line(f"F{i}") for i in range(1, min(book.given, MAX_FACTS) + 1)]
    return "\n".join(lines)


def _history(
    ctx: InvestigationContext,
    query: str,
    hypotheses: Sequence[Hypothesis],
    findings: Sequence[Finding],
    targets: Sequence[str],
    alerts: Sequence[AlertView],
) -> str:
    """The closest past incidents and their outcomes (redacted by the port), or nothing."""
    if ctx.past_incidents is None:
        return ""
    lines = ctx.past_incidents.lines(ctx.topology, query=query, hypotheses=hypotheses,
                              findings=findings, targets=targets, alerts=alerts)  # fmt: skip
    if not lines:
        return ""
    head = "\nSimilar past incidents (their causes and outcomes; context, not evidence):"
    return "\n".join([head, *lines[:MAX_PAST]])


def _json_answer(text: str) -> dict[str, Any]:
    """The first JSON object in ``text`` that holds ``hypotheses`` ({} when none)."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and "hypotheses" in value:
            return value
    return {}


def _named_in(name: str, texts: Sequence[str]) -> bool:
    """``name`` (3+ characters) appears as a whole word or host name in one of ``texts``."""
    if len(name) < 3:
        return False
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return any(pattern.search(t) for t in texts)


def _drop(index: int, why: str) -> None:
    log.warning("LLM hypothesis #%d dropped: %s", index, why)


def claim_cap(rules: Sequence[Hypothesis]) -> float:
    """What a claim may show: ``CONFIDENCE_CAP``, and no more than the weakest rules' hypothesis
    that explains (``EXPLAINED_AT`` on the rules' scale) shows; a tie ranks the rules first."""
    explaining = [h.confidence for h in rules if h.on_rules_scale >= EXPLAINED_AT]
    return min([CONFIDENCE_CAP, *explaining])


def accept(
    answer: dict[str, Any],
    book: FactBook,
    known_services: set[str],
    rules: Sequence[Hypothesis],
) -> list[Hypothesis]:
    """The model's claims that cite known facts, as capped ``source="llm"`` hypotheses."""
    cap = claim_cap(rules)
    raw = answer.get("hypotheses")
    taken = {(h.kind, h.service) for h in rules}
    out: list[Hypothesis] = []
    for i, item in enumerate(raw if isinstance(raw, list) else [], 1):
        try:
            claim = Claim.model_validate(item)
        except ValidationError as exc:
            _drop(i, f"malformed ({exc.error_count()} error(s))")
            continue
        cites = list(dict.fromkeys(c.strip() for c in claim.cites))
        if not cites:
            _drop(i, "cites no fact")
            continue
        unknown = [c for c in cites if book.get(c) is None]
        if unknown:
            _drop(i, f"cites unknown fact id(s) {redact_personal(', '.join(unknown))[:80]}")
            continue
        evidence = [book.get(c).text for c in cites]  # type: ignore[union-attr]
        service = claim.service.strip()
        if service not in known_services and not _named_in(service, evidence):
            _drop(i, "names a service that is neither in the graph nor in its facts")
            continue
        kind = _SLUG.sub("_", claim.kind.lower()).strip("_")[:60] or "unknown_cause"
        if (kind, service) in taken:
            continue
        taken.add((kind, service))
        out.append(
            Hypothesis(
                kind=kind,
                service=service,
                confidence=round(min(claim.confidence, cap), 3),
                summary=redact_personal(claim.summary),
                evidence=evidence,
                source=SOURCE,
            )
        )
        if len(out) >= MAX_HYPOTHESES:
            break
    return out


def explain_the_rest(
    ctx: InvestigationContext,
    *,
    query: str,
    facts: Sequence[Fact],
    hypotheses: Sequence[Hypothesis],
    findings: Sequence[Finding],
    targets: Sequence[str] = (),
    alerts: Sequence[AlertView] = (),
) -> tuple[list[Fact], list[Hypothesis]]:
    """The facts and hypotheses with Claude's cited hypotheses added where the rules left
    something unexplained; unchanged when nothing is, or when the model cannot be used."""
    reason = unexplained(hypotheses, findings, ctx.topology)
    if ctx.anthropic is None or reason is None:
        return list(facts), list(hypotheses)
    book = FactBook.of(facts)
    calls = 0

    def call_tool(name: str, tool_input: dict[str, Any]) -> ToolResult:
        nonlocal calls
        calls += 1
        if calls > MAX_TOOL_CALLS:
            return ToolResult.failed("tool budget spent: answer from the facts you have")
        found = read_primitive(ctx, name, tool_input, targets)
        if found is None:
            return ToolResult.failed(f"unknown tool {name}")
        if not found:
            return ToolResult.no_data("nothing found")
        ids = [book.add(f.summary, f.source) for f in found[:_FINDINGS_PER_CALL]]
        return ToolResult.ok("\n".join(book.line(i) for i in ids))

    log.info("asking Claude about what the rules left unexplained: %s", reason)
    try:
        retries = min(int(getattr(ctx.anthropic, "max_retries", 1)), 1)
        client = ctx.anthropic.with_options(timeout=ctx.llm_timeout_s, max_retries=retries)
        answer = run_tool_loop(
            client,
            model=ctx.anthropic_model or "claude-sonnet-4-5",
            system=SYSTEM,
            user=_prompt(ctx, query, reason, book, hypotheses, alerts)
            + _history(ctx, query, hypotheses, findings, targets, alerts),
            tools=tools(),
            call_tool=call_tool,
            max_steps=MAX_STEPS,
        )
    except LLMError as exc:
        log.warning("Claude hypotheses skipped, the rules' result stands: %s", exc)
        return list(facts), list(hypotheses)
    added = accept(_json_answer(answer.text), book, set(ctx.topology.services), hypotheses)
    if not added:
        log.info("Claude added no hypothesis (%d tool call(s))", len(answer.tool_calls))
        return list(facts), list(hypotheses)
    cited = {e for h in added for e in h.evidence}
    kept = [*facts, *(f for f in book.facts[book.given :] if f.text in cited)]
    final_id: dict[str, str] = {}
    for i, fact in enumerate(kept, 1):
        final_id.setdefault(fact.text, f"F{i}")
    for h in added:
        h.summary += f" (Claude; cites {', '.join(final_id[e] for e in h.evidence)})"
    merged = sorted([*hypotheses, *added], key=lambda h: (-h.confidence, h.source == SOURCE))
    return kept, merged
