"""``aiops remediate``: run an investigation's recommended action under the same policy as Slack.

aiops remediate --plan-id 12 [--action 2] [--dry-run] [--user me]
aiops remediate list
aiops remediate approve 7 --user alice --role operator
aiops remediate reject 7 --user alice --reason "wrong target"
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bot.errors import NotFound, UserError

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


def _planned(db: Any, plan_id: int, index: int) -> tuple[dict[str, Any], Any]:
    from bot.store import Investigation

    with db.session() as s:
        row = s.get(Investigation, plan_id)
    if row is None:
        raise NotFound(f"investigation {plan_id} does not exist", hint="see aiops incident show")
    actions = list(row.actions or [])
    if not actions:
        raise UserError(f"investigation {plan_id} recommends no action; nothing to run")
    if not 1 <= index <= len(actions):
        raise UserError(f"--action {index}: investigation {plan_id} has actions 1..{len(actions)}")
    return actions[index - 1], row


def _execute(db: Any, settings: Any, request_id: int, worker: str) -> None:
    from bot.remediate import flows
    from bot.remediate.context import context_from_settings
    from bot.remediate.verify import MetricVerifier

    out = flows.execute(
        db,
        request_id=request_id,
        ctx=context_from_settings(settings),
        worker=worker,
        verifier=MetricVerifier(),
    )
    colour = {"verified": "green", "skipped": "yellow"}.get(out.status, "red")
    console.print(f"[{colour}]{out.status}[/]: {out.action}: {out.detail}")


def _dry_run(settings: Any, action: str, params: dict[str, Any]) -> None:
    import boto3

    from bot.remediate import registry
    from bot.remediate.context import ClientFactory, k8s_client
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
        raise UserError("give --plan-id <investigation id>, or a sub-command (list|approve|reject)")
    from bot.remediate import service

    settings, db, policy = _env()
    try:
        planned, row = _planned(db, plan_id, action)
        if dry_run:
            _dry_run(settings, planned["action"], dict(planned.get("params") or {}))
            return
        proposal = service.propose(
            db,
            action=planned["action"],
            params=dict(planned.get("params") or {}),
            requested_by=user,
            policy=policy,
            incident_id=row.incident_id,
            investigation_id=plan_id,
            incident_class=row.incident_class,
            rationale=str(planned.get("rationale", "")),
            ttl=timedelta(minutes=settings.aiops_approval_ttl_minutes),
        )
        req = proposal.request
        console.print(f"request #{req.id}: {req.action} {json.dumps(req.params)} — {req.state}")
        console.print(proposal.explanation)
        if req.state == "approved":
            _execute(db, settings, req.id or 0, user)
        elif req.state == "pending":
            console.print(f"approve with: aiops remediate approve {req.id} --user U --role R")
    finally:
        db.dispose()


@remediate_app.command("list")
def list_requests(
    all_: Annotated[bool, typer.Option("--all", help="also finished requests")] = False,
) -> None:
    """Pending remediation requests (with --all: every request)."""
    from sqlmodel import col, select

    from bot.store import RemediationRequest

    _, db, _ = _env()
    try:
        with db.session() as s:
            q = select(RemediationRequest).order_by(col(RemediationRequest.id))
            if not all_:
                q = q.where(RemediationRequest.state == "pending")
            rows = list(s.exec(q))
    finally:
        db.dispose()
    table = Table(title=f"{len(rows)} remediation request(s)")
    for name in ("id", "action", "params", "risk", "state", "by", "detail"):
        table.add_column(name)
    for r in rows:
        table.add_row(
            str(r.id), r.action, json.dumps(r.params), r.risk, r.state, r.requested_by, r.detail
        )
    console.print(table)


@remediate_app.command("approve")
def approve(
    request_id: Annotated[int, typer.Argument(help="request id")],
    user: Annotated[str, typer.Option("--user", help="who approves")],
    role: Annotated[list[str], typer.Option("--role", help="the approver's role(s)")] = [],  # noqa: B006
) -> None:
    """Approve a request; the approval that completes the set runs it."""
    from bot.remediate import service

    settings, db, policy = _env()
    try:
        decision = service.approve(db, request_id=request_id, user=user, roles=role, policy=policy)
        console.print(decision.message)
        if decision.ready_to_run:
            _execute(db, settings, request_id, user)
    finally:
        db.dispose()


@remediate_app.command("reject")
def reject(
    request_id: Annotated[int, typer.Argument(help="request id")],
    user: Annotated[str, typer.Option("--user", help="who rejects")],
    reason: Annotated[str, typer.Option("--reason", help="why")] = "",
) -> None:
    """Reject a pending request."""
    from bot.remediate import service

    _, db, _ = _env()
    try:
        req = service.reject(db, request_id=request_id, user=user, reason=reason)
        console.print(f"request #{req.id} rejected")
    finally:
        db.dispose()


def register(app: typer.Typer) -> None:
    app.add_typer(remediate_app, name="remediate")
