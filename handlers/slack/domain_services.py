"""The real ``Services``: every ``/aiops`` sub-command and button backed by the domain.

``build_services(domain)`` returns the ``Services`` the Bolt app gets (``Domain`` in
``handlers.slack.domain``). The clicking / typing Slack user is the actor everywhere (timeline
rows, audit log, approvals). Roles come from ``Member`` rows (``aiops member add U123 --role
operator``). Incident sub-commands live here and call ``bot.incidents.commands``;
investigations and remediation are in ``domain_remediation``, reports in ``domain_reports``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.errors import UserError
from bot.incidents import commands
from bot.incidents.models import IncidentView
from bot.remediate.models import Place
from bot.respond.home import home_for
from bot.store.receipts import remember
from handlers.blocks import incident_list, incident_message, incident_text, timeline
from handlers.blocks.models import (
    ApprovalView,
    HomeView,
    OnCallView,
    TeamWeekView,
    TimelineEntryView,
)
from handlers.blocks.models import TimelineView as TimelineCard
from handlers.slack import domain_learning as learning
from handlers.slack import domain_remediation as rem
from handlers.slack import domain_reports as rep
from handlers.slack import domain_teams as teams
from handlers.slack.domain import SOURCE, Domain
from handlers.slack.guard import guard
from handlers.slack.postmortem import postmortem
from handlers.slack.publisher import incident_card
from handlers.slack.services import Actor, Reply, Services, default_services

log = logging.getLogger("aiops.slack.domain")

MAX_LISTED = 50


def _card(domain: Domain, view: IncidentView) -> Any:
    return incident_card(view, assignee=domain.assignee_of(view.id))


# ---------------------------------------------------------------- incident sub-commands
def _open(domain: Domain, actor: Actor) -> list[IncidentView]:
    """Open incidents of the teams the actor sees (all of them with isolation off)."""
    scope = domain.scope(actor.user_id)
    return commands.open_views(domain.flows, limit=MAX_LISTED, scope=scope)


def list_incidents(domain: Domain, actor: Actor) -> Reply:
    cards = [_card(domain, v) for v in _open(domain, actor)]
    text = f"{len(cards)} open incident(s)"
    return Reply(text, incident_list(cards))


def show_incident(domain: Domain, actor: Actor, incident_id: int) -> Reply:
    card = _card(domain, domain.view(incident_id))
    return Reply(incident_text(card), incident_message(card))


def acknowledge(domain: Domain, actor: Actor, incident_id: int) -> Reply:
    domain.flows.acknowledge(incident_id, actor=actor.user_id, source=SOURCE)
    domain.note(incident_id, f":eyes: Acknowledged by <@{actor.user_id}>.")
    return Reply(f":white_check_mark: You acknowledged incident #{incident_id}.")


def resolve(domain: Domain, actor: Actor, incident_id: int, note: str | None) -> Reply:
    domain.flows.resolve(incident_id, actor=actor.user_id, source=SOURCE, note=note or "")
    extra = f": {note}" if note else ""
    domain.note(incident_id, f":white_check_mark: Resolved by <@{actor.user_id}>{extra}")
    return Reply(f":white_check_mark: You resolved incident #{incident_id}.")


def assign(domain: Domain, actor: Actor, incident_id: int, who: str) -> Reply:
    domain.flows.assign(incident_id, assignee=who, actor=actor.user_id)
    domain.refresh(incident_id)
    domain.note(incident_id, f":bust_in_silhouette: <@{actor.user_id}> assigned this to <@{who}>.")
    return Reply(f"Incident #{incident_id} is now owned by <@{who}>.")


def show_timeline(domain: Domain, actor: Actor, incident_id: int) -> Reply:
    view = domain.view(incident_id)
    lines = commands.timeline(domain.db, incident_id)
    card = TimelineCard(
        incident_id=incident_id,
        title=view.title,
        entries=[TimelineEntryView(t.at, t.kind, t.text, t.actor) for t in lines],
    )
    return Reply(f"Timeline of incident #{incident_id} ({len(lines)} events)", timeline(card))


def _paging(domain: Domain) -> Any:
    if domain.paging is None:
        raise UserError("escalation is not configured", hint="set AIOPS_ESCALATION_FILE")
    return domain.paging


def snooze(domain: Domain, actor: Actor, incident_id: int, length: timedelta) -> Reply:
    domain.view(incident_id)  # NotFound first
    until = domain.clock.now() + length
    moved = _paging(domain).snooze(incident_id, until, by=actor.user_id)
    domain.note(
        incident_id,
        f":zzz: <@{actor.user_id}> snoozed escalation until <!date^{int(until.timestamp())}"
        f"^{{date_short_pretty}} {{time}}|{until:%Y-%m-%d %H:%M} UTC>.",
    )
    return Reply(f"Incident #{incident_id} snoozed for {length} ({moved} pending level(s) moved).")


def oncall(domain: Domain, actor: Actor) -> Reply:
    """Who is on call: the default policy, or with teams, the rotation of each of the user's
    teams."""
    from bot.errors import NotFound
    from bot.escalate.oncall import who_is_on_call

    paging = _paging(domain)
    scope = domain.scope(actor.user_id)
    teams: list[str | None] = [None] if scope.everything else [t for t, _ in scope.describe()]
    lines: list[str] = []
    for team in teams:
        try:
            view = who_is_on_call(paging, team=team)
        except NotFound as exc:
            lines.append(f"*{team}*: {exc.message}")
            continue
        head = f"*{team}* · " if team else ""
        who = ", ".join(view.on_call_now) or "nobody"
        lines.append(f"{head}*On call now* ({view.policy}): {who}")
        for level in view.levels:
            targets = ", ".join(f"{t.kind} {'/'.join(t.who)}" for t in level.targets)
            lines.append(
                f"Level {level.level} after {level.escalate_after_s / 60:.0f} min: {targets}"
            )
        lines += [f":warning: {w}" for w in view.warnings]
    return Reply("\n".join(lines))


def home(domain: Domain, actor: Actor) -> HomeView:
    """The clicking user's home: their teams' incidents, approvals, on-call and week."""
    data = home_for(domain.desk, actor.user_id, domain.roles_of(actor.user_id),
                    paging=domain.paging, scope=domain.scope(actor.user_id))  # fmt: skip
    visible = domain.access.visible_requests(actor.user_id, data.approvals)
    approvals = [
        ApprovalView(
            request_id=str(r.id), action=r.action, risk=r.risk, requested_by=r.requested_by,
            params={k: str(v) for k, v in r.params.items()}, incident_id=r.incident_id,
            expires_at=r.expires_at, approvals_needed=r.required_approvals,
            acts_in=str(place) if (place := Place.of(r.result.get("place"))) else None,
        )
        for r in visible
    ]  # fmt: skip
    oncall = [OnCallView(schedule=f"{o.team} · {o.policy}", user=who)
              for o in data.oncall for who in o.who]  # fmt: skip
    weeks = [TeamWeekView(w.team, w.opened, w.mtta, w.mttr) for w in data.weeks]
    return HomeView(
        open_incidents=[_card(domain, v) for v in data.incidents], pending_approvals=approvals,
        oncall=oncall, teams=[t.name for t in data.teams], weeks=weeks,
    )  # fmt: skip


def dedup(domain: Domain, key: str) -> bool:
    """True the first time ``key`` is seen: a ``Receipt`` row's primary key decides."""
    return remember(domain.db, key)


def build_services(domain: Domain) -> Services:
    """Every service backed by the domain, each checked by the team gate first (``guard``)."""
    d = domain
    return guard(_services(d), d.access)


def _services(d: Domain) -> Services:
    return replace(
        default_services(),
        list_incidents=lambda a: list_incidents(d, a),
        show_incident=lambda a, i: show_incident(d, a, i),
        acknowledge=lambda a, i: acknowledge(d, a, i),
        resolve=lambda a, i, n: resolve(d, a, i, n),
        assign=lambda a, i, w: assign(d, a, i, w),
        timeline=lambda a, i: show_timeline(d, a, i),
        snooze=lambda a, i, n: snooze(d, a, i, n),
        oncall=lambda a: oncall(d, a),
        feedback=lambda a, r, k: learning.feedback(d, a, r, k),
        rate=lambda a, r: learning.rate(d, a, r),
        judge=lambda a, r: learning.judge(d, a, r),
        fix_choices=learning.fix_choices,
        fix_found=lambda a, i, p, t: learning.fix_found(d, a, i, p, t),
        fixes=lambda a, s, k: learning.fixes(d, a, s, k),
        stats=lambda a: learning.stats(d, a),
        home=lambda a: home(d, a),
        whoami=lambda a: teams.whoami(d, a),
        team=lambda a, c: teams.team(d, a, c),
        dedup=lambda key: dedup(d, key),
        investigate=lambda a, q: rem.investigate_query(d, a, q),
        investigate_incident=lambda a, i: rem.investigate_incident(d, a, i),
        approve=lambda a, r: rem.approve(d, a, r),
        reject=lambda a, r, why: rem.reject(d, a, r, why),
        runbook_list=lambda a: rem.runbook_list(d, a),
        runbook_run=lambda a, n, t: rem.runbook_run(d, a, n, t),
        slo=lambda a: rep.slo(d, a),
        capacity=lambda a: rep.capacity(d, a),
        audit=lambda a, k, account, stack: rep.audit(d, a, k, account, stack),
        inventory=lambda a, q: rep.inventory(d, a, q),
        inventory_ask=lambda a, q: rep.inventory_ask(d, a, q),
        propose_fix=lambda a, ref: rep.propose_fix(d, a, ref),
        postmortem=lambda a, i: postmortem(d, a, i),
    )
