"""``/aiops`` parsing: one table of sub-commands, each validating its own arguments.

``parse(text)`` is pure and fast (it runs before the ack) and returns one of:

* :class:`Help` — what to show right away,
* :class:`Invalid` — what was wrong plus the usage,
* :class:`Run` — a validated, deferred call ``(services, actor) -> Reply`` for a job thread.

To add a sub-command: write ``_parse_x(args) -> Call`` and add a :class:`Subcommand` row.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.models.blocks import Block

from bot.errors import UserError
from bot.inventory.ask import question_to_query, words_to_query
from bot.investigate.where import Asked
from handlers.blocks.misc import help_blocks, usage_blocks
from handlers.blocks.models import UsageLine
from handlers.slack.services import Actor, AuditKind, Reply, Services, TeamCommand

COMMAND = "/aiops"
Call = Callable[[Services, Actor], Reply]

_INCIDENT = re.compile(r"^(?:#|inc-?)?(\d{1,12})$", re.IGNORECASE)
_REQUEST = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TARGET = re.compile(r"^[A-Za-z0-9_./:-]{1,128}$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_TEAM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TEAM_ROLES = ("viewer", "operator", "admin", "owner")
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
MAX_QUERY = 500
MAX_NOTE = 2000
MIN_SNOOZE = timedelta(minutes=1)
MAX_SNOOZE = timedelta(days=7)


class ArgError(ValueError):
    """An argument problem; the message is shown with the sub-command's usage."""


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Callable[[list[str]], Call]
    ack_text: str = "Working on it…"


@dataclass(frozen=True)
class Help:
    text: str
    blocks: list[Block]


@dataclass(frozen=True)
class Invalid:
    problem: str
    usage: str
    summary: str | None = None

    @property
    def text(self) -> str:
        return f"{self.problem} Usage: {self.usage}"

    @property
    def blocks(self) -> list[Block]:
        return usage_blocks(self.problem, self.usage, self.summary)


@dataclass(frozen=True)
class Run:
    subcommand: Subcommand
    call: Call
    ack_text: str


# ---------------------------------------------------------------- argument helpers
def _arity(args: Sequence[str], low: int, high: int | None = None) -> None:
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


def _rest(args: Sequence[str], limit: int = MAX_NOTE) -> str | None:
    text = " ".join(args).strip()
    if len(text) > limit:
        raise ArgError(f"The text is too long ({len(text)} characters, at most {limit}).")
    return text or None


# ---------------------------------------------------------------- sub-command parsers
def _investigate(args: list[str]) -> Call:
    """``"<what is wrong>" [account=NAME] [region=R]``: the account and region of
    AIOPS_ACCOUNTS_FILE to read (``bot.investigate.where``)."""
    where: dict[str, str | None] = {"account": None, "region": None}
    words = []
    for word in args:
        key, eq, value = word.partition("=")
        if eq and key.lower() in where:
            if not value.strip():
                raise ArgError(f"Say which {key.lower()}: {key.lower()}=NAME.")
            where[key.lower()] = value.strip()
        else:
            words.append(word)
    query = _rest(words, MAX_QUERY)
    if not query:
        raise ArgError("Say what to investigate.")
    asked = Asked(query, account=where["account"], region=where["region"])
    return lambda s, a: s.investigate(a, asked)


def _no_args(pick: Callable[[Services], Callable[[Actor], Reply]]) -> Callable[[list[str]], Call]:
    def parse(args: list[str]) -> Call:
        _arity(args, 0)
        return lambda s, a: pick(s)(a)

    return parse


def _one_incident(
    pick: Callable[[Services], Callable[[Actor, int], Reply]],
) -> Callable[[list[str]], Call]:
    def parse(args: list[str]) -> Call:
        _arity(args, 1)
        iid = incident_id(args[0])
        return lambda s, a: pick(s)(a, iid)

    return parse


def _resolve(args: list[str]) -> Call:
    _arity(args, 1, 10_000)
    iid, note = incident_id(args[0]), _rest(args[1:])
    return lambda s, a: s.resolve(a, iid, note)


def _assign(args: list[str]) -> Call:
    _arity(args, 2)
    iid, who = incident_id(args[0]), user_id(args[1])
    return lambda s, a: s.assign(a, iid, who)


def _approve(args: list[str]) -> Call:
    _arity(args, 1)
    rid = request_id(args[0])
    return lambda s, a: s.approve(a, rid)


def _reject(args: list[str]) -> Call:
    _arity(args, 1, 10_000)
    rid, reason = request_id(args[0]), _rest(args[1:])
    return lambda s, a: s.reject(a, rid, reason)


def _runbook(args: list[str]) -> Call:
    if not args or args[0] not in ("list", "run"):
        raise ArgError("Say `list` or `run`.")
    if args[0] == "list":
        _arity(args, 1)
        return lambda s, a: s.runbook_list(a)
    _arity(args, 3)
    name, target = args[1], args[2]
    if not _NAME.match(name):
        raise ArgError(f"`{name}` is not a runbook name (letters, digits, `-_.`).")
    if not _TARGET.match(target):
        raise ArgError(f"`{target}` is not a target (such as `namespace/deployment`).")
    return lambda s, a: s.runbook_run(a, name, target)


def _audit(args: list[str]) -> Call:
    """``audit security|cost|compliance [account|all]``, ``audit drift [stack] [account|all]``
    (drift's single word: a stack or an account, which the flow tells apart)."""
    _arity(args, 1, 3 if args and args[0] == "drift" else 2)
    kind = _AUDITS.get(args[0])
    if kind is None:
        raise ArgError(
            f"`{args[0]}` is not an audit: say `security`, `cost`, `compliance` or `drift`."
        )
    if kind != "drift":
        account = _account(args[1]) if len(args) > 1 else None
        return lambda s, a: s.audit(a, kind, account, None)
    if len(args) == 3:
        stack, account = _stack(args[1]), _account(args[2])
        return lambda s, a: s.audit(a, "drift", account, stack)
    word = args[1] if len(args) > 1 else None
    if word is None or _STACK.match(word):
        return lambda s, a: s.audit(a, "drift", None, word)
    if not _ACCOUNT.match(word):
        raise ArgError(f"`{word}` is not a CloudFormation stack name (or an account name or id).")
    return lambda s, a: s.audit(a, "drift", word, None)  # e.g. an account id


_AUDITS: dict[str, AuditKind] = {k: k for k in ("security", "cost", "compliance", "drift")}


def _stack(word: str) -> str:
    if not _STACK.match(word):
        raise ArgError(f"`{word}` is not a CloudFormation stack name.")
    return word


def _account(word: str) -> str:
    if not _ACCOUNT.match(word):
        raise ArgError(f"`{word}` is not an account name or id (or `all`).")
    return word


#: CloudFormation's stack name rule: a letter, then letters, digits and hyphens (up to 128)
_STACK = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
#: an account's name in accounts.yaml, or its 12-digit id
_ACCOUNT = re.compile(r"^[\w.-]{1,64}$")


def _inventory(args: list[str]) -> Call:
    try:
        query = words_to_query(args)
    except UserError as exc:
        raise ArgError(f"{exc.message}.") from None
    return lambda s, a: s.inventory(a, query)


def _snooze(args: list[str]) -> Call:
    _arity(args, 2)
    iid, length = incident_id(args[0]), duration(args[1])
    return lambda s, a: s.snooze(a, iid, length)


def _team(args: list[str]) -> Call:
    op = args[0].lower() if args else "list"
    if op == "list":
        _arity(args, 0, 2)
        team = team_name(args[1]) if len(args) == 2 else None
        return lambda s, a: s.team(a, TeamCommand("list", team))
    if op == "add":
        _arity(args, 4)
        who, team, role = user_id(args[1]), team_name(args[2]), args[3].lower()
        if role not in TEAM_ROLES:
            raise ArgError(f"`{args[3]}` is not a role: say {', '.join(TEAM_ROLES)}.")
        return lambda s, a: s.team(a, TeamCommand("add", team, who, role))
    if op == "remove":
        _arity(args, 3)
        who, team = user_id(args[1]), team_name(args[2])
        return lambda s, a: s.team(a, TeamCommand("remove", team, who))
    raise ArgError(f"`{args[0]}` is not a team command: say `list`, `add` or `remove`.")


def team_name(token: str) -> str:
    if not _TEAM.match(token):
        raise ArgError(f"`{token}` is not a team name (lower-case letters, digits, `-_`).")
    return token


def _fixes(args: list[str]) -> Call:
    """``[--service S] [--kind K]`` (also ``service=S`` / ``kind=K``)."""
    found: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        key, eq, value = word.lstrip("-").partition("=")
        if key not in ("service", "kind") or not word.startswith("--") and not eq:
            raise ArgError(f"`{word}`: say `--service <name>` or `--kind <class or platform>`.")
        if not eq:
            if not rest:
                raise ArgError(f"`{word}` needs a value.")
            value = rest.pop(0)
        if not _TARGET.match(value):
            raise ArgError(f"`{value}` is not a {key} name.")
        found[key] = value
    service, kind = found.get("service"), found.get("kind")
    return lambda s, a: s.fixes(a, service, kind)


def _help(args: list[str]) -> Call:  # never called: help is answered in the ack
    raise ArgError("help is handled by the parser")


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "investigate",
        '/aiops investigate "<what is wrong>" [account=NAME] [region=R]',
        "Investigate a symptom across metrics, logs, deploys and the cluster",
        _investigate,
        "Investigating… I'll post the findings here.",
    ),
    Subcommand("incidents", "/aiops incidents", "List open incidents",
               _no_args(lambda s: s.list_incidents)),
    Subcommand("incident", "/aiops incident <id>", "Show one incident",
               _one_incident(lambda s: s.show_incident)),
    Subcommand("ack", "/aiops ack <id>", "Acknowledge an incident (stops escalation)",
               _one_incident(lambda s: s.acknowledge)),
    Subcommand("resolve", "/aiops resolve <id> [note]", "Resolve an incident, with a note",
               _resolve),
    Subcommand("assign", "/aiops assign <id> @user", "Make someone the incident's owner",
               _assign),
    Subcommand("timeline", "/aiops timeline <id>", "Show an incident's timeline",
               _one_incident(lambda s: s.timeline)),
    Subcommand("approve", "/aiops approve <request>", "Approve a proposed remediation",
               _approve),
    Subcommand("reject", "/aiops reject <request> [reason]", "Reject a proposed remediation",
               _reject),
    Subcommand("runbook", "/aiops runbook list | run <name> <target>",
               "List runbooks, or run one against a target", _runbook),
    Subcommand("oncall", "/aiops oncall", "Who is on call now",
               _no_args(lambda s: s.oncall)),
    Subcommand("slo", "/aiops slo", "SLO status and error budgets", _no_args(lambda s: s.slo)),
    Subcommand("capacity", "/aiops capacity", "Capacity forecast",
               _no_args(lambda s: s.capacity)),
    Subcommand("audit", "/aiops audit security|cost|compliance [account|all]"
               " | drift [stack] [account|all]",
               "Run a security, cost, compliance or drift (IaC vs live) audit", _audit),
    Subcommand("inventory", "/aiops inventory <type> [key=value …] | <question>",
               "List resources: `ec2 env=prod`, `which buckets are public`", _inventory),
    Subcommand("snooze", "/aiops snooze <id> <duration>",
               "Silence an incident's escalation for a while (30m, 2h, 1d)", _snooze),
    Subcommand("whoami", "/aiops whoami", "Your teams and roles",
               _no_args(lambda s: s.whoami)),
    Subcommand("team", "/aiops team [list [team]] | add @user <team> <role> | remove @user <team>",
               "Team members and roles (owners add and remove)", _team),
    Subcommand("fixes", "/aiops fixes [--service S] [--kind K]",
               "The fix library: what fixed which kind of incident, and what did not", _fixes),
    Subcommand("stats", "/aiops stats",
               "Helpful analyses, top-1 accuracy, common fixes, automation rate",
               _no_args(lambda s: s.stats)),
    Subcommand("postmortem", "/aiops postmortem <id>",
               "Post an incident's postmortem draft (Markdown) in its thread",
               _one_incident(lambda s: s.postmortem), "Writing the postmortem draft…"),
    Subcommand("help", "/aiops help [subcommand]", "This list, or one sub-command's usage",
               _help),
)  # fmt: skip
TABLE: dict[str, Subcommand] = {sub.name: sub for sub in SUBCOMMANDS}
HELP_WORDS = {"help", "-h", "--help"}


def overview() -> Help:
    lines = [UsageLine(sub.usage, sub.summary) for sub in SUBCOMMANDS]
    footer = f"`{COMMAND} help <subcommand>` shows one sub-command."
    return Help(
        text=f"{COMMAND} sub-commands: " + ", ".join(TABLE),
        blocks=help_blocks(f"{COMMAND}: the on-call bot", lines, footer=footer),
    )


def sub_help(sub: Subcommand) -> Help:
    return Help(
        text=f"Usage: {sub.usage}: {sub.summary}",
        blocks=help_blocks(sub.summary, [UsageLine(sub.usage, sub.summary)]),
    )


def _unknown(word: str) -> Invalid:
    names = ", ".join(f"`{name}`" for name in TABLE)
    return Invalid(f"Unknown sub-command `{word}`. Try one of {names}.", f"{COMMAND} help")


def parse(text: str) -> Help | Invalid | Run:
    """Parse what followed ``/aiops``."""
    try:
        args = shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError:
        words = text.split()
        sub = TABLE.get(words[0].lower()) if words else None
        if sub is None:
            return Invalid("Unbalanced quotes.", f"{COMMAND} <subcommand> [arguments]")
        return Invalid("Unbalanced quotes.", sub.usage, sub.summary)
    if not args:
        return overview()
    word, rest = args[0].lower(), args[1:]
    if word in HELP_WORDS:
        if not rest:
            return overview()
        sub = TABLE.get(rest[0].lower())
        return sub_help(sub) if sub else _unknown(rest[0])
    sub = TABLE.get(word)
    if sub is None:
        question = question_to_query(" ".join(args), need_intent=True)  # "list EC2 in prod"
        if question is None:
            return _unknown(args[0])
        inventory = TABLE["inventory"]
        return Run(inventory, lambda s, a: s.inventory(a, question), inventory.ack_text)
    if len(rest) == 1 and rest[0].lower() in HELP_WORDS:
        return sub_help(sub)
    try:
        call = sub.handler(rest)
    except ArgError as exc:
        return Invalid(str(exc), sub.usage, sub.summary)
    return Run(sub, call, sub.ack_text)
