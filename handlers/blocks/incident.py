"""The incident message posted in the incidents channel (and re-rendered on every change)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
)

from handlers.blocks.ids import ActionId, BlockId, IncidentRef
from handlers.blocks.models import ChangeView, IncidentCard
from handlers.blocks.text import (
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    chunked_sections,
    context,
    escape,
    fields,
    fit,
    mention,
    section,
    severity_emoji,
    status_emoji,
    truncate,
    when,
)

MAX_CHANGES_SHOWN = 5
MAX_SERVICES_SHOWN = 10


def incident_text(incident: IncidentCard) -> str:
    """Notification / fallback text for the incident message."""
    return truncate(
        f"[{incident.severity.upper()}] Incident #{incident.id}: {incident.title} "
        f"({incident.status})",
        MAX_FALLBACK_TEXT,
        note=False,
    )


def incident_title(incident: IncidentCard) -> str:
    return truncate(
        f"#{incident.id} {incident.title}".replace("\n", " "), MAX_HEADER_TEXT, note=False
    )


def incident_buttons(incident: IncidentCard) -> ActionsBlock | None:
    """Acknowledge / Investigate / Resolve, as far as the status still allows them."""
    status = incident.status.lower()
    if status == "resolved":
        return None
    value = IncidentRef(incident_id=incident.id).dump()
    buttons = []
    if status == "triggered":
        buttons.append(
            ButtonElement(
                text="Acknowledge", action_id=ActionId.ACKNOWLEDGE, value=value, style="primary"
            )
        )
    buttons.append(ButtonElement(text="Investigate", action_id=ActionId.INVESTIGATE, value=value))
    buttons.append(
        ButtonElement(text="Resolve", action_id=ActionId.RESOLVE, value=value, style="danger")
    )
    return ActionsBlock(block_id=BlockId.INCIDENT_ACTIONS, elements=buttons)


def _change_line(change: ChangeView) -> str:
    text = escape(change.summary)
    if change.url:
        text = f"<{change.url}|{text}>"
    at = f" · {when(change.at)}" if change.at else ""
    return f"• `{escape(change.kind)}` {text}{at}"


def incident_message(incident: IncidentCard) -> list[Block]:
    """Title, severity, status, root-cause alert, services, related changes, alert count and the
    buttons that still make sense for the status."""
    services = list(incident.services)
    shown = ", ".join(f"`{escape(s)}`" for s in services[:MAX_SERVICES_SHOWN]) or "—"
    if len(services) > MAX_SERVICES_SHOWN:
        shown += f" +{len(services) - MAX_SERVICES_SHOWN} more"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=incident_title(incident), emoji=True)),
        fields(
            [
                ("Severity", f"{severity_emoji(incident.severity)} {escape(incident.severity)}"),
                ("Status", f"{status_emoji(incident.status)} {escape(incident.status)}"),
                ("Alerts", str(incident.alert_count)),
                ("Services", shown),
                ("Assignee", mention(incident.assignee) if incident.assignee else "—"),
                ("Started", when(incident.started_at)),
            ]
        ),
    ]
    if incident.root_cause_alert:
        blocks.append(section(f"*Root-cause alert*\n{escape(incident.root_cause_alert)}"))
    if incident.root_reason:
        blocks.append(context(f":mag: {truncate(escape(incident.root_reason), 2900)}"))
    if incident.related_changes:
        changes = list(incident.related_changes)
        lines = [_change_line(c) for c in changes[:MAX_CHANGES_SHOWN]]
        if len(changes) > MAX_CHANGES_SHOWN:
            lines.append(f"_+{len(changes) - MAX_CHANGES_SHOWN} more changes_")
        blocks.append(section("*Related changes*\n" + "\n".join(lines)))
    if incident.auto_investigated:
        auto = truncate(escape(incident.auto_investigated), 2900)
        blocks.append(context(f":robot_face: {auto} · findings in the thread"))
    buttons = incident_buttons(incident)
    if buttons is not None:
        blocks.append(buttons)
    footer = f"Incident #{incident.id}"
    if incident.permalink:
        footer += f" · <{incident.permalink}|permalink>"
    blocks += [DividerBlock(), context(footer)]
    return fit(blocks)


def incident_line(incident: IncidentCard) -> str:
    """One-line summary (lists, App Home)."""
    title = escape(incident.title)
    if incident.permalink:
        title = f"<{incident.permalink}|{title}>"
    return (
        f"{severity_emoji(incident.severity)} *#{incident.id}* {title} · "
        f"{status_emoji(incident.status)} {escape(incident.status)} · {incident.alert_count} alerts"
    )


def incident_list(incidents: list[IncidentCard], *, title: str = "Open incidents") -> list[Block]:
    if not incidents:
        return [section(f"*{title}*\n_none_ :tada:")]
    lines = [incident_line(i) for i in incidents]
    return fit([section(f"*{title}* ({len(incidents)})"), *chunked_sections(lines)])


__all__ = [
    "incident_buttons",
    "incident_line",
    "incident_list",
    "incident_message",
    "incident_text",
]
