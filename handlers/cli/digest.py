"""``aiops digest --out digest.md [--scenario FILE]``: the weekly capacity digest on disk, with
its PNG charts in ``<out>-charts/`` beside it. With ``--scenario`` the sandbox world is started
and its CloudWatch (or, with ``--source prometheus``, a local Prometheus) is read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.capacity.config import CapacityConfig
    from bot.capacity.models import CapacityDigest
    from bot.config import Settings

console = Console(soft_wrap=True)


def digest(
    out: Annotated[Path, typer.Option("--out", help="markdown file to write")] = Path("digest.md"),
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="read the sandbox world of this scenario")
    ] = None,
    capacity_file: Annotated[
        Path | None, typer.Option("--capacity-file", help="capacity.yaml (default: setting)")
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="cloudwatch | prometheus (with --scenario)")
    ] = "cloudwatch",
) -> None:
    """Write the capacity digest (markdown + PNG charts) to disk."""
    from bot.capacity.config import load_config
    from bot.config import get_settings

    if source not in ("cloudwatch", "prometheus"):
        raise UserError(f"--source must be cloudwatch or prometheus, not {source!r}")
    settings = get_settings()
    config = load_config(capacity_file or settings.aiops_capacity_file)
    if scenario is not None:
        _from_scenario(scenario, config, out, source)
    else:
        _from_settings(settings, config, out)


def _emit(build: Callable[[], CapacityDigest], out: Path) -> None:
    from bot.digest.render import render

    digest = build()
    charts = out.parent / f"{out.stem}-charts"
    report = render(digest, charts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.markdown)
    console.print(
        f"wrote {out} ({len(digest.critical)} critical, {len(digest.warning)} warning, "
        f"{digest.healthy_count} healthy) and {len(report.charts)} chart(s) in {charts}/",
        highlight=False,
        markup=False,
    )
    for line in report.slack_text.splitlines()[1:]:
        console.print(f"  {line}", highlight=False, markup=False)


def _from_scenario(path: Path, config: CapacityConfig, out: Path, source: str) -> None:
    import httpx

    from bot.capacity.flows import CapacityPlan
    from bot.capacity.limits import connection_limits
    from bot.clock import SandboxClock
    from handlers.cli.extras import require_sandbox
    from integrations.metrics import CloudWatchMetrics, PrometheusMetrics

    require_sandbox("digest --scenario")
    from sandbox.prometheus import start_prometheus_sandbox
    from sandbox.scenario import load_scenario
    from sandbox.world import SandboxWorld

    scenario = load_scenario(path).scenario
    with SandboxWorld(scenario) as world:
        aws = world._aws()
        session = aws.session()
        cw = CloudWatchMetrics(session.client("cloudwatch", endpoint_url=aws.endpoint_url))
        aliases = {real: ref for ref, real in world.id_refs.items()}
        limits = connection_limits(cw, session.client("rds", endpoint_url=aws.endpoint_url))
        if source == "prometheus":
            with start_prometheus_sandbox(world) as prom, httpx.Client(timeout=30) as client:
                plan = CapacityPlan(config, {"default": PrometheusMetrics(client, prom.url)},
                                    limits=limits, aliases=aliases)  # fmt: skip
                _emit(plan.builder(SandboxClock(scenario.now)), out)
        else:
            plan = CapacityPlan(config, {"default": cw}, limits=limits, aliases=aliases)
            _emit(plan.builder(SandboxClock(scenario.now)), out)


def _from_settings(settings: Settings, config: CapacityConfig, out: Path) -> None:
    import httpx

    from bot.capacity.flows import CapacityPlan
    from bot.capacity.limits import connection_limits
    from bot.clock import SystemClock
    from integrations.aws import ec2
    from integrations.aws.session import make_clients
    from integrations.metrics import CloudWatchMetrics, MetricSource, PrometheusMetrics

    s = settings
    clients = make_clients(s.aws_region, s.aws_endpoint_url)
    cw = CloudWatchMetrics(clients.cloudwatch)
    sources: dict[str, MetricSource] = {"default": cw, "cloudwatch": cw}
    aliases = {i.instance_id: i.name for i in ec2.describe_instances(clients.ec2) if i.name}
    limits = connection_limits(cw, clients.rds)
    with httpx.Client(timeout=30) as client:
        if s.prometheus_url:
            sources["prometheus"] = PrometheusMetrics(client, s.prometheus_url)
        plan = CapacityPlan(config, sources, limits=limits, aliases=aliases)
        _emit(plan.builder(SystemClock()), out)


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
