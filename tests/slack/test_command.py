"""``/aiops`` through the local Slack server and the real Bolt socket-mode app."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest

from bot.errors import NotFound
from bot.inventory.query import parse_query
from bot.investigate.where import Asked
from handlers.slack.commands import SUBCOMMANDS
from handlers.slack.services import Reply
from sandbox.slack import LocalSlack
from tests.slack.helpers import FakeServices, command, ephemeral


def test_help_lists_every_subcommand_in_the_ack(slack: LocalSlack, user: str) -> None:
    ack = command(slack, user, "help")
    shown = ephemeral(slack, user, "/aiops")
    assert shown.source == "ack"
    for sub in SUBCOMMANDS:
        assert sub.usage in shown.all_text
    assert ack.payload is not None and ack.payload.get("blocks")


def test_empty_command_shows_help(slack: LocalSlack, user: str) -> None:
    command(slack, user, "")
    assert "/aiops investigate" in ephemeral(slack, user, "sub-command").all_text


@pytest.mark.parametrize("sub", [s for s in SUBCOMMANDS if s.name != "help"], ids=lambda s: s.name)
def test_each_subcommand_has_its_own_help(
    slack: LocalSlack, user: str, fake: FakeServices, sub: Any
) -> None:
    command(slack, user, f"{sub.name} help")
    shown = ephemeral(slack, user, sub.usage)
    assert sub.summary in shown.all_text
    assert fake.calls_by(user) == []


BAD = [
    ("investigate", "Say what to investigate"),
    ('investigate "API latency', "Unbalanced quotes"),
    ('investigate "API latency" account=', "Say which account"),
    ("incidents now", "Unexpected extra arguments"),
    ("incident", "Missing arguments"),
    ("incident abc", "`abc` is not an incident id"),
    ("incident 0", "is not an incident id"),
    ("ack 1 2", "Unexpected extra arguments"),
    ("resolve", "Missing arguments"),
    ("assign 4", "Missing arguments"),
    ("assign 4 bob", "`bob` is not a user mention"),
    ("timeline #x", "is not an incident id"),
    ("approve", "Missing arguments"),
    ("approve req;rm", "is not a request id"),
    ("reject", "Missing arguments"),
    ("runbook", "Say `list` or `run`"),
    ("runbook jump", "Say `list` or `run`"),
    ("runbook run restart", "Missing arguments"),
    ("runbook run rest$art prod/api", "is not a runbook name"),
    ("runbook run restart prod;api", "is not a target"),
    ("oncall please", "Unexpected extra arguments"),
    ("slo x", "Unexpected extra arguments"),
    ("capacity x", "Unexpected extra arguments"),
    ("audit", "Missing arguments"),
    ("audit money", "say `security`, `cost`, `compliance` or `drift`"),
    ("audit security prod extra", "Unexpected extra arguments"),
    ("audit security pr$d", "is not an account name or id"),
    ("audit drift app prod extra", "Unexpected extra arguments"),
    ("audit cost prod extra", "Unexpected extra arguments"),
    ("audit compliance pr$d", "is not an account name or id"),
    ("audit drift app$1 prod", "is not a CloudFormation stack name"),
    ("audit drift app pr$d", "is not an account name or id"),
    ("audit drift app$1", "is not a CloudFormation stack name"),
    ("snooze 4", "Missing arguments"),
    ("snooze 4 forever", "`forever` is not a duration"),
    ("snooze 4 30d", "between 1 minute and 7 days"),
    ("snooze 4 10s", "between 1 minute and 7 days"),
]


@pytest.mark.parametrize(("text", "problem"), BAD, ids=[t for t, _ in BAD])
def test_bad_arguments_get_the_problem_and_usage(
    slack: LocalSlack, user: str, fake: FakeServices, text: str, problem: str
) -> None:
    command(slack, user, text)
    shown = ephemeral(slack, user, problem)
    name = text.split()[0]
    usage = next(s.usage for s in SUBCOMMANDS if s.name == name)
    assert "Usage:" in shown.all_text and usage in shown.all_text
    assert fake.calls_by(user) == []


def test_unknown_subcommand(slack: LocalSlack, user: str) -> None:
    command(slack, user, "frobnicate now")
    shown = ephemeral(slack, user, "Unknown sub-command `frobnicate`")
    assert "`investigate`" in shown.all_text
    command(slack, user, "restart the instances")  # names a type but asks for no listing
    ephemeral(slack, user, "Unknown sub-command `restart`")


GOOD = [
    (
        'investigate "API latency spike in prod"',
        "investigate",
        (Asked("API latency spike in prod"),),
    ),
    ("investigate “checkout errors”", "investigate", (Asked("checkout errors"),)),
    (
        'investigate "open security groups" account=staging region=us-east-1',
        "investigate",
        (Asked("open security groups", account="staging", region="us-east-1"),),
    ),
    ("incidents", "list_incidents", ()),
    ("incident #42", "show_incident", (42,)),
    ("ack INC-7", "acknowledge", (7,)),
    ("resolve 5 rolled back the deploy", "resolve", (5, "rolled back the deploy")),
    ("resolve 5", "resolve", (5, None)),
    ("assign 3 <@U0BOB|bob>", "assign", (3, "U0BOB")),
    ("timeline 8", "timeline", (8,)),
    ("approve req-9", "approve", ("req-9",)),
    ('reject req-9 "too risky at peak"', "reject", ("req-9", "too risky at peak")),
    ("runbook list", "runbook_list", ()),
    ("runbook run restart-pods prod/api", "runbook_run", ("restart-pods", "prod/api")),
    ("oncall", "oncall", ()),
    ("slo", "slo", ()),
    ("capacity", "capacity", ()),
    ("audit security", "audit", ("security", None, None)),
    ("audit security prod", "audit", ("security", "prod", None)),
    ("AUDIT cost", "audit", ("cost", None, None)),
    ("audit cost all", "audit", ("cost", "all", None)),
    ("audit compliance", "audit", ("compliance", None, None)),
    ("audit compliance 111111111111", "audit", ("compliance", "111111111111", None)),
    ("audit drift", "audit", ("drift", None, None)),
    # one word: a stack or an account (the flow tells them apart); an id is an account
    ("audit drift payments-prod", "audit", ("drift", None, "payments-prod")),
    ("audit drift 111111111111", "audit", ("drift", "111111111111", None)),
    ("audit drift payments-prod staging", "audit", ("drift", "staging", "payments-prod")),
    ("snooze 3 1h30m", "snooze", (3, timedelta(hours=1, minutes=30))),
    ("inventory ec2 env=prod", "inventory", (parse_query("ec2", ["env=prod"]),)),
    ("inventory which buckets are public", "inventory", (parse_query("buckets", ["public=true"]),)),
    # a question with no sub-command that names a resource type is an inventory question
    ("list EC2 instances in prod", "inventory", (parse_query("ec2", ["env=prod"]),)),
    # no type the rules know: the question goes to the job (Claude reads it when a key is set)
    (
        "inventory what storage can strangers read",
        "inventory_ask",
        ("what storage can strangers read",),
    ),
]


@pytest.mark.parametrize(("text", "service", "args"), GOOD, ids=[t for t, _, _ in GOOD])
def test_valid_commands_ack_visibly_then_call_the_service_as_the_user(
    slack: LocalSlack, user: str, fake: FakeServices, text: str, service: str, args: tuple[Any, ...]
) -> None:
    ack = command(slack, user, text)
    assert ack.payload is not None and "…" in ack.payload["text"]  # "Working on it…"
    shown = ephemeral(slack, user, "is not available yet")  # the default service's reply
    assert shown.source == "response_url"
    (call,) = fake.calls_by(user)
    assert call.name == service
    assert call.args[1:] == args
    assert call.args[0].channel_id == slack.channel_id("general")


def test_public_reply_is_posted_in_the_channel(
    slack: LocalSlack, user: str, fake: FakeServices
) -> None:
    channel = slack.add_channel("ops-public")
    fake.overrides["oncall"] = lambda actor: Reply(f"on call for {actor.user_id}", public=True)
    command(slack, user, "oncall", channel="ops-public")
    posted = slack.wait_for(lambda: slack.messages(channel))
    assert posted[0].text == f"on call for {user}"


def test_domain_error_is_shown_as_is(slack: LocalSlack, user: str, fake: FakeServices) -> None:
    def missing(actor: Any, incident_id: int) -> Reply:
        raise NotFound(f"No incident #{incident_id}")

    fake.overrides["show_incident"] = missing
    command(slack, user, "incident 404")
    assert ephemeral(slack, user, "No incident #404").source == "response_url"


def test_unexpected_error_shows_an_error_id_and_no_traceback(
    slack: LocalSlack, user: str, fake: FakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(actor: Any) -> Reply:
        raise RuntimeError("db password=hunter2 exploded")

    fake.overrides["slo"] = broken
    with caplog.at_level(logging.ERROR, logger="aiops.slack"):
        command(slack, user, "slo")
        shown = ephemeral(slack, user, "Something went wrong")
    match = re.search(r"error id ([0-9a-f]{8})", shown.all_text)
    assert match, shown.all_text
    assert "hunter2" not in shown.all_text and "Traceback" not in shown.all_text
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None


def test_ack_latency_is_recorded_and_well_under_three_seconds(slack: LocalSlack, user: str) -> None:
    ack = command(slack, user, "incidents")
    assert ack.latency is not None and 0 < ack.latency < 3.0
    assert slack.ack(ack.envelope_id).acked_at is not None
