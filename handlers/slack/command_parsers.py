"""``/aiops`` sub-commands' argument parsers: each takes the words after its name and returns a
validated, deferred call ``(services, actor) -> Reply`` (or raises ``ArgError``). The table that
names them is in ``handlers.slack.commands``."""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import UserError
from bot.inventory.ask import words_to_query
from bot.inventory.catalogue import catalogue
from bot.investigate.where import Asked
from handlers.slack.command_args import (
    ACCOUNT,
    MAX_QUERY,
    NAME,
    STACK,
    TARGET,
    TEAM_ROLES,
    ArgError,
    Call,
    account_name,
    arity,
    duration,
    free_text,
    incident_id,
    request_id,
    stack_name,
    team_name,
    user_id,
)
from handlers.slack.services import Actor, AuditKind, Reply, Services, TeamCommand


def investigate(args: list[str]) -> Call:
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
    query = free_text(words, MAX_QUERY)
    if not query:
        raise ArgError("Say what to investigate.")
    asked = Asked(query, account=where["account"], region=where["region"])
    return lambda s, a: s.investigate(a, asked)


def no_args(pick: Callable[[Services], Callable[[Actor], Reply]]) -> Callable[[list[str]], Call]:
    def parse(args: list[str]) -> Call:
        arity(args, 0)
        return lambda s, a: pick(s)(a)

    return parse


def one_incident(
    pick: Callable[[Services], Callable[[Actor, int], Reply]],
) -> Callable[[list[str]], Call]:
    def parse(args: list[str]) -> Call:
        arity(args, 1)
        iid = incident_id(args[0])
        return lambda s, a: pick(s)(a, iid)

    return parse


def resolve(args: list[str]) -> Call:
    arity(args, 1, 10_000)
    iid, note = incident_id(args[0]), free_text(args[1:])
    return lambda s, a: s.resolve(a, iid, note)


def assign(args: list[str]) -> Call:
    arity(args, 2)
    iid, who = incident_id(args[0]), user_id(args[1])
    return lambda s, a: s.assign(a, iid, who)


def approve(args: list[str]) -> Call:
    arity(args, 1)
    rid = request_id(args[0])
    return lambda s, a: s.approve(a, rid)


def reject(args: list[str]) -> Call:
    arity(args, 1, 10_000)
    rid, reason = request_id(args[0]), free_text(args[1:])
    return lambda s, a: s.reject(a, rid, reason)


def runbook(args: list[str]) -> Call:
    if not args or args[0] not in ("list", "run"):
        raise ArgError("Say `list` or `run`.")
    if args[0] == "list":
        arity(args, 1)
        return lambda s, a: s.runbook_list(a)
    arity(args, 3)
    name, target = args[1], args[2]
    if not NAME.match(name):
        raise ArgError(f"`{name}` is not a runbook name (letters, digits, `-_.`).")
    if not TARGET.match(target):
        raise ArgError(f"`{target}` is not a target (such as `namespace/deployment`).")
    return lambda s, a: s.runbook_run(a, name, target)


def audit(args: list[str]) -> Call:
    """``audit security|cost|compliance [account|all]``, ``audit drift [stack] [account|all]``
    (drift's single word: a stack or an account, which the flow tells apart)."""
    arity(args, 1, 3 if args and args[0] == "drift" else 2)
    kind = _AUDITS.get(args[0])
    if kind is None:
        raise ArgError(
            f"`{args[0]}` is not an audit: say `security`, `cost`, `compliance` or `drift`."
        )
    if kind != "drift":
        account = account_name(args[1]) if len(args) > 1 else None
        return lambda s, a: s.audit(a, kind, account, None)
    if len(args) == 3:
        stack, account = stack_name(args[1]), account_name(args[2])
        return lambda s, a: s.audit(a, "drift", account, stack)
    word = args[1] if len(args) > 1 else None
    if word is None or STACK.match(word):
        return lambda s, a: s.audit(a, "drift", None, word)
    if not ACCOUNT.match(word):
        raise ArgError(f"`{word}` is not a CloudFormation stack name (or an account name or id).")
    return lambda s, a: s.audit(a, "drift", word, None)  # e.g. an account id


_AUDITS: dict[str, AuditKind] = {k: k for k in ("security", "cost", "compliance", "drift")}


def inventory(args: list[str]) -> Call:
    try:
        query = words_to_query(args)
    except UserError as exc:
        if not args or catalogue().type_named(args[0]) is not None:
            raise ArgError(f"{exc.message}.") from None
        question = " ".join(args)  # no type the rules know: Claude reads it when a key is set
        return lambda s, a: s.inventory_ask(a, question)
    return lambda s, a: s.inventory(a, query)


def snooze(args: list[str]) -> Call:
    arity(args, 2)
    iid, length = incident_id(args[0]), duration(args[1])
    return lambda s, a: s.snooze(a, iid, length)


def team(args: list[str]) -> Call:
    op = args[0].lower() if args else "list"
    if op == "list":
        arity(args, 0, 2)
        team = team_name(args[1]) if len(args) == 2 else None
        return lambda s, a: s.team(a, TeamCommand("list", team))
    if op == "add":
        arity(args, 4)
        who, team, role = user_id(args[1]), team_name(args[2]), args[3].lower()
        if role not in TEAM_ROLES:
            raise ArgError(f"`{args[3]}` is not a role: say {', '.join(TEAM_ROLES)}.")
        return lambda s, a: s.team(a, TeamCommand("add", team, who, role))
    if op == "remove":
        arity(args, 3)
        who, team = user_id(args[1]), team_name(args[2])
        return lambda s, a: s.team(a, TeamCommand("remove", team, who))
    raise ArgError(f"`{args[0]}` is not a team command: say `list`, `add` or `remove`.")


def fixes(args: list[str]) -> Call:
    """``[--service S] [--kind K]`` (also ``service=S`` / ``kind=K``)."""
    found: dict[str, str] = {}
    words = list(args)
    while words:
        word = words.pop(0)
        key, eq, value = word.lstrip("-").partition("=")
        if key not in ("service", "kind") or not word.startswith("--") and not eq:
            raise ArgError(f"`{word}`: say `--service <name>` or `--kind <class or platform>`.")
        if not eq:
            if not words:
                raise ArgError(f"`{word}` needs a value.")
            value = words.pop(0)
        if not TARGET.match(value):
            raise ArgError(f"`{value}` is not a {key} name.")
        found[key] = value
    service, kind = found.get("service"), found.get("kind")
    return lambda s, a: s.fixes(a, service, kind)


def help_(args: list[str]) -> Call:  # never called: help is answered in the ack
    raise ArgError("help is handled by the parser")
