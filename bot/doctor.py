"""Checks for `aiops doctor`: configuration, database, and every configured integration.

Each check says what is wrong and exactly how to fix it. Unconfigured optional integrations are
``skip`` (not an error): the bot runs without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.config import Settings
from bot.errors import AiopsError
from integrations import health

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def _database(settings: Settings) -> Check:
    from bot.store.db import settings_database
    from bot.store.migrate import current_revision, head_revision

    where = "DATABASE_URL (Postgres)" if settings.database_url else f"SQLite {settings.aiops_db}"
    try:
        db = settings_database(settings, require_current=False)
    except AiopsError as exc:
        return Check("database", "fail", str(exc), "set DATABASE_URL or AIOPS_DB correctly")
    try:
        current, head = current_revision(db.engine), head_revision()
    finally:
        db.dispose()
    if current != head:
        return Check(
            "database",
            "fail",
            f"{where}: schema {current or 'empty'}, code needs {head}",
            "run `aiops db upgrade`",
        )
    return Check("database", "ok", f"{where}, schema {current}")


def _slack(settings: Settings) -> list[Check]:
    bot, app = settings.slack_bot_token, settings.slack_app_token
    if not bot and not app:
        return [
            Check(
                "slack",
                "skip",
                "no SLACK_BOT_TOKEN / SLACK_APP_TOKEN",
                "create the app from app.yaml and set both tokens to run in Slack",
            )
        ]
    out: list[Check] = []
    if not app or not app.get_secret_value().startswith("xapp-"):
        out.append(
            Check(
                "slack app token",
                "fail",
                "SLACK_APP_TOKEN missing or not xapp-…",
                "Basic Information → App-Level Tokens → connections:write",
            )
        )
    if not bot or not bot.get_secret_value().startswith("xoxb-"):
        out.append(
            Check(
                "slack bot token",
                "fail",
                "SLACK_BOT_TOKEN missing or not xoxb-…",
                "OAuth & Permissions → Bot User OAuth Token",
            )
        )
        return out
    probe = health.slack_auth(bot.get_secret_value(), settings.slack_api_url)
    fix = {
        "network": "check DNS, the network and any proxy (HTTPS_PROXY) from this host to Slack",
        "auth": "check SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token)",
    }.get(probe.cause, "check SLACK_BOT_TOKEN and network access to Slack")
    out.append(Check("slack", "ok" if probe.ok else "fail", probe.detail, "" if probe.ok else fix))
    return out


def _aws(settings: Settings) -> Check:
    probe = health.aws_identity(settings.aws_region, settings.aws_endpoint_url)
    if probe.ok:
        return Check("aws", "ok", probe.detail)
    return Check(
        "aws",
        "warn",
        probe.detail,
        "set AWS credentials (profile, env or role) for investigations of AWS resources",
    )


def _kubernetes(settings: Settings) -> Check:
    if not settings.kubeconfig:
        return Check("kubernetes", "skip", "no KUBECONFIG", "set KUBECONFIG to investigate pods")
    if not settings.kubeconfig.exists():
        return Check(
            "kubernetes",
            "fail",
            f"{settings.kubeconfig} does not exist",
            "point KUBECONFIG at a readable kubeconfig file",
        )
    probe = health.kubernetes_version(str(settings.kubeconfig), settings.kube_context)
    return Check(
        "kubernetes",
        "ok" if probe.ok else "fail",
        probe.detail,
        "" if probe.ok else "check the kubeconfig's server and credentials",
    )


def _pagerduty(settings: Settings) -> list[Check]:
    out: list[Check] = []
    if not settings.pagerduty_routing_key:
        out.append(
            Check(
                "pagerduty events",
                "skip",
                "no PAGERDUTY_ROUTING_KEY",
                "set it to page through PagerDuty (Events API v2 integration key)",
            )
        )
    if not settings.pagerduty_api_token:
        out.append(
            Check(
                "pagerduty api",
                "skip",
                "no PAGERDUTY_API_TOKEN",
                "set it for on-call lookups and two-way acknowledgement",
            )
        )
        return out
    probe = health.pagerduty_abilities(
        settings.pagerduty_api_token.get_secret_value(), settings.pagerduty_api_url
    )
    out.append(
        Check(
            "pagerduty api",
            "ok" if probe.ok else "fail",
            probe.detail,
            "" if probe.ok else "check PAGERDUTY_API_TOKEN and PAGERDUTY_API_URL",
        )
    )
    return out


def _anthropic(settings: Settings) -> Check:
    if not settings.anthropic_api_key:
        return Check(
            "anthropic",
            "skip",
            "no ANTHROPIC_API_KEY: investigations use rules only",
            "set ANTHROPIC_API_KEY to let Claude refine classification (optional)",
        )
    return Check("anthropic", "ok", f"key set, model {settings.aiops_anthropic_model}")


def _webhooks(settings: Settings) -> Check:
    if not settings.aiops_webhook_token:
        return Check(
            "webhooks",
            "warn",
            "no AIOPS_WEBHOOK_TOKEN: alert webhooks will refuse posts",
            "set AIOPS_WEBHOOK_TOKEN and use it as the bearer token in Alertmanager",
        )
    return Check(
        "webhooks", "ok", f"listening on {settings.aiops_http_host}:{settings.aiops_http_port}"
    )


def run_checks(settings: Settings) -> list[Check]:
    checks = [Check("config", "ok", "settings parsed")]
    checks.append(_database(settings))
    checks.extend(_slack(settings))
    checks.append(_webhooks(settings))
    checks.append(_aws(settings))
    checks.append(_kubernetes(settings))
    checks.extend(_pagerduty(settings))
    checks.append(_anthropic(settings))
    return checks
