"""``/aiops``: parse, ack at once (help, usage error, or a visible "working on it"), then run
the sub-command's service call in a job and post its reply."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.jobs import JobRunner, describe_error
from handlers.slack.commands import COMMAND, Run, parse
from handlers.slack.respond import Responder
from handlers.slack.services import Services


def register(app: App, services: Services, jobs: JobRunner) -> None:
    @app.command(COMMAND)
    def aiops_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        try:
            outcome = parse(command.get("text") or "")
        except Exception as exc:  # a parser bug must still ack with a message
            ack(text=describe_error(exc, where=COMMAND))
            return
        if not isinstance(outcome, Run):
            ack(text=outcome.text, blocks=outcome.blocks)
            return
        ack(text=f":hourglass_flowing_sand: {outcome.ack_text}")
        responder = Responder.for_command(client, command, respond)

        def job() -> None:
            responder.send(outcome.call(services, responder.actor))

        jobs.submit(f"{COMMAND} {outcome.subcommand.name}", job, on_error=responder.error)
