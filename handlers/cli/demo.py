"""``aiops demo [--scenario FILE] [--interactive] [--fast]``: the first thing a newcomer runs.

Sets itself up (temporary SQLite, migrations), starts the local Slack and the sandbox world,
replays a scenario through the real webhooks and shows, live, the Slack channel as an on-call
engineer would see it (read back from the local Slack server's records), then the timeline.
Without ``--scenario`` it plays the first example in ``../shared/scenarios`` (relative to the
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

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "scenarios"


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
    ) -> None:
        """Replay a scenario in the sandbox and watch the Slack channel live in the terminal."""
        from handlers.demo.session import default_scenario

        path = scenario if scenario is not None else default_scenario(EXAMPLES)
        if not path.is_file():
            raise UserError(f"no scenario file at {path}", hint="pass --scenario FILE")
        run_demo(path, interactive=interactive, fast=fast)


def run_demo(path: Path, *, interactive: bool = False, fast: bool = False) -> None:
    from handlers.demo.report import gaps_view, live_view, replay_view, timeline_view
    from handlers.demo.session import DemoSession

    console = Console()
    pause = 0.0 if fast else 0.8
    console.rule(f"[bold]aiops demo[/] · {path.name}")
    with DemoSession(path) as demo:
        demo.start()
        if console.is_terminal:
            with Live(live_view(demo), console=console, refresh_per_second=4) as live:
                while demo.running:
                    live.update(live_view(demo))
                    time.sleep(0.25)
                live.update(live_view(demo))
        else:
            seen = 0
            while demo.running or seen < len(demo.steps):
                for s in demo.steps[seen:]:
                    if s.state != "run":
                        console.print(f"  · {s.text}")
                        seen += 1
                    else:
                        break
                time.sleep(0.2)
                if not demo.running and all(s.state != "run" for s in demo.steps[seen:]):
                    for s in demo.steps[seen:]:
                        console.print(f"  · {s.text}")
                    break
            console.print(live_view(demo))
        demo.join()
        if demo.error is not None:
            raise demo.error
        time.sleep(pause)
        assert demo.result is not None
        console.print(replay_view(demo.result))
        console.print(timeline_view(demo))
        if interactive:
            demo.gaps.append("--interactive: typing /aiops commands needs the Bolt app wiring")
        demo.gaps.append("the page to PagerDuty is not wired into the replay yet")
        gaps = gaps_view(demo)
        if gaps is not None:
            console.print(gaps)
        took = time.monotonic() - demo.started
        console.rule(f"done in {took:.0f} s")
