"""The boundary between the Slack handlers and the domain: a dataclass of plain callables.

Handlers parse, ack and then call one of these from a job thread with the clicking / typing user
as the ``Actor``. Each returns a :class:`Reply` (what to show) or raises a
:class:`bot.errors.AiopsError` (shown to the user as is). The defaults say "not available yet";
the real implementations are plugged in with ``dataclasses.replace(default_services(), …)``.

``dedup(key) -> bool`` answers True the first time a key is seen and False afterwards: the
handlers use it so that a retried event or a double click runs once. The default keeps keys in
memory; production backs it with a unique constraint in the store.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from slack_sdk.models.blocks import Block

from bot.inventory.query import InventoryQuery
from bot.investigate.where import Asked
from handlers.blocks.ids import FeedbackKind, FeedbackRef, FixRef, JudgeRef, RatingRef
from handlers.blocks.models import FixOption, HomeView

AuditKind = Literal["security", "cost", "compliance", "drift"]


@dataclass(frozen=True)
class Actor:
    """Who did it: the Slack user (and where)."""

    user_id: str
    team_id: str | None = None
    channel_id: str | None = None


@dataclass(frozen=True)
class ReplyFile:
    """A file posted with a public reply, in the same thread (a long listing, a report)."""

    filename: str
    content: str
    title: str


@dataclass(frozen=True)
class TeamCommand:
    """``/aiops team [list [team]] | add @user <team> <role> | remove @user <team>``."""

    op: Literal["list", "add", "remove"]
    team: str | None = None
    user: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Reply:
    """What a service wants shown.

    ``public``: post in the channel (in the thread of the clicked message) instead of only to
    the actor. ``replace_original``: for clicks, re-render the clicked message with these blocks.
    """

    text: str
    blocks: Sequence[Block] = ()
    public: bool = False
    replace_original: bool = False
    file: ReplyFile | None = None


def not_available(what: str) -> Callable[..., Reply]:
    def service(*_args: object) -> Reply:
        return Reply(f"`{what}` is not available yet.")

    service.__name__ = f"not_available[{what}]"
    return service


def _empty_home(_actor: Actor) -> HomeView:
    return HomeView()


def _no_fix_choices(_actor: Actor) -> Sequence[FixOption]:
    return ()


class MemoryDedup:
    """In-process ``dedup``: remembers the last ``capacity`` keys (thread-safe)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def __call__(self, key: str) -> bool:
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return False
            self._seen[key] = None
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True


@dataclass(frozen=True)
class Services:
    investigate: Callable[[Actor, Asked], Reply] = not_available("/aiops investigate")
    investigate_incident: Callable[[Actor, int], Reply] = not_available("Investigate")
    list_incidents: Callable[[Actor], Reply] = not_available("/aiops incidents")
    show_incident: Callable[[Actor, int], Reply] = not_available("/aiops incident")
    acknowledge: Callable[[Actor, int], Reply] = not_available("/aiops ack")
    resolve: Callable[[Actor, int, str | None], Reply] = not_available("/aiops resolve")
    assign: Callable[[Actor, int, str], Reply] = not_available("/aiops assign")
    timeline: Callable[[Actor, int], Reply] = not_available("/aiops timeline")
    approve: Callable[[Actor, str], Reply] = not_available("/aiops approve")
    reject: Callable[[Actor, str, str | None], Reply] = not_available("/aiops reject")
    runbook_list: Callable[[Actor], Reply] = not_available("/aiops runbook list")
    runbook_run: Callable[[Actor, str, str], Reply] = not_available("/aiops runbook run")
    oncall: Callable[[Actor], Reply] = not_available("/aiops oncall")
    slo: Callable[[Actor], Reply] = not_available("/aiops slo")
    capacity: Callable[[Actor], Reply] = not_available("/aiops capacity")
    # then: one account of AIOPS_ACCOUNTS_FILE (or all), and drift's one stack; None: every
    # account / every stack (the flow decides whether drift's one word is a stack or an account)
    audit: Callable[[Actor, AuditKind, str | None, str | None], Reply] = not_available(
        "/aiops audit"
    )
    inventory: Callable[[Actor, InventoryQuery], Reply] = not_available("/aiops inventory")
    # a question the rules found no type in: Claude reads it when a key is set, else the
    # rules' answer
    inventory_ask: Callable[[Actor, str], Reply] = not_available("/aiops inventory")
    # an audit finding's "Propose fix" button: its (checked) action, params and place
    propose_fix: Callable[[Actor, FixRef], Reply] = not_available("Propose fix")
    snooze: Callable[[Actor, int, timedelta], Reply] = not_available("/aiops snooze")
    postmortem: Callable[[Actor, int], Reply] = not_available("/aiops postmortem")
    feedback: Callable[[Actor, FeedbackRef, FeedbackKind], Reply] = not_available("Feedback")
    rate: Callable[[Actor, RatingRef], Reply] = not_available("Rating")
    judge: Callable[[Actor, JudgeRef], Reply] = not_available("Right / wrong")
    # the resolve modal: the choices of "what fixed it" (read before the modal opens: keep it
    # fast, no I/O), and recording the answer (incident, picked value, free text)
    fix_choices: Callable[[Actor], Sequence[FixOption]] = _no_fix_choices
    fix_found: Callable[[Actor, int, str | None, str | None], Reply] = not_available("Fixed by")
    fixes: Callable[[Actor, str | None, str | None], Reply] = not_available("/aiops fixes")
    stats: Callable[[Actor], Reply] = not_available("/aiops stats")
    home: Callable[[Actor], HomeView] = _empty_home
    whoami: Callable[[Actor], Reply] = not_available("/aiops whoami")
    team: Callable[[Actor, TeamCommand], Reply] = not_available("/aiops team")
    dedup: Callable[[str], bool] = field(default_factory=MemoryDedup)


def default_services() -> Services:
    return Services()
