"""``aiops scenario check FILE…`` and ``aiops sandbox up FILE``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sandbox.scenario import ScenarioError, load_scenario

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def check(
    files: Annotated[list[Path], typer.Argument(help="scenario YAML files")],
) -> None:
    """Validate scenario files: prints OK per file, or every problem as FILE:LINE: path: reason."""
    failed = False
    for path in files:
        try:
            loaded = load_scenario(path)
        except ScenarioError as exc:
            failed = True
            for issue in exc.issues:
                err_console.print(str(issue), markup=False, highlight=False)
            continue
        console.print(f"OK {path} ({loaded.scenario.name})", markup=False, highlight=False)
    if failed:
        raise typer.Exit(code=2)


def up(
    file: Annotated[Path, typer.Argument(help="scenario YAML file")],
    seconds: Annotated[
        float | None,
        typer.Option("--for", help="stop after this many seconds (default: until Ctrl-C)"),
    ] = None,
    timeout: Annotated[float, typer.Option(help="seconds each server has to come up")] = 10.0,
) -> None:
    """Start the sandbox world for a scenario, print its endpoints, and wait for Ctrl-C."""
    from handlers.cli.extras import require_sandbox

    require_sandbox("sandbox up")
    from sandbox.aws import moto_server
    from sandbox.world import SandboxWorld

    scenario = load_scenario(file).scenario
    world = SandboxWorld(scenario, timeout=timeout)
    try:
        world.start()
        ep = world.endpoints
        console.print(f"sandbox world [bold]{scenario.name}[/bold] is up", highlight=False)
        console.print(f"  AWS (moto)          {ep.aws_endpoint_url}", highlight=False)
        console.print(f"  CloudTrail + alarms {ep.gaps_endpoint_url}", highlight=False)
        if ep.kubernetes_url:
            console.print(f"  Kubernetes          {ep.kubernetes_url}", highlight=False)
        if ep.loki_url:
            console.print(f"  Loki                {ep.loki_url}", highlight=False)
        for ref, real in sorted(world.id_refs.items()):
            console.print(f"  id_ref {ref} = {real}", highlight=False)
        console.print(
            f"  started in {world.startup_seconds.get('total', 0):.2f} s", highlight=False
        )
        console.print("")
        for line in ep.env_lines():
            console.print(line, markup=False, highlight=False)
        console.print("\n(Ctrl-C stops the world)", highlight=False)
        deadline = None if seconds is None else time.monotonic() + seconds
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2 if deadline is None else min(0.2, max(deadline - time.monotonic(), 0)))
    except KeyboardInterrupt:
        pass
    finally:
        world.stop()
        moto_server.shutdown()
        console.print("sandbox world stopped", highlight=False)


def register(app: typer.Typer) -> None:
    scenario_app = typer.Typer(help="Scenario files (the sandbox contract).", no_args_is_help=True)
    scenario_app.command("check")(check)
    sandbox_app = typer.Typer(help="The local sandbox world.", no_args_is_help=True)
    sandbox_app.command("up")(up)
    app.add_typer(scenario_app, name="scenario")
    app.add_typer(sandbox_app, name="sandbox")
