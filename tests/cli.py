"""Run the ``aiops`` terminal command as a user would: a subprocess, without the caller's
``AIOPS_*`` / ``DATABASE_URL`` settings, plus the ones a test names."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def run_aiops(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AIOPS_", "DATABASE_URL"))}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
    )
