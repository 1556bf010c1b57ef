"""Engines and sessions: SQLite (WAL) by default, Postgres via DATABASE_URL.

``open_database(settings)`` connects, checks the schema is at the newest migration and returns a
``Database``; every problem becomes a ``ConfigError`` naming the setting and the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from bot.errors import ConfigError, UpstreamUnavailable

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str, *, setting: str = "DATABASE_URL") -> Engine:
    """Build an engine for ``url``; a malformed URL is a ConfigError naming ``setting``."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"{setting} is not a database URL: expected sqlite:///PATH or "
            "postgresql+psycopg://USER:PASS@HOST:PORT/DB"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            connect_args={"connect_timeout": 5},
        )
    raise ConfigError(f"{setting}: unsupported database '{parsed.get_backend_name()}'")


@dataclass
class Database:
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except Exception:
                session.rollback()
                raise

    def ping(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise UpstreamUnavailable(
                f"database unreachable ({reason})",
                hint="check DATABASE_URL and that the server is running",
            ) from None

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str) -> Database:
    return Database(make_engine(url))


def open_database(url: str, *, require_current: bool = True) -> Database:
    """Connect and (by default) refuse a schema that is behind the code."""
    from bot.store.migrate import current_revision, head_revision

    db = connect(url)
    db.ping()
    if require_current:
        current, head = current_revision(db.engine), head_revision()
        if current != head:
            db.dispose()
            raise ConfigError(
                f"the database schema is at {current or 'nothing'} but this version needs {head}",
                hint="run `aiops db upgrade`",
            )
    return db


def settings_database(settings: Any, *, require_current: bool = True) -> Database:
    """The database the settings name (DATABASE_URL, else the SQLite file AIOPS_DB)."""
    return open_database(settings.db_url, require_current=require_current)
