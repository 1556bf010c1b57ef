"""`aiops run`: the one production process — webhooks (HTTP), Slack (socket mode) and the
scheduler (escalation ticks, approval expiry) — until SIGTERM / SIGINT.

    aiops db upgrade && aiops run              # Slack needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN
    aiops run --no-slack                       # webhooks + scheduler only
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer

from bot.config import get_settings

NO_TOKENS = (
    "error: Slack needs SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…); "
    "set them, or run `aiops run --no-slack` for webhooks and the scheduler only"
)


def run(
    no_slack: Annotated[
        bool, typer.Option("--no-slack", help="serve webhooks and the scheduler without Slack")
    ] = False,
) -> None:
    """Serve webhooks, Slack and the scheduler in one process until SIGTERM / SIGINT."""
    settings = get_settings()
    if not no_slack and (settings.slack_bot_token is None or settings.slack_app_token is None):
        print(NO_TOKENS, file=sys.stderr, flush=True)
        raise typer.Exit(2)
    from handlers.slack.wiring import Runtime

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    runtime = Runtime(settings, slack=not no_slack, settle_heap=True)
    try:
        runtime.start()
        where = f"http://{settings.aiops_http_host}:{runtime.http_port}"
        slack = "off" if no_slack else f"connected, posting to {settings.aiops_slack_channel}"
        print(f"aiops running: webhooks {where} · slack {slack}", flush=True)
        while not stop.wait(0.5):
            pass
        print("aiops stopping…", flush=True)
    finally:
        runtime.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("aiops stopped", flush=True)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
