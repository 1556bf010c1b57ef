"""Without the ``[sandbox]`` extra, the commands that start the sandbox world say which extra to
install (one line, exit 2), and the ones that do not need it still work.

The missing package is simulated in a subprocess with ``sys.modules['moto'] = None`` (what
Python does for a module that cannot be imported), so the real CLI entry point runs.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from handlers.cli.extras import INSTALL_HINT, require_sandbox
from tests.conftest import example_scenarios

WITHOUT_MOTO = (
    "import sys; sys.modules['moto'] = None; sys.argv = ['aiops', *sys.argv[1:]]; "
    "from handlers.cli.main import run; run()"
)


def _aiops_without_moto(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOPS_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_MOTO, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("demo", "--fast"),
        ("replay", "{scenario}", "--json"),
        ("sandbox", "up", "{scenario}", "--for", "0"),
        ("investigate", "latency", "--scenario", "{scenario}"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_world_commands_name_the_extra(args: tuple[str, ...]) -> None:
    scenario = str(example_scenarios()[0])
    r = _aiops_without_moto(*(a.format(scenario=scenario) for a in args))
    assert r.returncode == 2, r.stderr
    said = " ".join(r.stderr.split())  # the console wraps long lines
    assert INSTALL_HINT in said  # printed literally: rich markup must not eat "[sandbox]"
    assert "moto is not installed" in said
    assert "Traceback" not in r.stderr + r.stdout


def test_plain_replay_needs_no_sandbox_extra() -> None:
    r = _aiops_without_moto("replay", str(example_scenarios()[0]))
    assert r.returncode == 0, r.stderr
    assert "incident(s)" in r.stdout


def test_require_sandbox_passes_when_installed() -> None:
    require_sandbox("demo")  # moto, flask and websockets are in the test environment
