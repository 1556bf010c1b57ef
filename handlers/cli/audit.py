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
    """Run the security, cost, compliance or drift audit over the configured AWS (every
    account of AIOPS_ACCOUNTS_FILE when set) or a scenario's world."""
    from bot.accounts.service import configured_fleet
    from bot.posture import flows
    from handlers.cli.live import live_context

    fleet = configured_fleet(get_settings()) if scenario is None else None
    if fleet is None and account not in (None, "all"):
        raise UserError("--account needs AIOPS_ACCOUNTS_FILE (the accounts to choose from)")
    tables = _cost_tables() if kind == "cost" else None  # a bad file fails before the world
    with ExitStack() as stack:
        ctx = live_context(stack, scenario, f"audit {kind}")
        clients = ctx.evidence.aws_clients
        if kind == "security":
            chosen = fleet.only(account) if fleet is not None else None
            found = flows.security(ctx, clients, ctx.evidence.k8s_api, chosen, ctx.now())
            return flows.security_report_rows(found)
        if fleet is not None and not (kind == "drift" and tfstate is not None):
            return _across(kind, fleet.only(account), ctx, stack_name, tables)
        if kind == "drift":
            return _drift(clients, stack_name, tfstate)
        if kind == "compliance":
            return _compliance(clients, ctx, record=scenario is None)
        return _cost(clients, ctx, tables)


def _cost_tables() -> tuple[Any, Any]:
    from bot.posture.pricing import load_prices, load_rules

    settings = get_settings()
    return load_prices(settings.aiops_prices_file), load_rules(settings.aiops_cost_rules_file)


def _cost(clients: Any, ctx: Any, tables: Any) -> list[Any]:
    from bot.capacity.setup import metric_sources
    from bot.posture.cost import CostSources, cost_audit
    from bot.posture.cost_render import headline, rows, spend_lines

    metrics = metric_sources(clients.cloudwatch).get("cloudwatch")
    found = cost_audit(CostSources.of(clients, metrics), ctx.now(), *tables)
    # on stderr, so `--format json|csv` on stdout stays machine-readable
    err = Console(stderr=True)
    for line in [headline(found).replace("*", ""), *spend_lines(found.spend)]:
        err.print(escape(line), highlight=False, soft_wrap=True)
    return rows(found)


def _across(
    kind: str, fleet: Any, ctx: Any, stack_name: str | None, tables: Any = None
) -> list[Any]:
    """The audit in every account and region of ``fleet``; rows name account and region."""
    from bot.posture.across import rows_across

    if kind == "compliance":
        return _compliance(None, ctx, record=True, fleet=fleet)
    if kind == "drift":
        from bot.drift import drift_audit
        from bot.drift.report import drift_rows

        return rows_across(fleet, lambda clients: drift_rows(drift_audit(clients, stack_name)))
    from dataclasses import replace

    from bot.capacity.setup import metric_sources
    from bot.posture.across import rows_where
    from bot.posture.cost import CostSources, cost_audit
    from bot.posture.cost_render import rows

    def cost(clients: Any, target: Any, region: str) -> list[Any]:
        src = CostSources.of(clients, metric_sources(clients.cloudwatch).get("cloudwatch"))
        if region != target.regions[0]:
            src = replace(src, ce=None)  # Cost Explorer is account-wide: read it once
        return list(rows(cost_audit(src, ctx.now(), *tables)))

    return rows_where(fleet, cost)


def _drift(clients: Any, stack: str | None, tfstate: Path | None) -> list[Any]:
    from bot.drift import drift_audit
    from bot.drift.report import drift_rows, summary

    report = drift_audit(clients, stack, tfstate)
    # on stderr, so `--format json|csv` on stdout stays machine-readable
    Console(stderr=True).print(escape(summary(report)), highlight=False)
    return drift_rows(report)


def _compliance(clients: Any, ctx: Any, *, record: bool, fleet: Any = None) -> list[Any]:
    """Evaluate the rules; against live systems also record the run and print the trend."""
    from bot.compliance.flows import assess
    from bot.compliance.render import rows, summary
    from bot.compliance.runs import record as record_run
    from bot.inventory.service import InventorySources

    settings = get_settings()
    sources = InventorySources(clients, ctx.evidence.k8s_api, fleet)
    report = assess(settings.aiops_compliance_file, sources)
    trend = None
    if record:
        db = settings_database(settings)
        try:
            trend = record_run(db, report, ctx.now())
        finally:
            db.dispose()
    console.print(escape(summary(report, trend)), highlight=False)
    return rows(report)


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
