"""`aiops audit …`: check the tamper-evident chain, export it as JSON lines."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape

from bot.config import get_settings
from bot.errors import UserError
from bot.remediate import audit
from bot.store.db import settings_database

console = Console()
audit_app = typer.Typer(
    help="The audit log (verify, export) and the posture audits (security, cost, compliance,"
    " drift)."
)


@audit_app.command("verify")
def verify() -> None:
    """Recompute every hash; exit 1 at the first entry that was changed or removed."""
    db = settings_database(get_settings())
    report = audit.verify_chain(db)
    db.dispose()
    if report.ok:
        console.print(f"[green]audit chain intact[/]: {report.entries} entries")
        return
    console.print(f"[red]audit chain broken[/] at entry {report.first_bad_id}: {report.reason}")
    raise typer.Exit(1)


@audit_app.command("export")
def export(
    since: Annotated[str | None, typer.Option(help="ISO date/time, e.g. 2025-03-01")] = None,
    out: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """Write the audit log as JSON lines."""
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise UserError(f"--since {since!r} is not an ISO date (e.g. 2025-03-01)") from None
    db = settings_database(get_settings())
    lines = list(audit.export(db, start))
    db.dispose()
    if out:
        out.write_text("".join(line + "\n" for line in lines))
        console.print(f"wrote {len(lines)} entries to {out}")
    else:
        for line in lines:
            typer.echo(line)


def _posture(
    kind: str,
    scenario: Path | None,
    stack_name: str | None = None,
    tfstate: Path | None = None,
    account: str | None = None,
) -> list[Any]:
    """Run the security, cost, compliance or drift audit flow over the configured AWS (every
    account of AIOPS_ACCOUNTS_FILE when set) or a scenario's world, print its summary lines
    and return its rows."""
    from bot.accounts.service import configured_fleet
    from bot.posture import flows
    from handlers.cli.live import live_context

    settings = get_settings()
    fleet = configured_fleet(settings) if scenario is None else None
    if fleet is None and account not in (None, "all"):
        raise UserError("--account needs AIOPS_ACCOUNTS_FILE (the accounts to choose from)")
    chosen = flows.accounts(fleet, account)
    tables = None
    if kind == "cost":  # a bad file fails before the world
        tables = flows.CostTables.load(settings.aiops_prices_file, settings.aiops_cost_rules_file)
    with ExitStack() as stack:
        ctx = live_context(stack, scenario, f"audit {kind}")
        aws, k8s, now = ctx.evidence.aws_clients, ctx.evidence.k8s_api, ctx.now()
        if kind == "security":
            return flows.security_report_rows(flows.security(ctx, aws, k8s, chosen, now))
        if kind == "cost":
            assert tables is not None
            found = flows.cost(aws, chosen, now, tables)
        elif kind == "drift":
            found = flows.drift(aws, chosen, stack_name, tfstate)
        else:
            found = _compliance(aws, k8s, chosen, now, record=scenario is None)
    # compliance's summary is its table; the others' go to stderr, so `--format json|csv` on
    # stdout stays machine-readable
    out = console if kind == "compliance" else Console(stderr=True)
    for line in found.summary:
        out.print(escape(line), highlight=False, soft_wrap=True)
    return found.rows


def _compliance(aws: Any, k8s: Any, fleet: Any, now: datetime, *, record: bool) -> Any:
    """Against live systems the run is recorded, so the summary shows the trend."""
    from bot.posture import flows

    settings = get_settings()
    if not record:
        return flows.compliance(settings.aiops_compliance_file, aws, k8s, fleet, now)
    db = settings_database(settings)
    try:
        return flows.compliance(settings.aiops_compliance_file, aws, k8s, fleet, now, db)
    finally:
        db.dispose()


def _report(
    kind: str,
    scenario: Path | None,
    fmt: str,
    out: Path | None,
    stack: str | None = None,
    tfstate: Path | None = None,
    account: str | None = None,
) -> None:
    from bot.posture.report import FORMATS, Format, format_rows

    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: one of {', '.join(FORMATS)}")
    found = _posture(kind, scenario, stack, tfstate, account)
    if kind == "compliance" and fmt == "table" and out is None:
        return  # the summary printed above is the table
    text = format_rows(found, cast("Format", fmt))
    if out is not None:
        out.write_text(text + "\n")
        console.print(f"{kind} audit: wrote {out}")
    else:
        typer.echo(text)


Scenario = Annotated[
    Path | None, typer.Option("--scenario", help="audit this scenario's sandbox world")
]
FormatOpt = Annotated[str, typer.Option("--format", help="table, md, csv or json")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="write to this file")]
AccountOpt = Annotated[
    str | None,
    typer.Option("--account", help="one account of AIOPS_ACCOUNTS_FILE (name or id), or all"),
]


@audit_app.command("security")
def security(
    scenario: Scenario = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    account: AccountOpt = None,
) -> None:
    """Open security groups, public or unencrypted buckets, IAM admin rights from the policy
    documents, MFA and access keys, expiring certificates, unencrypted data at rest, root
    account use, GuardDuty and Inspector findings, Kubernetes workloads."""
    _report("security", scenario, fmt, out, account=account)


@audit_app.command("compliance")
def compliance(
    scenario: Scenario = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    account: AccountOpt = None,
) -> None:
    """Compliance rules over the inventory (CIS AWS Foundations ids, your own rules from
    AIOPS_COMPLIANCE_FILE) and AWS Config's rules where enabled: score, failing resources, and
    the trend since the last run."""
    _report("compliance", scenario, fmt, out, account=account)


@audit_app.command("cost")
def cost(
    scenario: Scenario = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    account: AccountOpt = None,
) -> None:
    """Idle and oversized EC2, RDS and Lambda, old snapshots, unattached volumes and idle
    addresses, each with a monthly price (prices.yaml, AIOPS_PRICES_FILE); spend by service
    and cost anomalies from Cost Explorer where it answers."""
    _report("cost", scenario, fmt, out, account=account)


@audit_app.command("drift")
def drift(
    stack: Annotated[str | None, typer.Option("--stack", help="this CloudFormation stack")] = None,
    tfstate: Annotated[
        Path | None,
        typer.Option("--tfstate", help="a terraform.tfstate or `terraform show -json` file"),
    ] = None,
    scenario: Scenario = None,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    account: AccountOpt = None,
) -> None:
    """Live resources against CloudFormation stacks (all, or --stack) and a Terraform state or
    plan JSON (--tfstate): added, removed and changed attributes, with the template line."""
    _report("drift", scenario, fmt, out, stack, tfstate, account)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
