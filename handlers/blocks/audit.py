"""An audit summary with a "Propose fix" button beside each shown finding a registry action
fixes (``/aiops audit security|cost``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, ButtonElement, DividerBlock, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from handlers.blocks.ids import ActionId, BlockId, FixRef
from handlers.blocks.text import chunked_sections, context, escape, fit, truncate

#: fix buttons under one summary (Slack allows 50 blocks a message, the text takes a few)
MAX_FIX_BUTTONS = 20
#: Slack's limit on a button's value
MAX_BUTTON_VALUE = 2000


@dataclass(frozen=True)
class FixButton:
    label: str  # the finding, as the summary names it (Slack markup)
    ref: FixRef


def _where(ref: FixRef) -> str:
    return f" in `{escape(ref.account)} {escape(ref.region or '')}`" if ref.account else ""


def fix_section(n: int, button: FixButton) -> SectionBlock:
    ref = button.ref
    text = f":wrench: `{escape(ref.action)}`{_where(ref)} — {button.label}"
    return SectionBlock(
        block_id=f"{BlockId.FIX_PREFIX}{n}",
        text=MarkdownTextObject(text=truncate(text, 2900)),
        accessory=ButtonElement(
            text="Propose fix", action_id=ActionId.PROPOSE_FIX, value=ref.dump()
        ),
    )


def audit_summary(text: str, buttons: Sequence[FixButton]) -> list[Block]:
    """The summary's lines, then one section with a button per fix (at most
    ``MAX_FIX_BUTTONS``)."""
    blocks = chunked_sections(text.splitlines())
    if buttons:
        blocks += [DividerBlock(), context("Fixes of the findings above (each needs approval):")]
        blocks += [fix_section(n, b) for n, b in enumerate(buttons[:MAX_FIX_BUTTONS])]
    return fit(blocks)
