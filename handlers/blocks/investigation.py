"""The investigation summary (facts · hypotheses · actions) and the approval request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import ValidationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    StaticSelectElement,
)

from handlers.blocks.ids import (
    ActionId,
    BlockId,
    FeedbackRef,
    JudgeRef,
    RatingRef,
    RequestRef,
)
from handlers.blocks.models import (
    ActionView,
    ApprovalView,
    InvestigationView,
    SimilarView,
)
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
MAX_SIMILAR = 3

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
    """Helpful / Not helpful / This fixed it, and a 1–5 rating of the analysis."""
    value = ref.dump()
    ratings = [
        Option(
            text=f"{n} " + ("★" * n), value=RatingRef(
                incident_id=ref.incident_id, investigation_id=ref.investigation_id, rating=n
            ).dump(),
        )
        for n in range(5, 0, -1)
    ]  # fmt: skip
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
            StaticSelectElement(
                placeholder="Rate 1–5", action_id=ActionId.FEEDBACK_RATE, options=ratings
            ),
        ],
    )


JUDGE_LABELS = {"hypothesis": ("cause", ActionId.HYPOTHESIS_JUDGE),
                "action": ("fix", ActionId.ACTION_JUDGE)}  # fmt: skip


def judge_menu(
    about: Literal["hypothesis", "action"], name: str | None, inv: InvestigationView
) -> OverflowMenuElement | None:
    """The overflow on one hypothesis ("Right cause" / "Wrong cause", by its kind) or one
    recommended action ("Right fix" / "Wrong fix", by its name)."""
    if name is None or (inv.incident_id is None and inv.investigation_id is None):
        return None
    what, action_id = JUDGE_LABELS[about]

    def option(label: str, right: bool) -> Option:
        ref = JudgeRef(incident_id=inv.incident_id, investigation_id=inv.investigation_id,
                       about=about, name=name or "", right=right)  # fmt: skip
        return Option(text=label, value=ref.dump())

    try:
        options = [option(f":+1: Right {what}", True), option(f":-1: Wrong {what}", False)]
    except ValidationError:  # a name a button cannot carry (a model's free text): no menu
        return None
    return OverflowMenuElement(action_id=action_id, options=options)


def _action_blocks(action: ActionView, inv: InvestigationView | None = None) -> list[Block]:
    line = f"*{escape(action.title)}* · risk {risk_label(action.risk)}"
    params = _params(action.params)
    if params:
        line += f"\n{params}"
    head = section(line)
    menu = judge_menu("action", action.title, inv) if inv is not None else None
    if menu is not None:
        head.accessory = menu
    blocks: list[Block] = [head]
    if action.history:
        blocks.append(context(f":brain: History: {escape(action.history)}"))
    if action.status.lower() == "pending":
        blocks.append(decision_buttons(action.request_id))
    else:
        blocks.append(context(f"Request `{escape(action.request_id)}`: {escape(action.status)}"))
    return blocks


def similar_section(similar: SimilarView) -> str:
    """One past incident: linked title, its root cause, what fixed it and what did not."""
    title = f"#{similar.incident_id} {escape(similar.title)}"
    line = f"<{similar.link}|{title}>" if similar.link else title
    if similar.at is not None:
        line += f" · {when(similar.at)}"
    line += f"\nRoot cause: {escape(similar.cause) if similar.cause else '_not found_'}"
    fixed = "; ".join(escape(f) for f in similar.fixed_by)
    line += f"\nFixed by: {fixed or '_not recorded_'}"
    if similar.did_not_fix:
        line += "\nDid not help: " + "; ".join(escape(f) for f in similar.did_not_fix)
    return line


def investigation_summary(inv: InvestigationView) -> list[Block]:
    """Facts, hypotheses (highest confidence first, with evidence) and recommended actions,
    each with Approve / Reject, the similar past incidents, then feedback buttons."""
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
            block = section(text)
            menu = judge_menu("hypothesis", hyp.kind, inv)
            if menu is not None:
                block.accessory = menu
            blocks.append(block)
        if len(hypotheses) > MAX_HYPOTHESES:
            blocks.append(context(f"_+{len(hypotheses) - MAX_HYPOTHESES} less likely hypotheses_"))
    else:
        blocks.append(section("*Hypotheses*\n_none: the evidence points nowhere yet_"))
    if inv.next_steps:  # what to check or whom to tell first, before any write
        blocks.append(section("*First steps*\n" + bullets(list(inv.next_steps), limit=MAX_FACTS)))
    if inv.actions:
        blocks += [DividerBlock(), section("*Recommended actions*")]
        for action in list(inv.actions)[:MAX_ACTIONS]:
            blocks += _action_blocks(action, inv)
        if len(inv.actions) > MAX_ACTIONS:
            blocks.append(context(f"_+{len(inv.actions) - MAX_ACTIONS} more actions not shown_"))
    if inv.similar:
        blocks += [DividerBlock(), section("*Similar past incidents*")]
        blocks += [section(similar_section(s)) for s in list(inv.similar)[:MAX_SIMILAR]]
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
    if req.acts_in:
        pairs.append(("Acts in", escape(req.acts_in)))
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
