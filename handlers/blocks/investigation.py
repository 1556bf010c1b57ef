"""The investigation summary (facts · hypotheses · actions) and the approval request."""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
)

from handlers.blocks.ids import ActionId, BlockId, FeedbackRef, RequestRef
from handlers.blocks.models import ActionView, ApprovalView, InvestigationView
from handlers.blocks.text import (
    MAX_HEADER_TEXT,
    bullets,
    context,
    escape,
    fields,
    fit,
    mention,
    section,
    truncate,
    when,
)

MAX_FACTS = 15
MAX_HYPOTHESES = 8
MAX_ACTIONS = 8
MAX_EVIDENCE = 5

RISK_EMOJI = {"read": ":book:", "low": ":large_green_circle:", "medium": ":warning:"}


def risk_label(risk: str) -> str:
    return f"{RISK_EMOJI.get(risk.lower(), ':bangbang:')} {escape(risk)}"


def _params(params: Mapping[str, str]) -> str:
    if not params:
        return ""
    return " ".join(f"`{escape(k)}={escape(str(v))}`" for k, v in params.items())


def decision_buttons(request_id: str) -> ActionsBlock:
    """Approve / Reject for one remediation request (one block per request, so the same
    action_ids can repeat in a message)."""
    value = RequestRef(request_id=request_id).dump()
    return ActionsBlock(
        block_id=f"{BlockId.APPROVAL_PREFIX}{request_id}",
        elements=[
            ButtonElement(text="Approve", action_id=ActionId.APPROVE, value=value, style="primary"),
            ButtonElement(text="Reject", action_id=ActionId.REJECT, value=value, style="danger"),
        ],
    )


def feedback_buttons(ref: FeedbackRef) -> ActionsBlock:
    value = ref.dump()
    return ActionsBlock(
        block_id=BlockId.FEEDBACK,
        elements=[
            ButtonElement(text=":+1: Helpful", action_id=ActionId.FEEDBACK_UP, value=value),
            ButtonElement(text=":-1: Not helpful", action_id=ActionId.FEEDBACK_DOWN, value=value),
            ButtonElement(
                text=":white_check_mark: This fixed it",
                action_id=ActionId.FEEDBACK_FIXED,
                value=value,
            ),
        ],
    )


def _action_blocks(action: ActionView) -> list[Block]:
    line = f"*{escape(action.title)}* · risk {risk_label(action.risk)}"
    params = _params(action.params)
    if params:
        line += f"\n{params}"
    blocks: list[Block] = [section(line)]
    if action.status.lower() == "pending":
        blocks.append(decision_buttons(action.request_id))
    else:
        blocks.append(context(f"Request `{escape(action.request_id)}`: {escape(action.status)}"))
    return blocks


def investigation_summary(inv: InvestigationView) -> list[Block]:
    """Facts, hypotheses (highest confidence first, with evidence) and recommended actions,
    each with Approve / Reject, then feedback buttons."""
    header = truncate(f"Investigation: {inv.query}".replace("\n", " "), MAX_HEADER_TEXT, note=False)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=header))]
    if inv.summary:
        blocks.append(section(escape(inv.summary)))
    blocks.append(
        section("*Facts*\n" + bullets(list(inv.facts), limit=MAX_FACTS, empty="_none found_"))
    )
    hypotheses = sorted(inv.hypotheses, key=lambda h: h.confidence, reverse=True)
    if hypotheses:
        blocks.append(section("*Hypotheses*"))
        for n, hyp in enumerate(hypotheses[:MAX_HYPOTHESES], start=1):
            pct = round(max(0.0, min(1.0, hyp.confidence)) * 100)
            text = f"*{n}. {escape(hyp.text)}* — confidence {pct}%"
            if hyp.evidence:
                text += "\n" + bullets(list(hyp.evidence), limit=MAX_EVIDENCE)
            blocks.append(section(text))
        if len(hypotheses) > MAX_HYPOTHESES:
            blocks.append(context(f"_+{len(hypotheses) - MAX_HYPOTHESES} less likely hypotheses_"))
    else:
        blocks.append(section("*Hypotheses*\n_none: the evidence points nowhere yet_"))
    if inv.next_steps:  # what to check or whom to tell first, before any write
        blocks.append(section("*First steps*\n" + bullets(list(inv.next_steps), limit=MAX_FACTS)))
    if inv.actions:
        blocks += [DividerBlock(), section("*Recommended actions*")]
        for action in list(inv.actions)[:MAX_ACTIONS]:
            blocks += _action_blocks(action)
        if len(inv.actions) > MAX_ACTIONS:
            blocks.append(context(f"_+{len(inv.actions) - MAX_ACTIONS} more actions not shown_"))
    blocks.append(DividerBlock())
    if inv.incident_id is not None or inv.investigation_id is not None:
        ref = FeedbackRef(incident_id=inv.incident_id, investigation_id=inv.investigation_id)
        blocks += [context("Was this useful?"), feedback_buttons(ref)]
    return fit(blocks)


def investigation_text(inv: InvestigationView) -> str:
    top = max(inv.hypotheses, key=lambda h: h.confidence, default=None)
    lead = f" Most likely: {top.text}" if top else ""
    return truncate(f"Investigation: {inv.query}.{lead}", 3000, note=False)


def approval_request(req: ApprovalView) -> list[Block]:
    """A remediation waiting for a human: what, why, risk, who asked, Approve / Reject."""
    title = truncate(f"Approval needed: {req.action}", MAX_HEADER_TEXT, note=False)
    pairs = [
        ("Risk", risk_label(req.risk)),
        ("Requested by", mention(req.requested_by)),
        ("Request", f"`{escape(req.request_id)}`"),
        ("Expires", when(req.expires_at)),
    ]
    if req.incident_id is not None:
        pairs.append(("Incident", f"#{req.incident_id}"))
    if req.approvals_needed > 1:
        got = ", ".join(mention(u) for u in req.approved_by) or "none yet"
        pairs.append(("Approvals", f"{len(req.approved_by)}/{req.approvals_needed} ({got})"))
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=title)), fields(pairs)]
    params = _params(req.params)
    if params:
        blocks.append(section(f"*Parameters*\n{params}"))
    if req.reason:
        blocks.append(section(f"*Why*\n{escape(req.reason)}"))
    blocks.append(decision_buttons(req.request_id))
    return fit(blocks)
