"""Teams through the real wiring: two teams' services, each incident in its own team's channel
with its own escalation and its own automatic-investigation policy, and the role × command
matrix (derived from every ``/aiops`` sub-command).

One ``Runtime`` (what ``aiops run`` starts) with a services.yaml, a teams.yaml and an
escalation.yaml; alerts arrive at the generic webhook; users type ``/aiops …`` and click buttons
through the local Slack server (real Bolt socket mode). Every cell of the matrix is allowed or
refused with the right words, and at the end every message the local Slack server received is
checked: nothing of the other team's incident reached anyone who may not see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.config import load_settings
from bot.remediate import service as remediate_service
from bot.remediate.enums import Risk
from bot.remediate.policy import Policy
from bot.store import AuditEntry, AutoInvestigation, Database, Incident, Team
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from handlers.blocks.ids import ActionId, IncidentRef, RequestRef
from handlers.slack.commands import TABLE
from handlers.slack.wiring import Runtime, built_once
from sandbox.investigate.context import context_for_world as investigation_context_for
from sandbox.remediate.context import context_for_world as action_context_for
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack
from sandbox.world import SandboxWorld
from tests.conftest import SCENARIOS_DIR

SCENARIO = SCENARIOS_DIR / "02-k8s-crashloop-bad-env.yaml"
TOKEN = "team-webhook-token"
VIEWER, OPERATOR, ADMIN, OWNER = "USHOPVW1", "USHOPOP1", "USHOPAD1", "USHOPOW1"
GROUPED = "USHOPGR1"  # an operator of shop through a Slack user group only
OTHER, NOBODY = "UDATAOP1", "UNOTEAM1"  # an operator of the other team; a user in no team
ROLES = {"viewer": VIEWER, "operator": OPERATOR, "admin": ADMIN, "owner": OWNER,
         "other": OTHER, "nobody": NOBODY}  # fmt: skip
SECRET_B = "LedgerExportStalled"  # the other team's alert: must never reach shop's users
SERVICES = """
default_team: shop
teams:
  shop: {channel: "#shop-incidents", escalation: shop-pager, auto_investigate: critical-now}
  data: {channel: "#data-incidents", escalation: data-pager, auto_investigate: "off"}
services:
  inventory-svc: {team: shop}
  ledger-export: {team: data}
"""
ESCALATION = """
policies:
  - name: shop-pager
    severities: [critical]
    levels:
      - escalate_after: 30m
        targets: [{kind: slack_channel, ref: "#shop-oncall"}]
  - name: data-pager
    severities: [critical]
    levels:
      - escalate_after: 30m
        targets: [{kind: slack_channel, ref: "#data-oncall"}]
"""
AUTO = """
default: "off"
policies: [{name: critical-now, when: [{severities: [critical]}]}]
"""
AUTOMATIC = "Investigated automatically"


def _teams(group: str) -> str:
    return f"""
teams:
  shop:
    members: {{{VIEWER}: viewer, {OPERATOR}: operator, {ADMIN}: admin, {OWNER}: owner}}
    groups: {{{group}: operator}}
  data:
    members: {{{OTHER}: operator}}
"""


@dataclass
class Env:
    slack: LocalSlack
    runtime: Runtime
    http: httpx.Client
    db: Database
    shop: int  # shop's incident id
    data: int  # data's incident id

    def wait(self, predicate: Any, timeout: float = 20.0) -> Any:
        return self.slack.wait_for(predicate, timeout)


def _alert(http: httpx.Client, name: str, service: str) -> None:
    alert = {"name": name, "service": service, "severity": "critical", "summary": name}
    body = {"version": "1", "alerts": [alert]}
    resp = http.post("/webhooks/generic", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    tmp = Path(tmp_path_factory.mktemp("teams"))
    url = f"sqlite:///{tmp / 'aiops.db'}"
    db = connect_db(url)
    upgrade(db.engine)
    with SandboxWorld(load_scenario(SCENARIO).scenario) as world, LocalSlack() as slack:
        for channel in ("incidents", "shop-incidents", "data-incidents", "shop-oncall",
                        "data-oncall"):  # fmt: skip
            slack.add_channel(channel)
        for user in (*ROLES.values(), GROUPED):
            slack.add_user(user, user.lower())
        group = slack.add_usergroup("shop-oncall", [GROUPED])
        (tmp / "services.yaml").write_text(SERVICES)
        (tmp / "teams.yaml").write_text(_teams(group))
        (tmp / "escalation.yaml").write_text(ESCALATION)
        (tmp / "auto.yaml").write_text(AUTO)
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-teams", slack_app_token="xapp-teams",
            slack_api_url=slack.api_url, aiops_http_port=0, aiops_webhook_token=TOKEN,
            aiops_slack_channel="#incidents", aiops_escalation_tick_s=0.2,
            aiops_services_file=tmp / "services.yaml", aiops_teams_file=tmp / "teams.yaml",
            aiops_escalation_file=tmp / "escalation.yaml",
            aiops_auto_investigate_file=tmp / "auto.yaml",
        )  # fmt: skip
        runtime = Runtime(
            settings, clock=world.clock,
            investigation_context=built_once(lambda: investigation_context_for(world)),
            action_context=built_once(lambda: action_context_for(world)),
        ).start()  # fmt: skip
        try:
            slack.wait_connected()
            with httpx.Client(base_url=f"http://127.0.0.1:{runtime.http_port}") as http:
                _alert(http, "KubePodCrashLooping", "inventory-svc")
                _alert(http, SECRET_B, "ledger-export")
                with db.session() as s:
                    rows = {r.services[0] if r.services else r.title: r
                            for r in s.exec(select(Incident))}  # fmt: skip
                shop = next(r.id for r in rows.values() if "Crash" in r.title)
                data = next(r.id for r in rows.values() if SECRET_B in r.title)
                assert shop is not None and data is not None
                env = Env(slack, runtime, http, db, shop, data)
                _automatic(env, "shop-incidents", timeout=120)  # before any cell is clicked
                yield env
        finally:
            runtime.stop()
            db.dispose()


# ---------------------------------------------------------------- routing and escalation
def test_each_incident_lands_in_its_own_team_channel(env: Env) -> None:
    shop = env.wait(lambda: env.slack.messages("shop-incidents") or None)
    data = env.wait(lambda: env.slack.messages("data-incidents") or None)
    assert len(shop) == 1 and "KubePodCrashLooping" in shop[0].all_text
    assert len(data) == 1 and SECRET_B in data[0].all_text
    assert SECRET_B not in shop[0].all_text and not env.slack.messages("incidents")
    with env.db.session() as s:
        teams = {t.id: t.name for t in s.exec(select(Team))}
        got = {teams[r.team_id]: r.escalation_policy for r in s.exec(select(Incident))
               if r.team_id is not None}  # fmt: skip
    assert got == {"shop": "shop-pager", "data": "data-pager"}


def test_each_incident_escalates_to_its_own_team_rotation(env: Env) -> None:
    shop = env.wait(lambda: env.slack.messages("shop-oncall") or None)
    data = env.wait(lambda: env.slack.messages("data-oncall") or None)
    assert f"#{env.shop}" in shop[0].all_text and SECRET_B not in shop[0].all_text
    assert f"#{env.data}" in data[0].all_text


def _automatic(env: Env, channel: str, timeout: float = 20.0) -> list[str]:
    """The texts in ``channel``'s first thread marked as investigated automatically."""

    def found() -> list[str] | None:
        parents = env.slack.messages(channel)
        if not parents:
            return None
        texts = [m.all_text for m in env.slack.thread(channel, parents[0].ts)]
        return [t for t in texts if AUTOMATIC in t] or None

    return env.wait(found, timeout)


def test_each_team_investigates_automatically_by_its_own_policy(env: Env) -> None:
    """shop: "critical → investigate"; data: "off". Each result stays in its own thread."""
    shop = _automatic(env, "shop-incidents")
    assert "critical-now" in shop[0] and SECRET_B not in "".join(shop)
    with env.db.session() as s:
        assert s.get(AutoInvestigation, env.shop) is not None
        assert s.get(AutoInvestigation, env.data) is None  # decided when it opened: off
    data = env.slack.messages("data-incidents")[0]
    texts = [data.all_text] + [m.all_text for m in env.slack.thread("data-incidents", data.ts)]
    assert not [t for t in texts if AUTOMATIC in t], texts


# ---------------------------------------------------------------- the matrix
def _replies(env: Env, user: str) -> tuple[list[str], list[str]]:
    """What ``user`` has been shown privately so far, and what the bot posted in the channel
    the user types in (public replies, in the channel or in a message's thread: a click on an
    incident's button answers in its thread)."""
    private = [e.all_text for e in env.slack.ephemerals(user) if e.source != "ack"]
    private = [t for t in private if "Investigating…" not in t]  # a click's notice comes first
    channel = _channel(user)
    tops = env.slack.messages(channel)
    posted = [*tops, *(r for m in tops for r in env.slack.thread(channel, m.ts))]
    return private, [m.all_text for m in sorted(posted, key=lambda m: float(m.ts))]


def _channel(user: str) -> str:
    return "data-incidents" if user == OTHER else "shop-incidents"


def _new(env: Env, user: str, send: Any) -> str:
    private, public = _replies(env, user)
    send()

    def arrived() -> list[str] | None:
        now_private, now_public = _replies(env, user)
        return now_private[len(private) :] + now_public[len(public) :] or None

    return "\n".join(env.wait(arrived, timeout=60))


def _send(env: Env, user: str, text: str) -> str:
    def send() -> None:
        env.slack.wait_ack(env.slack.send_slash_command(user, text, channel=_channel(user)))

    return _new(env, user, send)


def _click(env: Env, user: str, action_id: str, value: str) -> str:
    message = env.slack.messages("shop-incidents")[0]
    action = {"type": "button", "action_id": action_id, "block_id": "b", "value": value,
              "text": {"type": "plain_text", "text": action_id}}  # fmt: skip

    def send() -> None:
        env.slack.wait_ack(env.slack.send_block_action(user, action, message=message))

    return _new(env, user, send)


def _expect(reply: str, want: str, *, missing: str, role: str) -> None:
    refused = "needs the role" in reply
    hidden = missing in reply
    if want == "ok":
        assert not refused and not hidden, reply
    elif want == "hidden":
        assert hidden and not refused, reply
    else:
        assert f"needs the role `{want}`" in reply, reply
    assert SECRET_B not in reply or role == "other", reply


OK, HIDDEN, OP, VIEW, OWN = "ok", "hidden", "operator", "viewer", "owner"
ANYONE_IN_A_TEAM = (OK, OK, OK, OK, OK, VIEW)  # a viewer of any team; nobody is refused
ANY_OPERATOR = (OP, OK, OK, OK, OK, OP)  # an operator of any team (the whole account)
SHOP_VIEWER = (OK, OK, OK, OK, HIDDEN, HIDDEN)  # shop's incident: the other team sees nothing
SHOP_OPERATOR = (OP, OK, OK, OK, HIDDEN, HIDDEN)
SHOP_OWNER = (OWN, OWN, OWN, OK, HIDDEN, HIDDEN)
Rows = tuple[tuple[str, tuple[str, ...]], ...]
#: every sub-command of ``/aiops`` → its cells (columns: viewer, operator, admin, owner, other
#: team's operator, nobody), or the name of the test below that covers it on its own
EXPECTED: dict[str, Rows | str] = {
    "investigate": "test_investigate_is_refused_to_a_viewer_and_to_nobody",
    "incidents": "test_the_list_shows_only_the_teams_the_user_sees",
    "incident": (("incident {shop}", SHOP_VIEWER),),
    "ack": (("ack {shop}", SHOP_OPERATOR),),
    "resolve": "test_resolve_is_refused_to_a_viewer_hidden_from_others_and_done_by_an_operator",
    "assign": (("assign {shop} <@USHOPOP1>", SHOP_OPERATOR),),
    "timeline": (("timeline {shop}", SHOP_VIEWER),),
    "approve": (("approve {request}", SHOP_OPERATOR),),
    "reject": (("reject {request} no", SHOP_OPERATOR),),
    "runbook": (("runbook list", ANYONE_IN_A_TEAM), ("runbook run nope prod/api", ANY_OPERATOR)),
    "oncall": (("oncall", ANYONE_IN_A_TEAM),),
    "slo": (("slo", ANYONE_IN_A_TEAM),),
    "capacity": (("capacity", ANYONE_IN_A_TEAM),),
    "audit": (("audit compliance", ANY_OPERATOR), ("audit drift", ANY_OPERATOR)),
    "inventory": (("inventory ec2", ANY_OPERATOR),),
    "snooze": (("snooze {shop} 5m", SHOP_OPERATOR),),
    "whoami": "test_whoami_names_each_users_teams_and_roles",
    "team": (("team add <@UNEWMEM1> shop viewer", SHOP_OWNER),
             ("team remove <@UNEWMEM1> shop", SHOP_OWNER)),
    "fixes": (("fixes", ANYONE_IN_A_TEAM),),
    "stats": (("stats", ANYONE_IN_A_TEAM),),
    "postmortem": (("postmortem {shop}", SHOP_VIEWER),),
    "help": "test_help_is_answered_to_everyone",  # answered in the ack, before any check
}  # fmt: skip
MATRIX: list[tuple[str, tuple[str, ...]]] = [
    row for name in TABLE if not isinstance(rows := EXPECTED.get(name, ()), str) for row in rows
]
MISSING = {"incident": "no incident #", "request": "does not exist", "team": "no team shop"}


@pytest.fixture(scope="module")
def request_id(env: Env) -> int:
    """A pending write request on shop's incident that no number of approvals completes. Its
    params are ones the automatic investigation never proposes: a proposal is created once per
    (incident, action, params), so the same rollback the investigation offers would come back as
    the investigation's own request (one approval runs it), and the clicks below would run it."""
    proposal = remediate_service.propose(
        env.db, action="k8s.rollback_deployment",
        params={"namespace": "prod", "name": "inventory-svc-shadow"}, requested_by=OPERATOR,
        policy=Policy(approvals={Risk.MEDIUM: 9}), incident_id=env.shop,
    )  # fmt: skip
    assert proposal.request.id is not None and proposal.request.required_approvals == 9
    return proposal.request.id


@pytest.mark.parametrize(("template", "wants"), MATRIX, ids=[" ".join(m[0].split()[:2])
                                                            for m in MATRIX])  # fmt: skip
def test_every_role_is_allowed_or_refused_each_command(
    env: Env, request_id: int, template: str, wants: tuple[str, ...]
) -> None:
    text = template.format(shop=env.shop, request=request_id)
    word = text.split()[0]
    missing = MISSING["request" if word in ("approve", "reject") else
                      "team" if word == "team" else "incident"]  # fmt: skip
    for (role, user), want in zip(ROLES.items(), wants, strict=True):
        _expect(_send(env, user, text), want, missing=missing, role=role)


def test_every_subcommand_has_an_entry_in_the_matrix() -> None:
    """A sub-command added to ``/aiops`` without saying who may run it fails here."""
    assert sorted(set(TABLE) - set(EXPECTED)) == [], "add them to EXPECTED"
    assert sorted(set(EXPECTED) - set(TABLE)) == [], "no such sub-command"
    for name, rows in EXPECTED.items():
        if isinstance(rows, str):
            assert callable(globals().get(rows)), f"{name}: no test named {rows}"
        else:
            assert rows and all(t.split()[0] == name for t, _ in rows), name


def test_help_is_answered_to_everyone(env: Env) -> None:
    for user in ROLES.values():
        ack = env.slack.wait_ack(env.slack.send_slash_command(user, "help"))
        text = str(ack.payload)
        assert "sub-commands" in text and "needs the role" not in text and SECRET_B not in text


def test_investigate_is_refused_to_a_viewer_and_to_nobody(env: Env) -> None:
    for user in (VIEWER, NOBODY):
        _expect(_send(env, user, 'investigate "pods restarting"'), OP, missing="-", role="x")


def test_another_teams_incident_is_not_found_exactly_like_a_missing_one(env: Env) -> None:
    for verb in ("incident", "timeline", "ack", "postmortem"):
        text = f"{verb} {env.data}"
        reply = _send(env, OPERATOR, text)
        assert f"no incident #{env.data}" in reply and SECRET_B not in reply
    assert "no incident #999999" in _send(env, OPERATOR, "incident 999999")


def test_the_list_shows_only_the_teams_the_user_sees(env: Env) -> None:
    shop = _send(env, VIEWER, "incidents")
    assert "KubePodCrashLooping" in shop and SECRET_B not in shop
    data = _send(env, OTHER, "incidents")
    assert SECRET_B in data and "KubePodCrashLooping" not in data
    assert "needs the role `viewer`" in _send(env, NOBODY, "incidents")


def test_a_slack_user_group_gives_its_members_the_role(env: Env) -> None:
    assert "shop*: operator" in _send(env, GROUPED, "whoami")
    assert "needs the role" not in _send(env, GROUPED, f"incident {env.shop}")


def test_whoami_names_each_users_teams_and_roles(env: Env) -> None:
    assert "shop*: viewer" in _send(env, VIEWER, "whoami")
    assert "data*: operator" in _send(env, OTHER, "whoami")
    assert "you are in no team" in _send(env, NOBODY, "whoami")


@pytest.mark.parametrize(
    ("action_id", "wants"),
    [(ActionId.ACKNOWLEDGE, (OP, OK, OK, OK, HIDDEN, HIDDEN)),
     (ActionId.APPROVE, (OP, OK, OK, OK, HIDDEN, HIDDEN)),
     (ActionId.REJECT, (OP, OK, OK, OK, HIDDEN, HIDDEN)),
     (ActionId.FEEDBACK_UP, (OK, OK, OK, OK, HIDDEN, HIDDEN))],
)  # fmt: skip
def test_every_role_is_allowed_or_refused_each_button(
    env: Env, request_id: int, action_id: str, wants: tuple[str, ...]
) -> None:
    if action_id in (ActionId.APPROVE, ActionId.REJECT):
        value, missing = RequestRef(request_id=str(request_id)).dump(), "does not exist"
    elif action_id == ActionId.FEEDBACK_UP:
        value, missing = f'{{"incident_id": {env.shop}}}', "no incident #"
    else:
        value, missing = IncidentRef(incident_id=env.shop).dump(), "no incident #"
    for (role, user), want in zip(ROLES.items(), wants, strict=True):
        _expect(_click(env, user, action_id, value), want, missing=missing, role=role)


def test_investigate_button_is_refused_to_a_viewer_and_hidden_from_others(env: Env) -> None:
    value = IncidentRef(incident_id=env.shop).dump()
    for user, want in ((VIEWER, OP), (OTHER, HIDDEN), (NOBODY, HIDDEN)):
        _expect(_click(env, user, ActionId.INVESTIGATE, value), want,
                missing="no incident #", role="x")  # fmt: skip


def test_oncall_shows_the_rotation_of_each_of_the_users_teams(env: Env) -> None:
    shop = _send(env, VIEWER, "oncall")
    assert "shop-pager" in shop and "#shop-oncall" in shop and "data-pager" not in shop
    data = _send(env, OTHER, "oncall")
    assert "data-pager" in data and "shop-pager" not in data


def test_app_home_shows_only_the_teams_the_user_sees(env: Env) -> None:
    for user, mine, theirs in ((VIEWER, "KubePodCrashLooping", SECRET_B),
                               (OTHER, SECRET_B, "KubePodCrashLooping")):  # fmt: skip
        env.slack.wait_ack(env.slack.open_app_home(user))
        home = env.wait(lambda u=user: env.slack.home(u))
        assert mine in str(home.payload) and theirs not in str(home.payload)


def test_every_decision_is_in_the_audit_log(env: Env) -> None:
    with env.db.session() as s:
        rows = list(s.exec(select(AuditEntry).where(AuditEntry.action == "authorize")))
    results = {(r.actor, r.result) for r in rows}
    assert {(VIEWER, "refused"), (OPERATOR, "allowed"), (OTHER, "not_found")} <= results
    assert all(r.params.get("permission") for r in rows)


def test_resolve_is_refused_to_a_viewer_hidden_from_others_and_done_by_an_operator(
    env: Env,
) -> None:  # last of the cells: it closes shop's incident
    text = f"resolve {env.shop} fixed"
    for user, want in ((VIEWER, OP), (OTHER, HIDDEN), (NOBODY, HIDDEN), (OPERATOR, OK)):
        _expect(_send(env, user, text), want, missing="no incident #", role="x")
    with env.db.session() as s:
        row = s.get(Incident, env.shop)
        assert row is not None and (row.status, row.resolved_by) == ("resolved", OPERATOR)


def test_nothing_of_the_other_team_reached_anyone_who_may_not_see_it(env: Env) -> None:
    """Checked on every message the local Slack server received during the module."""
    shop_side = {VIEWER, OPERATOR, ADMIN, OWNER, NOBODY, GROUPED}
    for user in shop_side:
        for e in env.slack.ephemerals(user):
            assert SECRET_B not in e.all_text and "ledger-export" not in e.all_text, e
        home = env.slack.home(user)
        assert home is None or SECRET_B not in str(home.payload)
    for channel in ("shop-incidents", "shop-oncall"):
        for m in env.slack.messages(channel):
            texts = [m.all_text] + [r.all_text for r in env.slack.thread(channel, m.ts)]
            assert all(SECRET_B not in t and "ledger-export" not in t for t in texts), texts
    for post in env.slack.responses():
        if post.user in shop_side:
            assert SECRET_B not in str(post.body), post
