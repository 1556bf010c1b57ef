"""Database fixtures: every store test runs on SQLite and on PostgreSQL.

- ``db_url``: a fresh, migrated database per test (SQLite file, or a Postgres database cloned from
  a migrated template, which takes milliseconds).
- ``database``: a ``bot.store.Database`` on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Database, connect
from bot.store.migrate import upgrade
from tests.pg import PgCluster, pg_bin, start_cluster

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed (run `make test` as root, or CI)")
    cluster = start_cluster()
    template = connect(cluster.url())
    cluster.psql("CREATE DATABASE aiops_template")
    tdb = connect(cluster.url("aiops_template"))
    upgrade(tdb.engine)
    tdb.dispose()
    template.dispose()
    yield cluster
    cluster.stop()


def _fresh_pg(cluster: PgCluster) -> str:
    name = f"t{next(_counter)}"
    cluster.psql(f"CREATE DATABASE {name} TEMPLATE aiops_template")
    return cluster.url(name)


def _fresh_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / f'aiops-{next(_counter)}.db'}"
    db = connect(url)
    upgrade(db.engine)
    db.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return _fresh_sqlite(tmp_path)
    return _fresh_pg(request.getfixturevalue("pg_cluster"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return _fresh_sqlite(tmp_path)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = connect(db_url)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(sqlite_url: str) -> Iterator[Database]:
    db = connect(sqlite_url)
    yield db
    db.dispose()
