"""The small set of domain exceptions that every entry point turns into a friendly message.

Handlers (Slack, HTTP, CLI) catch ``AiopsError`` and show ``str(exc)``; anything else is
unexpected and is logged with an id the user can quote.
"""

from __future__ import annotations


class AiopsError(Exception):
    """Base class: the message is safe to show to a user (no secrets, no stack)."""

    http_status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UserError(AiopsError):
    """The request itself is wrong: bad arguments, bad file, bad setting."""

    http_status = 400


class NotFound(AiopsError):
    """A thing the user named does not exist."""

    http_status = 404


class Forbidden(AiopsError):
    """The actor lacks the role or the signature is wrong."""

    http_status = 403


class Conflict(AiopsError):
    """The request clashes with stored state: already done, expired, a duplicate."""

    http_status = 409


class UpstreamUnavailable(AiopsError):
    """An external system (AWS, Kubernetes, PagerDuty, Slack, the database) did not answer."""

    http_status = 503


class ConfigError(UserError):
    """A setting is missing or malformed; the message names the setting and the fix."""


class NotEnabled(AiopsError):
    """An optional service a check reads (GuardDuty, Inspector, AWS Config) is not switched on
    here: reported as a note, not as a failure."""

    http_status = 409
