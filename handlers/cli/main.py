"""The ``aiops`` terminal command: one Typer app, each feature adds its sub-commands.

Feature modules live beside this file and expose ``register(app: typer.Typer) -> None``;
they are listed in ``FEATURES`` (one way to register, in one place). Domain errors become one
red line and exit code 2; anything else prints a short line and, with ``--debug``, the traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.errors import AiopsError

FEATURES: list[str] = [
    "handlers.cli.db",
    "handlers.cli.doctor",
    "handlers.cli.sandbox",
    "handlers.cli.replay",
    "handlers.cli.investigate",
    "handlers.cli.incidents",
    "handlers.cli.remediate",
    "handlers.cli.audit",
    "handlers.cli.digest",
    "handlers.cli.slo",
    "handlers.cli.demo",
    "handlers.cli.serve",
    "handlers.cli.members",
]

err_console = Console(stderr=True)
app = typer.Typer(
    name="aiops",
    help="aiops: the on-call ChatOps bot. Alerts in, incidents out, investigations on request.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="show tracebacks on errors")] = False,
) -> None:
    _state["debug"] = debug
    from bot.logs import setup_logging

    setup_logging(debug=debug)


def _register_features() -> None:
    for name in FEATURES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # feature not built yet
                continue
            raise
        module.register(app)


_register_features()


def run() -> None:
    """Console-script entry point: usage errors exit 2 (Typer), domain errors exit 2 with one
    line, anything unexpected exits 1 with one line (the traceback only with --debug)."""
    try:
        app()
    except AiopsError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never a raw traceback
        if _state["debug"] or "--debug" in sys.argv:
            raise
        from handlers.cli.friendly import explain

        command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
        fix = explain(exc, command)
        if fix is not None:
            err_console.print(f"[red]error:[/red] {fix}")
            sys.exit(2)
        logging.getLogger("aiops").debug("unexpected error", exc_info=True)
        err_console.print(
            f"[red]error:[/red] unexpected {type(exc).__name__}: {escape(str(exc))} "
            "(run with --debug for details)"
        )
        sys.exit(1)


if __name__ == "__main__":
    run()
