"""Build the channels and the notifier from settings (secrets unwrapped only here)."""

from __future__ import annotations

import httpx

from bot.clock import Clock
from bot.config import Settings
from bot.notify.channels import Channel, SlackSender
from bot.notify.channels.email import EmailChannel, SmtpConfig
from bot.notify.channels.http import TeamsChannel, WebhookChannel
from bot.notify.channels.pagerduty import PagerDutyChannel
from bot.notify.delivery import Notifier, RetryPolicy
from bot.store import Database
from integrations import pagerduty as pd


def _secret(value: object) -> str | None:
    return value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]


def build_channels(
    settings: Settings, *, slack: SlackSender | None = None, http: httpx.Client | None = None
) -> dict[str, Channel]:
    """Every channel the settings make possible; a missing setting leaves that channel out."""
    http = http or httpx.Client(timeout=10.0)
    channels: dict[str, Channel] = {
        "teams": TeamsChannel(http, _secret(settings.aiops_teams_webhook_url)),
        "webhook": WebhookChannel(
            http,
            secret=_secret(settings.aiops_notify_webhook_secret),
            default_url=settings.aiops_notify_webhook_url,
        ),
    }
    if slack is not None:
        channels["slack"] = slack
    routing_key = _secret(settings.pagerduty_routing_key)
    if routing_key:
        token = _secret(settings.pagerduty_api_token)
        rest = (
            pd.rest_session(
                token,
                base_url=settings.pagerduty_api_url,
                default_from=settings.pagerduty_from_email,
            )
            if token
            else None
        )
        events = pd.events_session(routing_key, base_url=settings.pagerduty_events_url)
        channels["pagerduty"] = PagerDutyChannel(
            events, rest, default_from=settings.pagerduty_from_email
        )
    if settings.aiops_smtp_host:
        channels["email"] = EmailChannel(
            SmtpConfig(
                host=settings.aiops_smtp_host,
                port=settings.aiops_smtp_port,
                sender=settings.aiops_smtp_from,
                user=settings.aiops_smtp_user,
                password=_secret(settings.aiops_smtp_password),
                starttls=settings.aiops_smtp_starttls,
            )
        )
    return channels


def build_notifier(
    settings: Settings,
    db: Database,
    *,
    clock: Clock,
    slack: SlackSender | None = None,
    channels: dict[str, Channel] | None = None,
) -> Notifier:
    return Notifier(
        db,
        channels if channels is not None else build_channels(settings, slack=slack),
        clock=clock,
        retry=RetryPolicy(
            attempts=settings.aiops_notify_attempts,
            backoff_s=settings.aiops_notify_backoff_s,
            backoff_max_s=settings.aiops_notify_backoff_max_s,
        ),
        rate_per_hour=settings.aiops_notify_rate_per_hour,
    )
