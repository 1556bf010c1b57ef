"""Timeline, help / usage, the App Home tab and the resolve modal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from handlers.blocks.ids import BlockId, CallbackId, InputId, ResolveMetadata
from handlers.blocks.incident import incident_line
from handlers.blocks.investigation import decision_buttons, risk_label
from handlers.blocks.models import FixOption, HomeView, TimelineView, UsageLine
from handlers.blocks.text import (
    MAX_HEADER_TEXT,
    MAX_VIEW_BLOCKS,
    chunked_sections,
    context,
    escape,
    fit,
    mention,
    section,
    truncate,
    when,
)

MAX_HOME_INCIDENTS = 20
MAX_HOME_APPROVALS = 10
MAX_NOTE = 2000


def timeline(tl: TimelineView) -> list[Block]:
    """Entries oldest first, packed into sections; the newest are kept if there are too many."""
    title = truncate(f"Timeline: #{tl.incident_id} {tl.title}", MAX_HEADER_TEXT, note=False)
    entries = sorted(tl.entries, key=lambda e: e.at)
    lines = []
    for entry in entries:
        actor = f" — {mention(entry.actor)}" if entry.actor else ""
        lines.append(f"{when(entry.at)} *{escape(entry.kind)}* {escape(entry.text)}{actor}")
    body = chunked_sections(lines) if lines else [section("_no events yet_")]
    if len(body) > 48:  # keep the newest; Slack allows 50 blocks
        dropped = len(body) - 47
        body = [context(f"_{dropped} earlier parts not shown_"), *body[dropped:]]
    return fit([HeaderBlock(text=PlainTextObject(text=title)), *body])


def help_blocks(
    title: str, lines: Sequence[UsageLine], *, footer: str | None = None
) -> list[Block]:
    """The list of sub-commands with a one-line summary each."""
    text = "\n".join(f"`{escape(line.usage)}` — {escape(line.summary)}" for line in lines)
    blocks: list[Block] = [section(f"*{escape(title)}*"), *chunked_sections(text.splitlines())]
    if footer:
        blocks.append(context(footer))
    return fit(blocks)


def usage_blocks(problem: str, usage: str, summary: str | None = None) -> list[Block]:
    """What was wrong with the command, and how to write it."""
    text = f":warning: {escape(problem)}\n*Usage:* `{escape(usage)}`"
    if summary:
        text += f"\n{escape(summary)}"
    return [section(text)]


def _span(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = value.total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def home_tab(home: HomeView) -> View:
    """App Home: my teams' open incidents, the approvals I can give (with buttons), who is on
    call for my teams, and my teams' MTTA / MTTR this week."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="aiops"))]
    if home.teams:
        blocks.append(context("Your teams: " + ", ".join(escape(t) for t in home.teams)))
    incidents = list(home.open_incidents)
    blocks.append(section(f"*Open incidents* ({len(incidents)})"))
    if incidents:
        blocks += chunked_sections([incident_line(i) for i in incidents[:MAX_HOME_INCIDENTS]])
        if len(incidents) > MAX_HOME_INCIDENTS:
            blocks.append(
                context(f"_+{len(incidents) - MAX_HOME_INCIDENTS} more: `/aiops incidents`_")
            )
    else:
        blocks.append(section("_No open incidents._ :tada:"))
    blocks.append(DividerBlock())
    approvals = list(home.pending_approvals)
    blocks.append(section(f"*Pending approvals* ({len(approvals)})"))
    for req in approvals[:MAX_HOME_APPROVALS]:
        where = f" · incident #{req.incident_id}" if req.incident_id is not None else ""
        where += f" · in {escape(req.acts_in)}" if req.acts_in else ""
        blocks.append(
            section(
                f"*{escape(req.action)}* · risk {risk_label(req.risk)} · asked by "
                f"{mention(req.requested_by)}{where}"
            )
        )
        blocks.append(decision_buttons(req.request_id))
    if not approvals:
        blocks.append(section("_Nothing waiting for you._"))
    blocks.append(DividerBlock())
    if home.oncall:
        lines = [
            f"*{escape(o.schedule)}*: {mention(o.user)}"
            + (f" until {when(o.until)}" if o.until else "")
            for o in home.oncall
        ]
        blocks += [section("*On call*"), *chunked_sections(lines)]
    else:
        blocks.append(section("*On call*\n_unknown_"))
    if home.weeks:
        lines = [
            f"*{escape(w.team)}*: {w.opened} incident(s) · MTTA {_span(w.mtta)} · "
            f"MTTR {_span(w.mttr)}"
            for w in home.weeks
        ]
        blocks += [DividerBlock(), section("*This week*"), *chunked_sections(lines)]
    return View(type="home", blocks=fit(blocks, MAX_VIEW_BLOCKS))


MAX_FIX_TEXT = 255
MAX_FIX_OPTIONS = 100  # Slack's limit for one static select
MAX_OPTION_TEXT = 75


def _fix_inputs(choices: Sequence[FixOption]) -> list[Block]:
    """ "What fixed it": a pick of registry actions and runbooks, and free text."""
    blocks: list[Block] = []
    if choices:
        options = [
            Option(text=truncate(c.label, MAX_OPTION_TEXT, note=False), value=c.value)
            for c in choices[:MAX_FIX_OPTIONS]
        ]
        blocks.append(
            InputBlock(
                block_id=BlockId.RESOLVE_FIX,
                label=PlainTextObject(text="What fixed it?"),
                optional=True,
                element=StaticSelectElement(
                    action_id=InputId.RESOLVE_FIX, placeholder="An action or runbook",
                    options=options,
                ),
            )
        )  # fmt: skip
    blocks.append(
        InputBlock(
            block_id=BlockId.RESOLVE_FIX_TEXT,
            label=PlainTextObject(text="Or, in a few words"),
            optional=True,
            element=PlainTextInputElement(
                action_id=InputId.RESOLVE_FIX_TEXT, max_length=MAX_FIX_TEXT,
                placeholder="e.g. raised the DB pool to 40",
            ),
        )
    )  # fmt: skip
    return blocks


def resolve_modal(meta: ResolveMetadata, choices: Sequence[FixOption] = ()) -> View:
    """Asks for a resolution note and what fixed it (a registry action or runbook, or a few
    words: filed as a confirmed fix for this kind of incident); ``private_metadata`` says which
    incident and message."""
    return View(
        type="modal",
        callback_id=CallbackId.RESOLVE_MODAL,
        private_metadata=meta.dump(),
        title=PlainTextObject(text="Resolve incident"),
        submit=PlainTextObject(text="Resolve"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            section(f"Resolve incident *#{meta.incident_id}*?"),
            InputBlock(
                block_id=BlockId.RESOLVE_NOTE,
                label=PlainTextObject(text="Resolution note"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=InputId.RESOLVE_NOTE, multiline=True, max_length=MAX_NOTE
                ),
            ),
            *_fix_inputs(choices),
        ],
    )
