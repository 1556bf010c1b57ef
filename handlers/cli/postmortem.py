"""`aiops postmortem ID [--out FILE]`: an incident's postmortem draft in Markdown
(``bot.history.postmortem``), printed, and written to FILE when given. With ``AIOPS_SLO_FILE``
the impact has the SLA clocks and the burn of the SLOs on the incident's services."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(soft_wrap=True)


def postmortem(
    incident: Annotated[int, typer.Argument(help="the incident's id", min=1)],
    out: Annotated[
        Path | None, typer.Option("--out", help="write the Markdown to this file")
    ] = None,
) -> None:
    """Write an incident's postmortem draft: summary, impact, timeline, root cause with
    evidence, what fixed it, what did not, follow-ups."""
    from bot.clock import SystemClock
    from bot.config import get_settings
    from bot.history.postmortem import build_postmortem
    from bot.store.db import settings_database
    from handlers.cli.slo import _sources

    settings = get_settings()
    slo = None
    if settings.aiops_slo_file is not None:
        from bot.slo.config import load_config

        slo = load_config(settings.aiops_slo_file)
    db = settings_database(settings)
    try:
        if slo is not None:
            with _sources(settings, slo) as sources:
                draft = build_postmortem(db, incident, now=SystemClock().now(), slo=slo,
                                         sources=sources)  # fmt: skip
        else:
            draft = build_postmortem(db, incident, now=SystemClock().now())
    finally:
        db.dispose()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(draft.markdown, encoding="utf-8")
        console.print(f"Postmortem draft for #{incident} written to {out}", highlight=False,
                      markup=False)  # fmt: skip
        return
    console.print(draft.markdown, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("postmortem")(postmortem)
