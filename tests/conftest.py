"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.dbfixtures"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCENARIOS_DIR = SHARED / "scenarios"
DATA_DIR = SHARED / "data"


def example_scenarios() -> list[Path]:
    """The example scenario files, or an empty list when ../shared is absent."""
    return sorted(SCENARIOS_DIR.glob("*.yaml")) if SCENARIOS_DIR.is_dir() else []


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent (looked in {SHARED}); these tests read its files")
    return SHARED


@pytest.fixture
def scenarios_dir() -> Path:
    if not SCENARIOS_DIR.is_dir():
        pytest.skip(f"example scenarios absent (looked in {SCENARIOS_DIR})")
    return SCENARIOS_DIR
