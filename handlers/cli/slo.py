"""``aiops slo status`` (error budgets + live SLA clocks of open incidents) and
``aiops slo report --month 2025-03 [--out FILE]`` (the monthly SLA/SLO compliance report with
each breach and its reason), from the SLO file (``AIOPS_SLO_FILE`` or ``--slo-file``), the
incident store, and the configured metric source (CloudWatch, or Prometheus when
``PROMETHEUS_URL`` is set)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.slo.config import SloConfig

console = Console(soft_wrap=True)
slo_app = typer.Typer(help="SLOs and incident SLAs: status now, compliance by month.")

SloFile = Annotated[
    Path | None, typer.Option("--slo-file", help="slo.yaml (default: AIOPS_SLO_FILE)")
]


def _config(settings: Settings, path: Path | None) -> SloConfig:
    from bot.slo.config import load_config

    chosen = path or settings.aiops_slo_file
    if chosen is None:
        raise UserError(
            "no SLO file: set AIOPS_SLO_FILE to a slo.yaml, or pass --slo-file",
            hint="a commented example is examples/config/slo.yaml",
        )
    return load_config(chosen)


@contextmanager
def _sources(settings: Settings, config: SloConfig) -> Iterator[dict[str, Any]]:
    """The metric sources, only when some SLO needs them (SLA-only files read no metrics)."""
    if not config.slos:
        yield {}
        return
    import httpx

    from bot.capacity.setup import metric_sources
    from integrations.aws.session import make_clients

    s = settings
    cloudwatch = make_clients(s.aws_region, s.aws_endpoint_url).cloudwatch
    with httpx.Client(timeout=30) as http:
        yield metric_sources(cloudwatch, prometheus_url=s.prometheus_url, http=http)


def _plain(text: str) -> str:
    return text.replace("*", "")


@slo_app.command("status")
def status(slo_file: SloFile = None) -> None:
    """Error budgets of every SLO and the SLA clocks of open incidents."""
    from bot.clock import SystemClock
    from bot.config import get_settings
    from bot.slo import report
    from bot.store.db import settings_database

    settings = get_settings()
    config = _config(settings, slo_file)
    db = settings_database(settings)
    try:
        with _sources(settings, config) as sources:
            text = report.status(db, config, sources, SystemClock().now())
    finally:
        db.dispose()
    console.print(_plain(text), highlight=False, markup=False)


@slo_app.command("report")
def monthly_report(
    month: Annotated[str, typer.Option("--month", help="the month, YYYY-MM")],
    out: Annotated[
        Path | None, typer.Option("--out", help="also write the markdown to this file")
    ] = None,
    slo_file: SloFile = None,
) -> None:
    """The month's compliance: MTTA / MTTR met per severity, each breach with its reason."""
    from bot.clock import SystemClock
    from bot.config import get_settings
    from bot.slo import report
    from bot.store.db import settings_database

    which = report.Month.parse(month)
    settings = get_settings()
    config = _config(settings, slo_file)
    db = settings_database(settings)
    try:
        with _sources(settings, config) as sources:
            found = report.monthly(db, config, sources, which, SystemClock().now())
    finally:
        db.dispose()
    text = found.markdown()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    console.print(text, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(slo_app, name="slo")
