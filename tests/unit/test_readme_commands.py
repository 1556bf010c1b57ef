"""Docs move with code: every ``aiops`` command and each of its options is in the README's
command table, with the syntax the command takes (a new sub-command or flag needs its row)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import typer

from handlers.cli.main import COMMANDS
from tests.conftest import ROOT


def _first_cells() -> list[str]:
    """The first cell (the syntax) of each row of the README's Commands table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [re.split(r"(?<!\\)\|", row)[1] for row in rows]


def _commands() -> Iterator[tuple[list[str], list[str]]]:
    """(command path, its long options) of every command and command group ``aiops`` has."""

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], list[str]]]:
        options = [
            o for p in command.params if not p.__class__.__name__.endswith("Argument")
            for o in p.opts if o.startswith("--")
        ]  # fmt: skip
        yield path, options
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        scratch = typer.Typer()
        importlib.import_module(module).register(scratch)
        for name, command in typer.main.get_group(scratch).commands.items():
            yield from walk(command, [name])


def _rows_of(path: list[str], cells: list[str]) -> list[str]:
    top = re.compile(rf"`aiops {re.escape(path[0])}\b")
    subs = [re.compile(rf"\b{re.escape(word)}\b") for word in path[1:]]
    return [c for c in cells if top.search(c) and all(s.search(c) for s in subs)]


def test_every_command_and_option_has_its_readme_row() -> None:
    cells = _first_cells()
    missing: list[str] = []
    for path, options in _commands():
        rows = _rows_of(path, cells)
        if not rows:
            missing.append(" ".join(path))
        missing += [f"{' '.join(path)} {o}" for o in options if not any(o in r for r in rows)]
    assert not missing, f"add to the README's Commands table: {missing}"


def test_the_walk_sees_sub_commands_and_group_options() -> None:
    # Guards the test above against walking nothing: a group, its sub-commands, its options.
    found = dict((" ".join(p), o) for p, o in _commands())
    assert {"incident list", "remediate propose", "audit drift"} <= set(found)
    assert "--plan-id" in found["remediate"]
    assert _rows_of(["audit", "cost"], _first_cells())
