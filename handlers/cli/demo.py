"""``aiops demo [--scenario FILE] [--interactive] [--fast]``: the first thing a newcomer runs.

Sets itself up (temporary SQLite, migrations), starts the local Slack and the sandbox world,
replays a scenario through the real webhooks and shows, live, the Slack channel as an on-call
engineer would see it (read back from the local Slack server's records), then the timeline.
Without ``--scenario`` it plays the first example in ``examples/scenarios`` (inside the
project root); when that folder is absent it says so and exits 2.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

from bot.errors import UserError
from handlers.cli.keep_db import keep_db_url, kept_db_note

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "scenarios"


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        scenario: Annotated[
            Path | None,
            typer.Option(
                "--scenario",
                help=f"scenario YAML (default: the first example in {EXAMPLES})",
            ),
        ] = None,
        interactive: Annotated[
            bool,
            typer.Option("--interactive", help="type /aiops commands and click buttons yourself"),
        ] = False,
        fast: Annotated[bool, typer.Option("--fast", help="no pauses between the acts")] = False,
        db: Annotated[
            Path | None,
            typer.Option("--db", help="keep the run in this SQLite file (default: temporary)"),
        ] = None,
    ) -> None:
        """Replay a scenario in the sandbox and watch the Slack channel live in the terminal."""
        from handlers.cli.extras import require_sandbox
        from handlers.demo.session import default_scenario

        require_sandbox("demo")
        path = scenario if scenario is not None else default_scenario(EXAMPLES)
        if not path.is_file():
            raise UserError(f"no scenario file at {path}", hint="pass --scenario FILE")
        run_demo(path, interactive=interactive, fast=fast, db=db)


def run_demo(
    path: Path, *, interactive: bool = False, fast: bool = False, db: Path | None = None
) -> None:
    import logging

    from handlers.demo import script
    from handlers.demo.report import gaps_view
    from handlers.demo.session import DemoSession

    # The demo shows the channel; the bot's own INFO chatter would interleave with it.
    logging.getLogger("aiops").setLevel(logging.WARNING)
    console = Console()
    pause = 0.0 if fast else 1.0
    console.rule(f"[bold]aiops demo[/] · {path.name}")
    with DemoSession(path, db_url=keep_db_url(db, new=True)) as demo:
        if interactive:
            from handlers.demo.interactive import play

            demo.start(script.replay_alerts)
            _watch(demo, console)
            play(demo, console)
        else:
            demo.start(lambda d: script.autoplay(d, pause))
            _watch(demo, console)
        if demo.error is not None:
            raise demo.error
        gaps = gaps_view(demo)
        if gaps is not None:
            console.print(gaps)
        took = time.monotonic() - demo.started
        failed = [s for s in demo.steps if s.state == "fail"]
        console.rule(
            f"done in {took:.0f} s" + (f" · {len(failed)} step(s) failed" if failed else "")
        )
        console.print(kept_db_note(db), highlight=False)
        if failed:
            raise typer.Exit(1)


def _watch(demo: object, console: Console) -> None:
    """Redraw while the script runs (a terminal), or print the steps as they finish."""
    from handlers.demo.report import live_view
    from handlers.demo.session import DemoSession

    assert isinstance(demo, DemoSession)
    if console.is_terminal:
        with Live(live_view(demo, compact=True), console=console, refresh_per_second=4,
                  transient=True, vertical_overflow="crop") as live:  # fmt: skip
            while demo.running:
                live.update(live_view(demo, compact=True))
                time.sleep(0.25)
        demo.join()
        console.print(live_view(demo))
        return
    printed = 0
    while True:
        running = demo.running
        while printed < len(demo.steps) and demo.steps[printed].state != "run":
            console.print(f"  · {demo.steps[printed].text}")
            printed += 1
        if not running:
            break
        time.sleep(0.2)
    for s in demo.steps[printed:]:
        console.print(f"  · {s.text}")
    demo.join()
    console.print(live_view(demo))
