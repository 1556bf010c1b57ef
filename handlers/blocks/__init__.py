"""Block Kit builders: pure functions from view models (``models.py``) to ``slack_sdk`` blocks,
and the ids and typed button values they write (``ids.py``), which the Slack handlers match on."""

from handlers.blocks.incident import incident_line, incident_list, incident_message, incident_text
from handlers.blocks.investigation import (
    approval_request,
    decision_buttons,
    feedback_buttons,
    investigation_summary,
    investigation_text,
)
from handlers.blocks.misc import help_blocks, home_tab, resolve_modal, timeline, usage_blocks

__all__ = [
    "approval_request",
    "decision_buttons",
    "feedback_buttons",
    "help_blocks",
    "home_tab",
    "incident_line",
    "incident_list",
    "incident_message",
    "incident_text",
    "investigation_summary",
    "investigation_text",
    "resolve_modal",
    "timeline",
    "usage_blocks",
]
