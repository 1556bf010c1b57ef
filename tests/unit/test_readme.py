"""Docs move with code: the README's configuration table is the settings model, row for row."""

from __future__ import annotations

import re

import yaml

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


def test_the_deploy_files_set_only_settings_that_exist() -> None:
    # The env file users copy and the Helm chart's values name settings by their variable.
    example = (ROOT / "deploy" / "aiops.env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "aiops" / "values.yaml").read_text())
    names |= set(values["env"]) | set(values["secrets"]) - {"existingSecret"}
    fields = {n.upper() for n in Settings.model_fields}
    assert len(names) > 5 and not names - fields, names - fields


def test_every_make_target_the_docs_name_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    docs = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "tests" / "bench" / "README.md"]
    named = {t for doc in docs for t in re.findall(r"`make ([a-z][a-z-]*)", doc.read_text())}
    named |= {t for t in re.findall(r"^make ([a-z]+)", README.read_text(), flags=re.M)}
    assert {"demo", "test"} <= named and not named - targets, named - targets


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text().splitlines()[:15]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)


def test_every_secret_setting_has_a_rotation_row() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    table = text.split("\n## Secret rotation\n", 1)[1].split("\n## ", 1)[0]
    secrets = {
        name.upper()
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    }
    assert len(secrets) > 5
    missing = {s for s in secrets if f"`{s}`" not in table}
    assert not missing, f"say how to rotate in docs/operations.md, Secret rotation: {missing}"
    values = yaml.safe_load((ROOT / "deploy" / "helm" / "aiops" / "values.yaml").read_text())
    assert not secrets - set(values["secrets"]), "the Helm values' secrets lack some"
