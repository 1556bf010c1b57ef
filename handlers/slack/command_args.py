"""``/aiops`` arguments: the token validators every sub-command's parser shares (incident and
request ids, user mentions, durations, team, stack and account names, free text). A bad token
raises :class:`ArgError`, whose message is shown with the sub-command's usage."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta

from handlers.slack.services import Actor, Reply, Services

Call = Callable[[Services, Actor], Reply]

_INCIDENT = re.compile(r"^(?:#|inc-?)?(\d{1,12})$", re.IGNORECASE)
_REQUEST = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TARGET = re.compile(r"^[A-Za-z0-9_./:-]{1,128}$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_TEAM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: CloudFormation's stack name rule: a letter, then letters, digits and hyphens (up to 128)
STACK = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
#: an account's name in accounts.yaml, or its 12-digit id
ACCOUNT = re.compile(r"^[\w.-]{1,64}$")
TEAM_ROLES = ("viewer", "operator", "admin", "owner")
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
MAX_QUERY = 500
MAX_NOTE = 2000
MIN_SNOOZE = timedelta(minutes=1)
MAX_SNOOZE = timedelta(days=7)


class ArgError(ValueError):
    """An argument problem; the message is shown with the sub-command's usage."""


def arity(args: Sequence[str], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if len(args) < low:
        raise ArgError("Missing arguments.")
    if len(args) > high:
        extra = " ".join(args[high:])
        raise ArgError(f"Unexpected extra arguments: `{extra}`.")


def incident_id(token: str) -> int:
    match = _INCIDENT.match(token)
    if not match or int(match.group(1)) == 0:
        raise ArgError(f"`{token}` is not an incident id (a number such as 42).")
    return int(match.group(1))


def request_id(token: str) -> str:
    if not _REQUEST.match(token):
        raise ArgError(f"`{token}` is not a request id (letters, digits, `-_.:`).")
    return token


def user_id(token: str) -> str:
    match = _MENTION.match(token)
    if not match:
        raise ArgError(f"`{token}` is not a user mention: type @ and pick the person.")
    return match.group(1)


def duration(token: str) -> timedelta:
    match = _DURATION.match(token.lower())
    if not token or not match or not any(match.groups()):
        raise ArgError(f"`{token}` is not a duration (such as 30m, 2h, 1d, 1h30m).")
    w, d, h, m, s = (int(g or 0) for g in match.groups())
    value = timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s)
    if not MIN_SNOOZE <= value <= MAX_SNOOZE:
        raise ArgError("A snooze lasts between 1 minute and 7 days.")
    return value


def free_text(args: Sequence[str], limit: int = MAX_NOTE) -> str | None:
    text = " ".join(args).strip()
    if len(text) > limit:
        raise ArgError(f"The text is too long ({len(text)} characters, at most {limit}).")
    return text or None


def team_name(token: str) -> str:
    if not _TEAM.match(token):
        raise ArgError(f"`{token}` is not a team name (lower-case letters, digits, `-_`).")
    return token


def stack_name(word: str) -> str:
    if not STACK.match(word):
        raise ArgError(f"`{word}` is not a CloudFormation stack name.")
    return word


def account_name(word: str) -> str:
    if not ACCOUNT.match(word):
        raise ArgError(f"`{word}` is not an account name or id (or `all`).")
    return word
