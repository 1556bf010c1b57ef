"""``aiops fixes [--service S] [--kind K]`` (the fix library: what worked, what did not, per
kind of incident) and ``aiops stats`` (helpful analyses, top-1 accuracy over time, common fixes,
automation rate), read from the store."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.config import get_settings
from bot.store.db import settings_database

console = Console(soft_wrap=True)


def fixes(
    service: Annotated[str | None, typer.Option("--service", help="only this service")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="an incident class or a platform (rds, lambda…)")
    ] = None,
) -> None:
    """The fix library: which actions and runbooks fixed which kind of incident."""
    from bot.learn.library import fix_library
    from bot.learn.report import fix_lines

    db = settings_database(get_settings())
    try:
        records = fix_library(db, service=service, kind=kind)
    finally:
        db.dispose()
    for line in fix_lines(records):
        console.print(escape(line))


def stats() -> None:
    """Learning figures: helpful analyses, top-1 accuracy, common fixes, automation rate."""
    from bot.learn.report import stats_lines
    from bot.learn.stats import learning_stats

    db = settings_database(get_settings())
    try:
        figures = learning_stats(db)
    finally:
        db.dispose()
    for line in stats_lines(figures):
        console.print(escape(line))


def register(app: typer.Typer) -> None:
    app.command("fixes")(fixes)
    app.command("stats")(stats)
