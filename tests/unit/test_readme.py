"""Docs move with code: the README's configuration table is the settings model, row for row."""

from __future__ import annotations

import re

from bot.config import Settings
from scripts.config_table import rows
from tests.conftest import ROOT

README = ROOT / "README.md"
ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| (.+?) \| (.*) \|$")


def _table(lines: list[str]) -> dict[str, str]:
    """variable → default cell of each row of a configuration table."""
    return {m[1]: m[2] for line in lines if (m := ROW.match(line))}


def _readme_table() -> dict[str, str]:
    text = README.read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return _table(section.splitlines())


def test_every_setting_is_documented_and_nothing_else() -> None:
    documented = set(_readme_table())
    fields = {n.upper() for n in Settings.model_fields}
    missing, unknown = fields - documented, documented - fields
    assert not missing, f"add to README (python scripts/config_table.py): {missing}"
    assert not unknown, f"README documents settings that do not exist: {unknown}"


def test_the_documented_defaults_are_the_models() -> None:
    expected = _table(rows())
    documented = _readme_table()
    wrong = {k: (v, expected[k]) for k, v in documented.items() if v != expected.get(k, v)}
    assert not wrong, f"README default (documented, actual): {wrong}"


def test_the_table_parser_reads_every_row() -> None:
    # A row the pattern skips would hide a wrong or missing setting from the tests above.
    assert len(_table(rows())) == len(Settings.model_fields)


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text().splitlines()[:15]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)
