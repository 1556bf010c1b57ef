"""``SlackOpsNotice``: the ``bot.runbooks.ports.OpsNotice`` port over the Web API — one
``chat.postMessage`` in the ops channel (``AIOPS_OPS_CHANNEL``, else the incidents channel).
Slack failing is logged, never raised: the notice is about something already decided."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger("aiops.slack.ops")


class SlackOpsNotice:
    def __init__(self, client: WebClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    def notify(self, text: str) -> None:
        try:
            self.client.chat_postMessage(channel=self.channel, text=text, mrkdwn=True)
        except SlackApiError as exc:
            log.error("could not post to %s: %s", self.channel, exc.response.get("error"))
        except OSError as exc:
            log.error("could not reach Slack to post to %s: %s", self.channel, exc)
