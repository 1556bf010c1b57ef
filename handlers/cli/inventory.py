"""`aiops inventory TYPE [FILTERS…]` or `aiops inventory "which buckets are public"`."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console

from bot.errors import UserError
from bot.inventory.ask import words_to_query
from bot.inventory.render import Format, render, summary
from bot.inventory.service import InventorySources, run

console = Console()
FORMATS = ("table", "md", "csv", "json")


def _production_sources() -> InventorySources:
    from bot.config import get_settings
    from integrations.aws.session import make_clients

    settings = get_settings()
    k8s = None
    if settings.kubeconfig is not None:
        from integrations.kubernetes import KubernetesApi, client_from_kubeconfig

        k8s = KubernetesApi(client_from_kubeconfig(settings.kubeconfig, settings.kube_context))
    return InventorySources(make_clients(settings.aws_region, settings.aws_endpoint_url), k8s)


def _world_sources(stack: ExitStack, scenario: Path) -> InventorySources:
    from handlers.cli.extras import require_sandbox

    require_sandbox("inventory --scenario")
    from integrations.aws.session import make_clients
    from sandbox.scenario import load_scenario
    from sandbox.world import SandboxWorld

    world = stack.enter_context(SandboxWorld(load_scenario(scenario).scenario))
    ep = world.endpoints
    k8s: Any = None
    if ep.kubeconfig_path is not None:
        from integrations.kubernetes import KubernetesApi, client_from_kubeconfig

        k8s = KubernetesApi(client_from_kubeconfig(ep.kubeconfig_path))
    assert world.aws is not None  # endpoints is only readable on a started world
    aws = make_clients(ep.region, ep.aws_endpoint_url, session=world.aws.session())
    return InventorySources(aws, k8s)


def inventory(
    words: Annotated[
        list[str] | None,
        typer.Argument(help='TYPE [key=value …], or a question: "which buckets are public"'),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, md, csv or json")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write to this file")] = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="list this scenario's sandbox world")
    ] = None,
) -> None:
    """List resources of one type with filters (env=prod, state=stopped, tag:team=payments)."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r}: one of {', '.join(FORMATS)}")
    query = words_to_query(list(words or []))
    with ExitStack() as stack:
        sources = _world_sources(stack, scenario) if scenario else _production_sources()
        result = run(query, sources)
    text = render(result, cast(Format, fmt))
    if out is not None:
        out.write_text(text + "\n")
        console.print(f"{summary(result)}: wrote {out}")
        return
    typer.echo(text)


def register(app: typer.Typer) -> None:
    app.command("inventory")(inventory)
