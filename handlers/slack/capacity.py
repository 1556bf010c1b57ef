"""The capacity digest in Slack: ``SlackDigestPoster`` (the ``DigestPoster`` port:
``chat.postMessage`` with the digest, then the charts with ``files_upload_v2`` in the same
channel) and the ``/aiops capacity`` / ``/aiops slo`` services to plug into ``Services``:

    services = replace(default_services(), capacity=capacity_service(runner),
                       slo=slo_service(lambda: slo_status_text()))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.digest.flows import DigestRunner
from bot.errors import UpstreamUnavailable
from handlers.slack.services import Actor, Reply


class SlackDigestPoster:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, channel: str, text: str, files: Sequence[Path]) -> str:
        try:
            message = self.client.chat_postMessage(channel=channel, text=text, mrkdwn=True)
            channel_id = str(message["channel"])
            ts = str(message["ts"])
            if files:
                self.client.files_upload_v2(
                    channel=channel_id,
                    file_uploads=[{"file": str(p), "title": p.stem} for p in files],
                    initial_comment="Capacity forecast charts",
                )
        except SlackApiError as exc:
            reason = exc.response.get("error", "unknown error") if exc.response else str(exc)
            raise UpstreamUnavailable(f"Slack refused the capacity digest: {reason}") from None
        return f"{channel_id}/{ts}"


def capacity_service(runner: DigestRunner) -> Callable[[Actor], Reply]:
    """``/aiops capacity``: post the digest (with charts) in the channel it was asked in."""

    def capacity(actor: Actor) -> Reply:
        _, report = runner.post_now(actor.channel_id)
        first = report.slack_text.splitlines()[1:3]
        summary = " ".join(line.strip("*• ") for line in first)
        return Reply(f"Posted the capacity digest here. {summary}".strip())

    return capacity


def slo_service(status: Callable[[], str]) -> Callable[[Actor], Reply]:
    """``/aiops slo``: the SLO status text (error budgets, burn rates, live SLA clocks)."""

    def slo(actor: Actor) -> Reply:
        return Reply(status())

    return slo
