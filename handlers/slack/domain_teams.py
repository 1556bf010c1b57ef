"""``/aiops whoami`` and ``/aiops team …``: the acting user's teams and roles, and a team's
members (owners add and remove them; the rows are ``Member`` roles such as ``payments:operator``,
read beside ``teams.yaml`` by ``bot.teams.directory``)."""

from __future__ import annotations

from bot.errors import NotFound, UserError
from bot.teams import members
from bot.teams.access import Permission, Target
from handlers.slack.domain import Domain
from handlers.slack.services import Actor, Reply, TeamCommand


def whoami(domain: Domain, actor: Actor) -> Reply:
    gate = domain.access
    if not gate.isolated:
        roles = domain.roles_of(actor.user_id)
        text = ", ".join(roles) if roles else "none"
        return Reply(
            f"<@{actor.user_id}>: teams are not configured (everyone sees every incident); "
            f"your approval roles: {text}."
        )
    mine = gate.scope(actor.user_id).describe()
    if not mine:
        return Reply(
            f"<@{actor.user_id}>: you are in no team, so you see no incidents. "
            "A team owner can add you with `/aiops team add @you <team> <role>`."
        )
    lines = [f"• *{team}*: {role.value}" for team, role in mine]
    return Reply(f"<@{actor.user_id}>, your teams and roles:\n" + "\n".join(lines))


def team(domain: Domain, actor: Actor, command: TeamCommand) -> Reply:
    gate = domain.access
    if not gate.isolated:
        raise UserError("teams are not configured", hint="set AIOPS_TEAMS_FILE (teams.yaml)")
    if command.op == "list":
        return _list(domain, actor, command.team)
    assert command.team is not None and command.user is not None
    gate.check(actor.user_id, Permission.MEMBERS, Target(team=command.team))
    if command.op == "add":
        assert command.role is not None
        members.add_member(domain.db, command.user, [f"{command.team}:{command.role}"])
        return Reply(
            f"<@{command.user}> is now {command.role} in {command.team} "
            f"(added by <@{actor.user_id}>)."
        )
    row = members.get(domain.db, command.user)
    entries = [r for r in (row.roles if row else []) if r.startswith(f"{command.team}:")]
    if not entries:
        raise NotFound(
            f"<@{command.user}> has no role in {command.team} that `/aiops team` gave",
            hint="roles from teams.yaml change in the file",
        )
    members.remove_member(domain.db, command.user, entries)
    return Reply(f"<@{command.user}> is no longer in {command.team}.")


def _list(domain: Domain, actor: Actor, name: str | None) -> Reply:
    gate = domain.access
    mine = dict(gate.scope(actor.user_id).describe())
    teams = [name] if name else sorted(mine)
    if name is not None:
        gate.check(actor.user_id, Permission.SEE, Target(team=name))
    if not teams:
        return Reply("You are in no team.")
    lines = []
    for t in teams:
        people = gate.directory.members_of(t)
        shown = ", ".join(f"{_mention(u)} {r.value}" for u, r in people) or "nobody"
        lines.append(f"*{t}*: {shown}")
    return Reply("\n".join(lines))


def _mention(who: str) -> str:
    return f"<{who}>" if who.startswith("!subteam^") else f"<@{who}>"
