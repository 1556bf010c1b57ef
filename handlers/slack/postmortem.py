"""``/aiops postmortem <id>``: the incident's postmortem draft (``bot.history.postmortem``),
posted as a Markdown file in the incident's thread (``files_upload_v2``), or in the channel the
command came from when the incident has no Slack message."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.errors import UpstreamUnavailable
from bot.history.postmortem import build_postmortem
from handlers.slack.services import Actor, Reply

if TYPE_CHECKING:
    from handlers.slack.domain import Domain

log = logging.getLogger("aiops.slack.postmortem")


def postmortem(domain: Domain, actor: Actor, incident_id: int) -> Reply:
    slo = None
    sources: dict[str, Any] = {}
    reports = domain.reports
    if reports is not None and reports.slo_file is not None:
        from bot.slo.config import load_config

        slo = load_config(reports.slo_file)
        sources = reports.metric_sources() if slo.slos else {}
    draft = build_postmortem(domain.db, incident_id, now=domain.clock.now(), slo=slo,
                             sources=sources)  # fmt: skip
    if domain.client is None:
        raise UpstreamUnavailable("Slack is not configured on this bot")
    ref = domain.publisher.ref_of(domain.view(incident_id)) if domain.publisher else None
    channel, thread = (ref.channel, ref.ts) if ref else (actor.channel_id, None)
    if not channel:
        raise UpstreamUnavailable("nowhere to post the draft: run the command in a channel")
    comment = f":memo: Postmortem draft for incident #{incident_id}, asked by <@{actor.user_id}>."
    try:
        domain.client.files_upload_v2(
            channel=channel, thread_ts=thread, content=draft.markdown, filename=draft.filename,
            title=f"Postmortem draft: #{incident_id} {draft.title}", initial_comment=comment,
        )  # fmt: skip
    except SlackApiError as exc:
        reason = exc.response.get("error", "unknown error") if exc.response else str(exc)
        raise UpstreamUnavailable(f"Slack refused the postmortem file: {reason}") from None
    place = "the incident's thread" if thread else "this channel"
    return Reply(f":memo: Postmortem draft for #{incident_id} posted in {place}.")
