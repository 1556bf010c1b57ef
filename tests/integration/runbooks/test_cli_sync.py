"""``aiops runbook sync`` prints the result and every bad file as ``FILE:LINE: key: reason``
(exit 1 when the sync failed); ``aiops runbook list`` shows the last good version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.config import get_settings
from bot.errors import ConfigError
from handlers.cli.main import app
from tests.integration.runbooks.conftest import BAD, GOOD, RunbookRepo


@pytest.fixture
def configured(
    repo: RunbookRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("AIOPS_RUNBOOKS_GIT_URL", str(repo.path))
    monkeypatch.setenv("AIOPS_RUNBOOKS_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_sync_prints_the_result_and_each_bad_file(configured: None, repo: RunbookRepo) -> None:
    runner = CliRunner()
    repo.write("restart-web.yaml", GOOD)
    good = repo.commit("good")
    ok = runner.invoke(app, ["runbook", "sync"])
    assert ok.exit_code == 0, ok.output
    assert f"@ {good[:12]}: now live (1: restart-web)" in ok.output
    repo.write("scale-web.yaml", BAD)
    repo.commit("bad")
    failed = runner.invoke(app, ["runbook", "sync", "--json"])
    assert failed.exit_code == 1
    result = json.loads(failed.stdout)
    assert result["live"] == good  # the last good version (from the cache) stays
    assert result["errors"][0].startswith("scale-web.yaml:8: steps[1].action: unknown action")
    listed = runner.invoke(app, ["runbook", "list"])
    assert listed.exit_code == 0 and good[:12] in listed.output and "restart-web" in listed.output


def test_sync_without_a_repository_says_which_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIOPS_RUNBOOKS_GIT_URL", raising=False)
    get_settings.cache_clear()
    out = CliRunner().invoke(app, ["runbook", "sync"])
    assert isinstance(out.exception, ConfigError)
    assert "AIOPS_RUNBOOKS_GIT_URL" in str(out.exception)
    get_settings.cache_clear()
