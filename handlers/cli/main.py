"""The ``aiops`` terminal command: one Typer app, each feature adds its sub-commands.

Feature modules live beside this file and expose ``register(app: typer.Typer) -> None``;
they are listed in ``COMMANDS`` (one way to register, in one place) and imported lazily.
Domain errors become one red line and exit code 2; anything else prints a short line and, with
``--debug``, the traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from typer import _click as click  # typer >= 0.29 vendors click: its groups are these classes
from typer.core import TyperCommand, TyperGroup

from bot.errors import AiopsError

#: top-level command -> (feature module that registers it, the line ``aiops --help`` shows).
#: A feature module exposes ``register(app)``; it is imported only when one of its commands runs
#: (or its own ``--help`` is asked), so ``aiops --help`` and ``aiops incident list`` do not wait
#: for Kubernetes, AWS, plotting or forecasting libraries. tests/unit/test_cli_startup.py checks
#: this table against what each module registers.
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": (
        "handlers.cli.doctor",
        "Check config, database and each configured integration; exit 1 if anything fails.",
    ),
    "replay": (
        "handlers.cli.replay",
        "Replay a scenario in the sandbox and show the incidents it produced.",
    ),
    "investigate": (
        "handlers.cli.investigate",
        "Classify the query, run the playbooks' diagnostics in parallel, print facts, "
        "hypotheses and recommended actions.",
    ),
    "digest": (
        "handlers.cli.digest",
        "Write the capacity digest (markdown + PNG charts) to disk.",
    ),
    "demo": (
        "handlers.cli.demo",
        "Replay a scenario in the sandbox and watch the Slack channel live in the terminal.",
    ),
    "run": (
        "handlers.cli.serve",
        "Serve webhooks, Slack and the scheduler in one process until SIGTERM / SIGINT.",
    ),
    "db": (
        "handlers.cli.db",
        "Database schema: upgrade to the newest migration, show the current one.",
    ),
    "scenario": ("handlers.cli.sandbox", "Scenario files (the sandbox contract)."),
    "sandbox": ("handlers.cli.sandbox", "The local sandbox world."),
    "incident": (
        "handlers.cli.incidents",
        "Incidents: list, show, timeline, lifecycle, merge and split.",
    ),
    "remediate": (
        "handlers.cli.remediate",
        "Remediation: propose, dry-run, approve, reject and run typed actions.",
    ),
    "inventory": (
        "handlers.cli.inventory",
        "List resources of one type with filters (env=prod, state=stopped, tag:team=payments).",
    ),
    "audit": (
        "handlers.cli.audit",
        "The audit log (verify, export) and the posture audits (security, cost, compliance,"
        " drift).",
    ),
    "slo": ("handlers.cli.slo", "SLOs and incident SLAs: status now, compliance by month."),
    "member": (
        "handlers.cli.members",
        "Members, their approval roles and their teams (--role TEAM:ROLE puts them in a team).",
    ),
    "runbook": (
        "handlers.cli.runbooks",
        "Runbooks: list the live set, sync the git repository.",
    ),
    "fixes": (
        "handlers.cli.learn",
        "The fix library: which actions and runbooks fixed which kind of incident.",
    ),
    "stats": (
        "handlers.cli.learn",
        "Learning figures: helpful analyses, top-1 accuracy, common fixes, automation rate.",
    ),
    "postmortem": (
        "handlers.cli.postmortem",
        "Write an incident's postmortem draft: summary, impact, timeline, root cause with "
        "evidence, what fixed it, what did not, follow-ups.",
    ),
}


class LazyGroup(TyperGroup):
    """The top-level group: a command's feature module is imported when the command is looked
    up to run; while ``--help`` lists the commands it shows ``COMMANDS`` instead."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.commands, *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.commands.get(cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        module, help_line = COMMANDS[cmd_name]
        if self._listing:
            return TyperCommand(cmd_name, help=help_line)
        return self._load(module).get(cmd_name)

    def _load(self, module_name: str) -> dict[str, click.Command]:
        """Register one feature module on a scratch app; keep every command it adds."""
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # feature not built yet
                return {}
            raise
        scratch = typer.Typer()
        module.register(scratch)
        commands = dict(typer.main.get_group(scratch).commands)
        self.commands.update(commands)
        return commands

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


err_console = Console(stderr=True)
app = typer.Typer(
    cls=LazyGroup,
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
