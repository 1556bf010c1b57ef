"""A real git repository of runbooks in ``tmp_path`` (``git init`` + commits through the git
command line), and the live runbook set put back to the shipped folder after each test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.remediate import registry  # noqa: F401  (the live set's shipped-folder loader)
from bot.remediate.runbooks_live import LIVE
from integrations.gitrepo import clean_env

GOOD = """\
name: restart-web
description: Restart a deployment's pods.
triggers: {kinds: [memory_leak], signatures: [oom]}
mode: semi_auto
approval_timeout_minutes: 15
rate_limit: {max: 2, per_minutes: 60}
inputs:
  target: {type: str}
  namespace: {type: str, default: prod}
steps:
  - action: k8s.restart_deployment
    params: {namespace: "{namespace}", name: "{target}"}
"""

# line 7 names an action the registry does not have
BAD = """\
name: scale-web
description: Scale a deployment.
inputs:
  target: {type: str}
steps:
  - action: k8s.scale_deployment
    params: {namespace: prod, name: "{target}", replicas: 3}
  - action: k8s.nuke_everything
    params: {name: "{target}"}
"""


class RunbookRepo:
    """A working repository the tests commit to; its path is the sync's URL."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "--quiet", "--initial-branch", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=Runbook Author", "-c", "user.email=author@example.com",
             "-c", "commit.gpgsign=false", *args],
            cwd=self.path, capture_output=True, text=True, check=True, env=clean_env(os.environ),
        )  # fmt: skip
        return done.stdout.strip()

    def write(self, name: str, text: str) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def remove(self, name: str) -> None:
        self.git("rm", "--quiet", name)

    def commit(self, message: str) -> str:
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> RunbookRepo:
    return RunbookRepo(tmp_path / "runbooks-repo")


@pytest.fixture(autouse=True)
def shipped_runbooks_after() -> Iterator[None]:
    yield
    LIVE.reset()
