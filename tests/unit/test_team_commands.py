"""``/aiops team …`` and ``/aiops whoami`` parse before the ack: bad input gets its usage."""

from __future__ import annotations

from bot.teams.access import Permission
from handlers.slack.commands import Invalid, Run, parse
from handlers.slack.guard import DEFAULT_RULE, RULES, rule_of
from handlers.slack.services import Services


def test_team_commands_parse_or_say_what_is_wrong() -> None:
    assert isinstance(parse("whoami"), Run)
    assert isinstance(parse("team"), Run) and isinstance(parse("team list payments"), Run)
    assert isinstance(parse("team add <@U0AB12CD> payments operator"), Run)
    assert isinstance(parse("team remove <@U0AB12CD> payments"), Run)
    for text, words in (
        ("team add <@U0AB12CD> payments boss", "`boss` is not a role"),
        ("team add bob payments viewer", "is not a user mention"),
        ("team add <@U0AB12CD> Pay$ viewer", "is not a team name"),
        ("team promote <@U0AB12CD>", "is not a team command"),
        ("whoami now", "Unexpected extra arguments"),
    ):
        out = parse(text)
        assert isinstance(out, Invalid) and words in out.problem, (text, out)


def test_every_service_that_touches_data_has_a_rule_and_a_new_one_needs_a_team() -> None:
    names = set(Services.__dataclass_fields__)
    assert set(RULES) <= names  # no rule names a service that does not exist
    assert rule_of("a_service_added_later") == DEFAULT_RULE
    assert DEFAULT_RULE[0] is Permission.SEE
    writes = {"acknowledge", "resolve", "assign", "snooze", "approve", "reject", "runbook_run",
              "investigate", "propose_fix", "investigate_incident"}  # fmt: skip
    assert all(RULES[n][0] is not Permission.SEE for n in writes)
