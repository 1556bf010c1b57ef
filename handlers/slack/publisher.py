"""The Slack ``IncidentPublisher``: ONE message per incident, kept current with ``chat.update``.

- ``publish(view)``: ``chat.postMessage`` once; the caller stores the returned channel + ts on
  the incident (``IncidentFlows.set_message``), and this publisher remembers it too, so an
  update that races the store still edits the right message.
- ``update(view)``: ``chat.update`` of that message (title, status, alert count, buttons).
- ``thread(view, text, alerts=…)``: one reply in the incident's thread; a burst of alerts is
  folded into that one reply (the first few lines, then "+N more").
- ``post(view, text, blocks)``: any other thread reply (investigation summaries, outcomes).

Slack failing must never lose an alert: every Web API error is logged and swallowed here, the
incident is already stored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.incidents.models import AlertLine, IncidentView
from bot.incidents.ports import MessageRef
from bot.notify.models import Message as NotifyMessage
from bot.notify.models import SendError, Target, TargetKind
from handlers.blocks import incident_message, incident_text
from handlers.blocks.models import ChangeView, IncidentCard
from handlers.blocks.text import bullets, context, escape, section, severity_emoji

log = logging.getLogger("aiops.slack.publisher")

MAX_ALERT_LINES = 10
MAX_CHANGES = 5


def incident_card(
    view: IncidentView, *, assignee: str | None = None, auto_investigated: str | None = None
) -> IncidentCard:
    """The block builders' view model of a stored incident."""
    root = view.root_alert
    root_text = None
    if root is not None:
        root_text = f"{root.name} ({root.service or '-'})"
        if root.summary:
            root_text += f": {root.summary}"
    changes = [
        ChangeView(
            summary=" ".join(
                part
                for part in (c.service or "", c.version or "", f"by {c.actor}" if c.actor else "")
                if part
            )
            or c.why,
            kind=c.kind,
            at=c.at,
        )
        for c in view.changes[:MAX_CHANGES]
    ]
    return IncidentCard(
        id=view.id,
        title=view.title,
        severity=view.severity,
        status=view.status,
        root_cause_alert=root_text,
        root_reason=view.root_verdict.text if view.root_verdict else None,
        services=tuple(view.services),
        related_changes=tuple(changes),
        alert_count=view.alert_count,
        started_at=view.created_at,
        auto_investigated=auto_investigated,
        assignee=assignee,
    )


def alert_burst(text: str, alerts: Sequence[AlertLine]) -> tuple[str, list[Block]]:
    """One thread reply for a batch of alerts: a headline and one line per alert (capped)."""
    lines = [  # bullets() escapes each line
        f"{severity_emoji(a.severity)} `#{a.id}` *{a.name}* ({a.service or '-'}) {a.status}"
        + (f": {a.summary}" if a.summary else "")
        for a in alerts
    ]
    blocks: list[Block] = [section(f"*{escape(text)}*")]
    if lines:
        blocks.append(section(bullets(lines, limit=MAX_ALERT_LINES)))
    return text, blocks


class SlackIncidentPublisher:
    """``IncidentPublisher`` over the Slack Web API (thread-safe; WebClient is)."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        *,
        assignee_of: Callable[[int], str | None] | None = None,
        auto_of: Callable[[int], str | None] | None = None,
    ) -> None:
        self.client = client
        self.channel = channel
        self.assignee_of = assignee_of  # incident id -> Slack user id (read from the store)
        self.auto_of = auto_of  # incident id -> "Investigated automatically …" (or None)
        self._refs: dict[int, MessageRef] = {}
        self._lock = threading.Lock()

    # ---- where an incident's message is
    def ref_of(self, view: IncidentView) -> MessageRef | None:
        if view.slack_channel and view.slack_ts:
            return MessageRef(view.slack_channel, view.slack_ts)
        with self._lock:
            return self._refs.get(view.id)

    def _card(self, view: IncidentView) -> IncidentCard:
        assignee = auto = None
        try:
            if self.assignee_of is not None:
                assignee = self.assignee_of(view.id)
            if self.auto_of is not None:
                auto = self.auto_of(view.id)
        except Exception:  # the card still renders without it
            log.exception("could not read the assignee / investigation of incident #%s", view.id)
        return incident_card(view, assignee=assignee, auto_investigated=auto)

    # ---- IncidentPublisher
    def publish(self, incident: IncidentView) -> MessageRef | None:
        existing = self.ref_of(incident)
        if existing is not None:
            self.update(incident)
            return existing
        card = self._card(incident)
        try:
            resp = self.client.chat_postMessage(
                channel=incident.slack_channel or self.channel,  # the owning team's channel
                text=incident_text(card), blocks=incident_message(card),
            )  # fmt: skip
        except SlackApiError as exc:
            log.error("could not post incident #%s: %s", incident.id, exc.response.get("error"))
            return None
        ref = MessageRef(str(resp["channel"]), str(resp["ts"]))
        with self._lock:
            self._refs[incident.id] = ref
        return ref

    def update(self, incident: IncidentView) -> None:
        ref = self.ref_of(incident)
        if ref is None:
            log.info("incident #%s has no Slack message yet; nothing to update", incident.id)
            return
        card = self._card(incident)
        try:
            self.client.chat_update(
                channel=ref.channel, ts=ref.ts, text=incident_text(card),
                blocks=incident_message(card),
            )  # fmt: skip
        except SlackApiError as exc:
            log.error("could not update incident #%s: %s", incident.id, exc.response.get("error"))

    def thread(
        self, incident: IncidentView, text: str, *, alerts: Sequence[AlertLine] = ()
    ) -> None:
        fallback, blocks = alert_burst(text, alerts)
        self.post(incident, fallback, blocks)

    # ---- other thread replies
    def post(
        self, incident: IncidentView, text: str, blocks: Sequence[Block] = ()
    ) -> MessageRef | None:
        """A reply in the incident's thread (top level in the channel if it has no message)."""
        ref = self.ref_of(incident)
        channel = ref.channel if ref else self.channel
        try:
            resp = self.client.chat_postMessage(
                channel=channel, text=text, blocks=list(blocks) or [section(escape(text))],
                thread_ts=ref.ts if ref else None,
            )  # fmt: skip
        except SlackApiError as exc:
            log.error("could not post to incident #%s: %s", incident.id, exc.response.get("error"))
            return None
        return MessageRef(str(resp["channel"]), str(resp["ts"]))


def note_blocks(text: str, footer: str | None = None) -> list[Block]:
    blocks: list[Block] = [section(text)]
    if footer:
        blocks.append(context(footer))
    return blocks


class SlackSenderAdapter:
    """``bot.notify.channels.SlackSender`` over the Web API: channel posts, DMs, user-group
    mentions in the incidents channel, and replies in an incident's thread ("CHANNEL/TS")."""

    def __init__(self, client: WebClient, default_channel: str) -> None:
        self.client = client
        self.default_channel = default_channel

    def send(self, target: Target, message: NotifyMessage, dedup_key: str) -> None:
        text = f"*{escape(message.title)}*\n{escape(message.text)}"
        channel, thread_ts = target.ref or self.default_channel, None
        if target.kind == TargetKind.SLACK_USERGROUP:
            group = target.ref.lstrip("@")
            text = f"<!subteam^{group}> {text}"
            channel = self.default_channel
        elif target.kind == TargetKind.SLACK_THREAD:
            channel, _, thread_ts = target.ref.partition("/")
        try:
            self.client.chat_postMessage(channel=channel, text=text, thread_ts=thread_ts or None)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error"))
            raise SendError(f"slack: {error}", transient=status == 429 or status >= 500) from None
        except OSError as exc:
            raise SendError(f"slack unreachable: {exc}", transient=True) from None
