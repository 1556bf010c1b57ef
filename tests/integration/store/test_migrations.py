"""Migrations: from empty to head, and from the previous revision, keep every row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.errors import ConfigError
from bot.store import connect, open_database
from bot.store.migrate import current_revision, downgrade, head_revision, upgrade
from tests.pg import PgCluster


def _urls(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = f"mig_{abs(hash(str(tmp_path))) % 10**8}"
    cluster.psql(f"CREATE DATABASE {name}")
    return cluster.url(name)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _urls(tmp_path, request)


def test_upgrade_from_empty_reaches_head(empty_url: str) -> None:
    db = connect(empty_url)
    assert current_revision(db.engine) is None
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
    db.dispose()


def test_upgrade_from_previous_revision_keeps_rows(empty_url: str) -> None:
    db = connect(empty_url)
    upgrade(db.engine, "0001")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incident (title, severity, status, group_key, services, created_at,"
                " updated_at, version) VALUES ('db down', 'critical', 'triggered', 'g',"
                " '[\"payments-db\"]', '2025-03-11 14:00:00', '2025-03-11 14:00:00', 0)"
            )
        )
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT title, severity FROM incident")).all()
        assert [tuple(r) for r in rows] == [("db down", "critical")]
        assert conn.execute(text("SELECT count(*) FROM job")).scalar() == 0
    # and back down one step and up again, still keeping the row
    downgrade(db.engine, "0001")
    upgrade(db.engine)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incident")).scalar() == 1
    db.dispose()


def test_open_database_refuses_a_schema_behind(empty_url: str) -> None:
    db = connect(empty_url)
    upgrade(db.engine, "0001")
    db.dispose()
    with pytest.raises(ConfigError, match="aiops db upgrade"):
        open_database(empty_url)
