"""``/aiops`` parsing: one table of sub-commands, each validating its own arguments.

``parse(text)`` is pure and fast (it runs before the ack) and returns one of:

* :class:`Help` — what to show right away,
* :class:`Invalid` — what was wrong plus the usage,
* :class:`Run` — a validated, deferred call ``(services, actor) -> Reply`` for a job thread.

To add a sub-command: write its parser ``x(args) -> Call`` in ``command_parsers`` (argument
validators are in ``command_args``) and add a :class:`Subcommand` row here.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from bot.inventory.ask import question_to_query
from handlers.blocks.misc import help_blocks, usage_blocks
from handlers.blocks.models import UsageLine
from handlers.slack import command_parsers as p
from handlers.slack.command_args import ArgError, Call

__all__ = ["COMMAND", "SUBCOMMANDS", "TABLE", "ArgError", "Call", "Help", "Invalid", "Run",
           "Subcommand", "parse"]  # fmt: skip

COMMAND = "/aiops"


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


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "investigate",
        '/aiops investigate "<what is wrong>" [account=NAME] [region=R]',
        "Investigate a symptom across metrics, logs, deploys and the cluster",
        p.investigate,
        "Investigating… I'll post the findings here.",
    ),
    Subcommand("incidents", "/aiops incidents", "List open incidents",
               p.no_args(lambda s: s.list_incidents)),
    Subcommand("incident", "/aiops incident <id>", "Show one incident",
               p.one_incident(lambda s: s.show_incident)),
    Subcommand("ack", "/aiops ack <id>", "Acknowledge an incident (stops escalation)",
               p.one_incident(lambda s: s.acknowledge)),
    Subcommand("resolve", "/aiops resolve <id> [note]", "Resolve an incident, with a note",
               p.resolve),
    Subcommand("assign", "/aiops assign <id> @user", "Make someone the incident's owner",
               p.assign),
    Subcommand("timeline", "/aiops timeline <id>", "Show an incident's timeline",
               p.one_incident(lambda s: s.timeline)),
    Subcommand("approve", "/aiops approve <request>", "Approve a proposed remediation",
               p.approve),
    Subcommand("reject", "/aiops reject <request> [reason]", "Reject a proposed remediation",
               p.reject),
    Subcommand("runbook", "/aiops runbook list | run <name> <target>",
               "List runbooks, or run one against a target", p.runbook),
    Subcommand("oncall", "/aiops oncall", "Who is on call now",
               p.no_args(lambda s: s.oncall)),
    Subcommand("slo", "/aiops slo", "SLO status and error budgets", p.no_args(lambda s: s.slo)),
    Subcommand("capacity", "/aiops capacity", "Capacity forecast",
               p.no_args(lambda s: s.capacity)),
    Subcommand("audit", "/aiops audit security|cost|compliance [account|all]"
               " | drift [stack] [account|all]",
               "Run a security, cost, compliance or drift (IaC vs live) audit", p.audit),
    Subcommand("inventory", "/aiops inventory <type> [key=value …] | <question>",
               "List resources: `ec2 env=prod`, `which buckets are public`", p.inventory),
    Subcommand("snooze", "/aiops snooze <id> <duration>",
               "Silence an incident's escalation for a while (30m, 2h, 1d)", p.snooze),
    Subcommand("whoami", "/aiops whoami", "Your teams and roles",
               p.no_args(lambda s: s.whoami)),
    Subcommand("team", "/aiops team [list [team]] | add @user <team> <role> | remove @user <team>",
               "Team members and roles (owners add and remove)", p.team),
    Subcommand("fixes", "/aiops fixes [--service S] [--kind K]",
               "The fix library: what fixed which kind of incident, and what did not", p.fixes),
    Subcommand("stats", "/aiops stats",
               "Helpful analyses, top-1 accuracy, common fixes, automation rate",
               p.no_args(lambda s: s.stats)),
    Subcommand("postmortem", "/aiops postmortem <id>",
               "Post an incident's postmortem draft (Markdown) in its thread",
               p.one_incident(lambda s: s.postmortem), "Writing the postmortem draft…"),
    Subcommand("help", "/aiops help [subcommand]", "This list, or one sub-command's usage",
               p.help_),
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
