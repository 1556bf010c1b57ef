"""``aiops runbook sync [--json]`` (fetch the runbook repository, validate every file, print the
result with each bad file as ``FILE:LINE: key: reason``; exit 1 when the sync failed) and
``aiops runbook list`` (the runbooks this install would run: the last good synced version, or the
shipped folder when no repository is configured)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.config import get_settings
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.runbooks.sync import RunbookSync

console = Console(soft_wrap=True)
runbook_app = typer.Typer(help="Runbooks: list the live set, sync the git repository.")


def _sync() -> RunbookSync:
    from bot.runbooks.sync import RunbookSync

    sync = RunbookSync.from_settings(get_settings())
    if sync is None:
        raise ConfigError(
            "no runbook repository: set AIOPS_RUNBOOKS_GIT_URL (a local path or a remote)",
            hint="AIOPS_RUNBOOKS_GIT_REF picks the branch, tag or commit (default main)",
        )
    sync.restore()  # what the bot has live now (the last good version), to compare against
    return sync


@runbook_app.command("sync")
def sync_command(
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Fetch the runbook repository, validate every file, make it live when all are good."""
    result = _sync().sync()
    if as_json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        colour = "green" if result.ok else "red"
        console.print(f"[{colour}]{escape(result.summary())}[/{colour}]")
    if not result.ok:
        raise typer.Exit(1)


@runbook_app.command("list")
def list_command() -> None:
    """The runbooks this install runs (the last good synced version, else the shipped ones)."""
    from bot.remediate import registry  # noqa: F401  (sets the shipped folder's loader)
    from bot.remediate.runbooks_live import LIVE

    if get_settings().aiops_runbooks_git_url:
        _sync()
    live = LIVE.current()
    console.print(f"runbooks ({escape(live.version)}, {escape(live.source)}):")
    for book in live.books.values():
        mode = f"{book.mode}" + (" · triggers" if book.triggers else "")
        console.print(f"  {escape(book.name)} [dim]({mode})[/dim] — {escape(book.description)}")


def register(app: typer.Typer) -> None:
    app.add_typer(runbook_app, name="runbook")
