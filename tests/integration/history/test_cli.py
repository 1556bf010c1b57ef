"""`aiops postmortem` and the similar past incidents of `aiops investigate`, through the real
entry point in a subprocess, on an SQLite file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.history import flows
from bot.investigate import investigate_query
from bot.store import Database, Incident, connect
from bot.store.migrate import upgrade
from sandbox.investigate.context import context_for_world
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.cli import run_aiops
from tests.conftest import SCENARIOS_DIR
from tests.integration.history.test_postmortem import _incident

SCENARIO = SCENARIOS_DIR / "03-k8s-oom-memory-leak.yaml"
QUERY = "recommendation-api pods restarting"


def _aiops(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"AIOPS_DB": str(tmp / "a.db"), "AIOPS_CONFIG": str(tmp / "none.toml")}
    return run_aiops(*args, env=env, timeout=300)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = connect(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(database.engine)
    return database


def test_postmortem_writes_the_markdown_file(tmp_path: Path, db: Database) -> None:
    iid = _incident(db)
    out = tmp_path / "pm" / "draft.md"
    r = _aiops(tmp_path, "postmortem", str(iid), "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.startswith(f"# Postmortem draft: incident #{iid}")
    assert "## Root cause" in text and "oom_killed on payments" in text


def test_postmortem_of_an_unknown_or_malformed_id_is_one_clear_line(
    tmp_path: Path, db: Database
) -> None:
    missing = _aiops(tmp_path, "postmortem", "999")
    assert missing.returncode == 2 and "no incident #999" in missing.stderr
    bad = _aiops(tmp_path, "postmortem", "abc")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr + missing.stderr


def test_investigate_prints_the_similar_past_incidents(tmp_path: Path, db: Database) -> None:
    with SandboxWorld(load_scenario(SCENARIO).scenario) as world:
        ctx = context_for_world(world)
        result = investigate_query(ctx, QUERY)
        with db.session() as s:
            past = Incident(title="recommendations OOM last month", services=["x"],
                            resolution_note="raised the memory limit")  # fmt: skip
            s.add(past)
            s.flush()
            assert past.id is not None
            past_id = past.id
        flows.remember(db, result, incident_id=past_id, investigation_id=None,
                       topology=ctx.topology)  # fmt: skip
    r = _aiops(tmp_path, "investigate", QUERY, "--scenario", str(SCENARIO))
    assert r.returncode == 0, r.stderr
    similar = r.stdout.split("SIMILAR PAST INCIDENTS", 1)[1]
    assert f"#{past_id} recommendations OOM last month" in similar
    assert "raised the memory limit" in similar
