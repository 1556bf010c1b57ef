"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.dbfixtures"]

ROOT = Path(__file__).resolve().parents[1]
# The example scenarios ship inside the repository; ``../shared`` (design notes and extra
# evaluation data) only adds tests when it is present beside a checkout.
SCENARIOS_DIR = ROOT / "examples" / "scenarios"
SHARED = ROOT.parent / "shared"
DATA_DIR = SHARED / "data"


def example_scenarios() -> list[Path]:
    """The example scenario files shipped in ``examples/scenarios``."""
    found = sorted(SCENARIOS_DIR.glob("*.yaml"))
    assert found, f"no example scenarios in {SCENARIOS_DIR}: the repository ships them"
    return found


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent (looked in {SHARED}); these tests read its files")
    return SHARED


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS_DIR
