"""Where a job's :class:`Reply` goes, worked out once from the Slack payload.

* slash command: private → the command's ``response_url``; public → a channel post.
* click on a message: private → ``response_url`` (ephemeral); public → the message's thread;
  ``replace_original`` → ``chat.update`` of the clicked message.
* modal submission / App Home: the channel in the modal's metadata, else a DM.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.slack.services import Actor, Reply

log = logging.getLogger("aiops.slack")


@dataclass
class Responder:
    client: WebClient
    actor: Actor
    respond: Respond | None = None
    channel_id: str | None = None
    message_ts: str | None = None  # the clicked message
    thread_ts: str | None = None  # where public replies go

    # ---- construction from payloads
    @classmethod
    def for_command(cls, client: WebClient, body: Mapping[str, Any], respond: Respond) -> Responder:
        actor = Actor(body["user_id"], body.get("team_id"), body.get("channel_id"))
        return cls(client, actor, respond, channel_id=actor.channel_id)

    @classmethod
    def for_click(
        cls, client: WebClient, body: Mapping[str, Any], respond: Respond | None
    ) -> Responder:
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        message_ts = container.get("message_ts")
        thread_ts = container.get("thread_ts") or message_ts
        actor = Actor(body["user"]["id"], (body.get("team") or {}).get("id"), channel)
        use_respond = respond if body.get("response_url") else None
        return cls(client, actor, use_respond, channel, message_ts, thread_ts)

    # ---- sending
    def send(self, reply: Reply) -> None:
        if reply.replace_original and self.channel_id and self.message_ts:
            self.client.chat_update(
                channel=self.channel_id, ts=self.message_ts, text=reply.text,
                blocks=list(reply.blocks),
            )  # fmt: skip
        elif reply.public:
            self._public(reply)
        else:
            self.private(reply.text, reply)

    def _public(self, reply: Reply) -> None:
        target = self.channel_id or self.actor.user_id
        try:
            self.client.chat_postMessage(
                channel=target, text=reply.text, blocks=list(reply.blocks) or None,
                thread_ts=self.thread_ts,
            )  # fmt: skip
        except SlackApiError as exc:
            if self.respond is None:
                raise
            log.info("posting to %s failed (%s); answering in place", target, exc.response["error"])
            self.respond(
                text=reply.text, blocks=list(reply.blocks) or None, response_type="in_channel"
            )
        if reply.file is not None:
            self.client.files_upload_v2(
                channel=target, thread_ts=self.thread_ts, content=reply.file.content,
                filename=reply.file.filename, title=reply.file.title,
            )  # fmt: skip

    def private(self, text: str, reply: Reply | None = None) -> None:
        """Show ``text`` (or ``reply``) to the actor only."""
        blocks = list(reply.blocks) if reply is not None and reply.blocks else None
        if self.respond is not None:
            self.respond(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
        elif self.channel_id and not self.channel_id.startswith("D"):
            self.client.chat_postEphemeral(
                channel=self.channel_id, user=self.actor.user_id, text=text, blocks=blocks,
                thread_ts=self.thread_ts,
            )  # fmt: skip
        else:
            self.client.chat_postMessage(channel=self.actor.user_id, text=text, blocks=blocks)

    def error(self, message: str) -> None:
        self.private(message)
