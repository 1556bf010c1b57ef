"""The import contracts in pyproject.toml hold (import-linter): arrows point one way,
handlers -> bot -> integrations, the product never imports the sandbox, and no import circles
between sibling modules or packages.
A wrong-way import or a new circle fails here. The circle contract lists no exceptions: a circle
is broken by moving the shared thing to where it belongs, not by an ignore."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytest.importorskip("importlinter", reason="import-linter is a dev dependency (make venv)")
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("handlers", "bot", "integrations", "sandbox")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_import_contracts_hold() -> None:
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 kept, 0 broken" in out.stdout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the three packages and the contracts, to break on purpose."""
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tmp_path / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_a_new_circle_fails(tree: Path) -> None:
    # bot.incidents already imports bot.correlate; the way back closes a circle
    (tree / "bot" / "correlate" / "back.py").write_text("import bot.incidents.flows\n")
    out = lint(tree)
    assert out.returncode != 0
    assert "No cycles are allowed in bot" in out.stdout, out.stdout
    assert ".correlate -> .incidents" in out.stdout


def test_the_circle_contract_excuses_no_import() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    acyclic = [c for c in contracts["contracts"] if c["type"] == "acyclic_siblings"]
    assert len(acyclic) == 1
    assert acyclic[0].get("ignore_imports", []) == []


def test_a_circle_between_modules_of_one_package_fails(tree: Path) -> None:
    # two sibling modules deep in a package, importing each other
    (tree / "handlers" / "slack" / "ping.py").write_text("import handlers.slack.pong\n")
    (tree / "handlers" / "slack" / "pong.py").write_text("import handlers.slack.ping\n")
    out = lint(tree)
    assert out.returncode != 0
    assert "No cycles are allowed in handlers.slack" in out.stdout, out.stdout


def test_a_wrong_way_import_fails(tree: Path) -> None:
    (tree / "integrations" / "upward.py").write_text("from bot.errors import UserError\n")
    (tree / "bot" / "upward.py").write_text("import handlers.cli.main\n")
    (tree / "bot" / "world.py").write_text("import sandbox\n")
    out = lint(tree)
    assert out.returncode != 0
    assert "integrations.upward -> bot.errors" in out.stdout, out.stdout
    assert "bot.upward -> handlers.cli.main" in out.stdout
    assert "bot.world -> sandbox" in out.stdout


def test_bot_reading_botocore_errors_fails(tree: Path) -> None:
    # integrations convert AWS errors (integrations/aws/errors.py); bot/ catches those
    (tree / "bot" / "raw.py").write_text("from botocore.exceptions import ClientError\n")
    out = lint(tree)
    assert out.returncode != 0
    assert "bot.raw -> botocore" in out.stdout, out.stdout
