"""``aiops remediate``: run an investigation's recommended action under the same policy as Slack.

aiops remediate --plan-id 12 [--action 2] [--dry-run] [--user me]
aiops remediate propose ec2.revoke_ingress group=sg-0abc port=22 cidr=0.0.0.0/0 [--account prod]
aiops remediate list
aiops remediate approve 7 --user alice --role operator
aiops remediate reject 7 --user alice --reason "wrong target"

Approve and reject are ``bot.respond.approvals``, the same flow a Slack click runs: without
``--role`` the roles are the ``--user``'s (``aiops member add``); a verified fix moves its
incident to *mitigated*.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bot.errors import NotFound, UserError

if TYPE_CHECKING:
    from bot.incidents.models import IncidentView
    from bot.jobs import InlineJobs
    from bot.remediate.flows import Outcome
    from bot.remediate.ports import OutcomeNotice
    from bot.respond.approvals import Desk

console = Console()
remediate_app = typer.Typer(
    help="Remediation: propose, dry-run, approve, reject and run typed actions.",
    invoke_without_command=True,
)


def _env() -> tuple[Any, Any, Any]:
    from bot.config import get_settings
    from bot.remediate.policy import load_policy
    from bot.store.db import settings_database

    settings = get_settings()
    return settings, settings_database(settings), load_policy(settings.aiops_policy_file)


class ConsoleOutcomes:
    """``OutcomePublisher`` for the terminal: the outcome is printed where the command ran."""

    def outcome(self, notice: OutcomeNotice, outcome: Outcome, *, after_restart: bool) -> None:
        colour = {"verified": "green", "unverified": "yellow", "skipped": "yellow"}.get(
            outcome.status, "red"
        )
        console.print(f"[{colour}]{outcome.status}[/]: {outcome.action}: {outcome.detail}")

    def failed(self, notice: OutcomeNotice, message: str) -> None:
        console.print(f"[red]{message}[/]")

    def incident_changed(self, incident: IncidentView) -> None:
        return None


def _desk(settings: Any, db: Any, policy: Any) -> tuple[Desk, InlineJobs]:
    """The remediation desk of one command; its runs wait for ``jobs.run_pending()``."""
    from bot.clock import SystemClock
    from bot.incidents.flows import IncidentFlows
    from bot.jobs import InlineJobs
    from bot.remediate.context import context_from_settings
    from bot.remediate.verify import MetricVerifier
    from bot.respond.approvals import Desk
    from bot.topology import Topology, load_topology_file

    path = settings.aiops_topology_file
    clock = SystemClock()
    flows = IncidentFlows(
        db, clock=clock, topology=load_topology_file(path) if path else Topology()
    )
    jobs = InlineJobs(deferred=True)
    return Desk(
        db=db, policy=policy, clock=clock, jobs=jobs,
        outcomes=ConsoleOutcomes(), flows=flows,
        action_context=lambda: context_from_settings(settings), verifier=MetricVerifier(),
        approval_ttl=timedelta(minutes=settings.aiops_approval_ttl_minutes), source="cli",
    ), jobs  # fmt: skip


def _planned(db: Any, plan_id: int, index: int) -> tuple[dict[str, Any], Any]:
    from bot.investigate import service as investigations

    row = investigations.get(db=db, investigation_id=plan_id)
    if row is None:
        raise NotFound(f"investigation {plan_id} does not exist", hint="see aiops incident show")
    actions = list(row.actions or [])
    if not actions:
        raise UserError(f"investigation {plan_id} recommends no action; nothing to run")
    if not 1 <= index <= len(actions):
        raise UserError(f"--action {index}: investigation {plan_id} has actions 1..{len(actions)}")
    return actions[index - 1], row


def _dry_run(settings: Any, action: str, params: dict[str, Any]) -> None:
    import boto3

    from bot.kube import k8s_client
    from bot.remediate import registry
    from bot.remediate.context import ClientFactory
    from bot.remediate.dryrun import dry_run
    from bot.remediate.registry import ActionContext

    spec, typed = registry.validate(action, params)
    factory = ClientFactory(
        boto3.Session(region_name=settings.aws_region),
        settings.aws_endpoint_url,
        settings.aws_region,
    )
    report = dry_run(
        spec, typed, ActionContext(), aws_factory=factory.fresh, k8s_client=k8s_client(settings)
    )
    console.print(f"[bold]dry run[/] {spec.describe(typed)} (risk {spec.risk})")
    console.print(f"preflight ok; current state: {json.dumps(report.before, default=str)}")
    console.print("would call:" if report.calls else "would call nothing")
    for call in report.calls:
        typer.echo(f"  {call.text()}")
    if report.note:
        console.print(f"[dim]({report.note})[/]")


@remediate_app.callback()
def remediate(
    ctx: typer.Context,
    plan_id: Annotated[int | None, typer.Option("--plan-id", help="investigation id")] = None,
    action: Annotated[
        int, typer.Option("--action", help="which recommended action (1 = first)")
    ] = 1,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the calls, change nothing")
    ] = False,
    user: Annotated[str, typer.Option("--user", help="who requests it")] = "cli",
) -> None:
    """Propose (and, when policy allows, run) an investigation's recommended action."""
    if ctx.invoked_subcommand is not None:
        return
    if plan_id is None:
        raise UserError(
            "give --plan-id <investigation id>, or a sub-command (propose|list|approve|reject)"
        )
    from bot.respond.proposals import propose

    settings, db, policy = _env()
    try:
        planned, row = _planned(db, plan_id, action)
        if dry_run:
            _dry_run(settings, planned["action"], dict(planned.get("params") or {}))
            return
        desk, jobs = _desk(settings, db, policy)
        proposal = propose(
            desk,
            action=planned["action"],
            params=dict(planned.get("params") or {}),
            requested_by=user,
            incident_id=row.incident_id,
            investigation_id=plan_id,
            incident_class=row.incident_class,
            rationale=str(planned.get("rationale", "")),
        )
        _proposed(proposal, jobs)
    finally:
        db.dispose()


def _proposed(proposal: Any, jobs: InlineJobs) -> None:
    """Print the request; an approved one runs now, after the lines above."""
    req = proposal.request
    console.print(f"request #{req.id}: {req.action} {json.dumps(req.params)} — {req.state}")
    console.print(proposal.explanation)
    jobs.run_pending()
    if req.state == "pending":
        console.print(f"approve with: aiops remediate approve {req.id} --user U --role R")


def _param(word: str) -> tuple[str, str]:
    key, eq, value = word.partition("=")
    if not eq or not key:
        raise UserError(f"{word!r} is not key=value", hint="e.g. group=sg-0abc port=22")
    return key, value


@remediate_app.command("propose")
def propose_one(
    action: Annotated[str, typer.Argument(help="a registry action, e.g. ec2.revoke_ingress")],
    params: Annotated[
        list[str] | None, typer.Argument(help="key=value parameters (a report's fix_params)")
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="the finding's account (AIOPS_ACCOUNTS_FILE): it runs "
            "there, with that account's role",
        ),
    ] = None,  # fmt: skip
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="the finding's region (default, or `global`: the account's first)"
        ),
    ] = None,  # fmt: skip
    user: Annotated[str, typer.Option("--user", help="who requests it")] = "cli",
    why: Annotated[str, typer.Option("--why", help="the rationale the approver reads")] = "",
) -> None:
    """Propose one registry action, such as an audit finding's fix (its fix_action and
    fix_params); when the policy allows, it runs now, else it waits for approval."""
    from bot.accounts.service import configured_fleet
    from bot.posture.fixes import place_of
    from bot.respond.proposals import propose

    words = dict(_param(w) for w in params or [])
    settings, db, policy = _env()
    try:
        fleet = configured_fleet(settings) if account is not None else None
        place = place_of(fleet, account, region)  # an unknown place stops here
        desk, jobs = _desk(settings, db, policy)
        proposal = propose(
            desk, action=action, params=words, requested_by=user, rationale=why, place=place
        )
        _proposed(proposal, jobs)
    finally:
        db.dispose()


@remediate_app.command("list")
def list_requests(
    all_: Annotated[bool, typer.Option("--all", help="also finished requests")] = False,
) -> None:
    """Pending remediation requests (with --all: every request)."""
    from bot.remediate import service
    from bot.remediate.models import Place

    _, db, _ = _env()
    try:
        rows = service.listed(db, pending_only=not all_)
    finally:
        db.dispose()
    table = Table(title=f"{len(rows)} remediation request(s)")
    for name in ("id", "action", "params", "acts in", "risk", "state", "by", "detail"):
        table.add_column(name)
    for r in rows:
        place = Place.of(r.result.get("place"))
        table.add_row(
            str(r.id), r.action, json.dumps(r.params), str(place) if place else "home", r.risk,
            r.state, r.requested_by, r.detail,
        )  # fmt: skip
    console.print(table)


@remediate_app.command("approve")
def approve(
    request_id: Annotated[int, typer.Argument(help="request id")],
    user: Annotated[str, typer.Option("--user", help="who approves")],
    role: Annotated[
        list[str], typer.Option("--role", help="the approver's role(s); default: the member's")
    ] = [],  # noqa: B006
) -> None:
    """Approve a request; the approval that completes the set runs it (and prints the outcome)."""
    from bot.respond import approvals

    settings, db, policy = _env()
    try:
        desk, jobs = _desk(settings, db, policy)
        done = approvals.approve(desk, request_id=request_id, user=user, roles=role or None)
        console.print(done.message)
        jobs.run_pending()
    finally:
        db.dispose()


@remediate_app.command("reject")
def reject(
    request_id: Annotated[int, typer.Argument(help="request id")],
    user: Annotated[str, typer.Option("--user", help="who rejects")],
    reason: Annotated[str, typer.Option("--reason", help="why")] = "",
    role: Annotated[
        list[str], typer.Option("--role", help="the rejecter's role(s); default: the member's")
    ] = [],  # noqa: B006
) -> None:
    """Reject a pending request (needs the role that could approve it)."""
    from bot.respond import approvals

    settings, db, policy = _env()
    try:
        desk, jobs = _desk(settings, db, policy)
        req = approvals.reject(
            desk, request_id=request_id, user=user, reason=reason, roles=role or None
        )
        console.print(f"request #{req.id} rejected")
    finally:
        db.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(remediate_app, name="remediate")
