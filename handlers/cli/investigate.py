"""`aiops investigate "QUERY" [--scenario FILE] [--account NAME] [--region R] [--json]`: one
investigation in the terminal.

With ``--scenario`` the sandbox world is started for that file and the integrations point at
it; without, the configured AWS / Kubernetes endpoints are read (the service graph is then
empty, so account-wide checks such as security groups, buckets and IAM are what works). With
``AIOPS_ACCOUNTS_FILE``, ``--account`` / ``--region`` (or a resource the question names in one
account's inventory) choose where it reads (``bot.investigate.where``).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from bot.history.models import SimilarIncident
from bot.investigate import investigate_query
from bot.investigate.context import InvestigationContext
from bot.investigate.models import InvestigationResult, StepRecord

console = Console()


def _progress_table(steps: list[StepRecord], query: str) -> Table:
    table = Table(title=f"Investigating: {query}", show_header=True, header_style="bold")
    for col in ("step", "status", "ms", "found"):
        table.add_column(col)
    style = {
        "ok": "[green]ok[/]",
        "failed": "[red]failed[/]",
        "timeout": "[yellow]timeout[/]",
        "skipped": "[dim]skipped[/]",
    }
    for s in steps:
        table.add_row(
            s.name,
            style.get(s.status, s.status),
            f"{s.duration_ms:.0f}",
            str(len(s.output)) if s.status == "ok" else (s.error or ""),
        )
    return table


def _render(result: InvestigationResult) -> None:
    c = result.classification
    if result.account:
        console.print(f"[bold]AWS account:[/] {escape(result.account)}  region {result.region}")
    console.print(
        f"[bold]Incident class:[/] {c.incident_class}"
        + (f"  (also: {', '.join(c.secondary)})" if c.secondary else "")
    )
    console.print(f"[bold]Playbooks:[/] {', '.join(c.playbooks) or 'general triage'}")
    console.print("\n[bold]FACTS[/]")
    for f in result.facts:
        console.print(f"  • {f.text}  [dim]({f.source})[/]")
    console.print("\n[bold]LIKELY ROOT CAUSES[/]")
    if not result.hypotheses:
        unread = sum(1 for s in result.steps if s.status != "ok")
        console.print(
            "  (none: nothing that was read points to a cause"
            + (f"; {unread} step(s) failed or were skipped, see above)" if unread else ")")
        )
    for h in result.hypotheses:
        console.print(f"  • [bold]{h.kind}[/] on {h.service} — {h.confidence:.0%}: {h.summary}")
        for e in h.evidence[:4]:
            console.print(f"      for: {e}")
        for a in h.against[:2]:
            console.print(f"      against: {a}")
    if result.next_steps:
        console.print("\n[bold]FIRST STEPS[/] (read-only or an escalation)")
        for step in result.next_steps:
            console.print(f"  • {step}")
    console.print("\n[bold]RECOMMENDED ACTIONS[/]")
    if not result.actions:
        console.print(
            "  (none from the registry: see the hypotheses)"
            if result.hypotheses
            else "  (none: no hypothesis to act on)"
        )
    for i, proposed in enumerate(result.actions, 1):
        console.print(
            f"  {i}. {proposed.action} {json.dumps(proposed.params)}  risk={proposed.risk}\n"
            f"     {proposed.rationale}"
        )
    console.print(f"\n[dim]{len(result.steps)} steps in {result.duration_ms:.0f} ms[/]")


def _render_similar(similar: list[SimilarIncident]) -> None:
    if not similar:
        return
    console.print("\n[bold]SIMILAR PAST INCIDENTS[/]")
    for s in similar:
        p = s.past
        console.print(f"  • #{p.incident_id} {escape(p.title)}  [dim]({p.created_at:%Y-%m-%d})[/]")
        cause = f"{p.kind} on {p.service}: {p.cause}" if p.kind else "not found"
        console.print(f"      root cause: {escape(cause)}")
        console.print(f"      fixed by: {escape('; '.join(p.fixed_by) or 'not recorded')}")
        if p.did_not_fix:
            console.print(f"      did not help: {escape('; '.join(p.did_not_fix))}")


def _similar(ctx: InvestigationContext, result: InvestigationResult) -> list[SimilarIncident]:
    """The closest past incidents in the configured database; none when there is no database
    yet (an SQLite file that does not exist is not created) or it cannot be read."""
    from bot.config import get_settings
    from bot.errors import AiopsError
    from bot.history.flows import similar_to_result
    from bot.store.db import settings_database

    settings = get_settings()
    if not settings.database_url and not settings.aiops_db.expanduser().is_file():
        return []
    try:
        db = settings_database(settings)
    except AiopsError as exc:
        console.print(f"[dim]similar past incidents skipped: {escape(str(exc))}[/]")
        return []
    try:
        return similar_to_result(db, result, topology=ctx.topology)
    finally:
        db.dispose()


def production_context() -> InvestigationContext:
    """The configured AWS, Kubernetes, log store and topology, for commands that read live
    systems."""
    from bot.config import get_settings
    from bot.investigate.configured import context_from_settings

    return context_from_settings(get_settings())


def investigate(
    query: Annotated[str, typer.Argument(help='what to investigate, e.g. "API latency spike"')],
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="run against this scenario's sandbox world")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the investigation JSON")] = False,
    account: Annotated[
        str | None,
        typer.Option("--account", help="read this account of AIOPS_ACCOUNTS_FILE (name or id)"),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="read this region (with AIOPS_ACCOUNTS_FILE)")
    ] = None,
) -> None:
    """Classify the query, run the playbooks' diagnostics in parallel, print facts,
    hypotheses and recommended actions."""
    with ExitStack() as stack:
        to_refs: Any = lambda value: value  # noqa: E731
        if scenario is not None:
            from handlers.cli.extras import require_sandbox

            require_sandbox("investigate --scenario")
            from sandbox.investigate.context import context_for_world
            from sandbox.scenario import load_scenario
            from sandbox.world import SandboxWorld

            world = stack.enter_context(SandboxWorld(load_scenario(scenario).scenario))
            ctx = context_for_world(world)
            to_refs = world.to_id_refs
        else:
            ctx = production_context()
        from bot.config import get_settings
        from bot.investigate.llm import attach_claude

        attach_claude(ctx, get_settings())
        ctx.account, ctx.region = account, region
        if as_json:
            result = investigate_query(ctx, query)
            typer.echo(json.dumps(to_refs(result.to_contract_json()), indent=2))
            return
        done: list[StepRecord] = []
        with Live(_progress_table(done, query), console=console, transient=True) as live:

            def progress(step: StepRecord) -> None:
                done.append(step)
                live.update(_progress_table(done, query))

            result = investigate_query(ctx, query, on_progress=progress)
        console.print(_progress_table(done, query))
        _render(result)
        _render_similar(_similar(ctx, result))


def register(app: typer.Typer) -> None:
    app.command("investigate")(investigate)
