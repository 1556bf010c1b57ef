"""``aiops fixes`` and ``aiops stats`` in the terminal, on a migrated SQLite file."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import SandboxClock
from bot.learn.feedback import remediation_settled, what_fixed_it
from bot.store import Incident, RemediationRequest, connect
from bot.store.migrate import upgrade
from tests.cli import run_aiops


def _aiops(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {"AIOPS_DB": str(db), "AIOPS_CONFIG": str(db.parent / "none.toml")}
    return run_aiops(*args, env=env, timeout=60)


def test_fixes_and_stats_print_what_was_recorded(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = connect(f"sqlite:///{path}")
    upgrade(db.engine)
    clock = SandboxClock(datetime(2026, 11, 2, tzinfo=UTC))
    with db.session() as s:
        inc = Incident(title="db down", services=["orders-db"])
        s.add(inc)
        s.flush()
        req = RemediationRequest(idempotency_key="r1", incident_id=inc.id,
                                 action="rds.reboot_instance", params={})  # fmt: skip
        s.add(req)
        s.flush()
    assert inc.id is not None
    remediation_settled(db, req, "not_recovered", clock=clock, user="U1")
    what_fixed_it(db, clock, user="U1", incident_id=inc.id, pick=None, text="failed over")
    db.dispose()
    fixes = _aiops("fixes", "--service", "orders-db", db=path)
    assert fixes.returncode == 0, fixes.stderr
    assert "rds.reboot_instance — worked 0, failed 1 (last #1 on 2026-11-02)" in fixes.stdout
    assert "text: failed over — worked 1, failed 0" in fixes.stdout
    none = _aiops("fixes", "--kind", "lambda", db=path)
    assert none.returncode == 0 and "No fixes recorded yet" in none.stdout
    stats = _aiops("stats", db=path)
    assert stats.returncode == 0, stats.stderr
    assert "Most common fixes: text failed over (1)" in stats.stdout
    assert "Outcomes recorded: 2" in stats.stdout
