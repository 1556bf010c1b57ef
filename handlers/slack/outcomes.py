"""``SlackOutcomes``: the Slack side of ``bot.remediate.ports.OutcomePublisher``.

An outcome goes to the incident's thread when the request has an incident (and the incident
message is redrawn), else under the investigation summary it was proposed from, else to the log.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.incidents.models import IncidentView
from bot.remediate.flows import Outcome
from bot.remediate.ports import OutcomeNotice
from handlers.blocks.text import escape
from handlers.slack.publisher import SlackIncidentPublisher

log = logging.getLogger("aiops.slack.remediation")

STATUS_EMOJI = {
    "verified": ":white_check_mark:",
    "unverified": ":grey_question:",  # ran, but nothing could check it: the incident is unchanged
    "rolled_back": ":leftwards_arrow_with_hook:",
    "failed": ":x:",
    "not_recovered": ":warning:",
}
AFTER_RESTART = ":rotating_light: After a restart: "


def outcome_text(outcome: Outcome, *, after_restart: bool = False) -> str:
    emoji = STATUS_EMOJI.get(outcome.status, ":information_source:")
    return (
        f"{AFTER_RESTART if after_restart else ''}{emoji} `{outcome.action}` "
        f"(request {outcome.request_id}): *{outcome.status}* — {escape(outcome.detail)}"
    )


class SlackOutcomes:
    def __init__(self, publisher: SlackIncidentPublisher | None, client: WebClient | None) -> None:
        self.publisher, self.client = publisher, client

    def outcome(self, notice: OutcomeNotice, outcome: Outcome, *, after_restart: bool) -> None:
        self._say(notice, outcome_text(outcome, after_restart=after_restart))

    def failed(self, notice: OutcomeNotice, message: str) -> None:
        self._say(notice, message)

    def incident_changed(self, incident: IncidentView) -> None:
        if self.publisher is not None:
            self.publisher.update(incident)

    def _say(self, notice: OutcomeNotice, text: str) -> None:
        if notice.incident is not None and self.publisher is not None:
            self.publisher.post(notice.incident, text)
            return
        where = notice.posted.get("slack")
        if where and self.client is not None:
            try:
                self.client.chat_postMessage(
                    channel=where["channel"], thread_ts=where["ts"], text=text
                )
            except SlackApiError as exc:
                log.warning("could not post a remediation outcome: %s", exc.response.get("error"))
            return
        log.warning("remediation outcome with nowhere to post: %s", text)
