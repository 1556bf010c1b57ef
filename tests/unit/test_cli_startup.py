"""``aiops`` starts without the heavy libraries: the entry module registers its commands lazily
(``handlers.cli.main.COMMANDS``), and the modules that ``aiops incident list`` needs, like the
schema check every command makes, import no cloud, cluster, plotting or migration library."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from handlers.cli.main import COMMANDS, app
from tests.conftest import ROOT

HEAVY = ("kubernetes", "boto3", "anthropic", "matplotlib", "statsforecast", "alembic", "moto")


def loaded_after(code: str) -> set[str]:
    """Top-level packages of HEAVY and feature modules present after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(m for m in sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def test_the_entry_module_pulls_no_heavy_library() -> None:
    mods = loaded_after("import handlers.cli.main")
    assert not mods & set(HEAVY), mods & set(HEAVY)
    assert not {m for m, _ in COMMANDS.values()} & mods  # no feature module either


def test_help_lists_every_command_without_importing_a_feature() -> None:
    code = (
        "from typer.testing import CliRunner\nfrom handlers.cli.main import app\n"
        "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0, r.output\n"
        "assert all(n in r.output for n in ('incident', 'investigate', 'member', 'db'))"
    )
    mods = loaded_after(code)
    assert not {m for m, _ in COMMANDS.values()} & mods
    assert not mods & set(HEAVY)


def test_incident_list_and_the_schema_check_pull_no_heavy_library(tmp_path: Path) -> None:
    code = (
        "import handlers.cli.incidents, handlers.cli.investigate\n"
        "from bot.store.db import open_database\n"
        f"open_database('sqlite:///{tmp_path}/x.db', require_current=False)"
    )
    mods = loaded_after(code)
    assert not mods & {"kubernetes", "boto3", "matplotlib", "statsforecast", "alembic"}


def test_the_command_table_matches_what_each_module_registers() -> None:
    by_module: dict[str, set[str]] = {}
    for name, (module, _) in COMMANDS.items():
        by_module.setdefault(module, set()).add(name)
    for module, names in by_module.items():
        scratch = typer.Typer()
        importlib.import_module(module).register(scratch)
        commands = typer.main.get_group(scratch).commands
        assert set(commands) == names, module
        for name, cmd in commands.items():
            first = " ".join(inspect.cleandoc(cmd.help or "").split("\n\n")[0].split())
            assert first == COMMANDS[name][1], f"{name}: help differs from {module}"


def test_a_lazily_registered_command_runs() -> None:
    out = CliRunner().invoke(app, ["incident", "--help"])
    assert out.exit_code == 0 and "timeline" in out.output
    unknown = CliRunner().invoke(app, ["nope"])
    assert unknown.exit_code != 0 and "No such command" in unknown.output


def test_the_schema_check_agrees_with_alembic(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from bot.store import connect, migrate

    assert migrate.head_revision() == (
        ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    )
    db = connect(f"sqlite:///{tmp_path}/m.db")
    assert migrate.current_revision(db.engine) is None
    migrate.upgrade(db.engine)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
