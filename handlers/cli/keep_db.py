"""``--db FILE`` for the sandbox commands (demo, replay): keep the run's SQLite database so that
``aiops incident list`` and friends can read it afterwards; without it the run is temporary."""

from __future__ import annotations

from pathlib import Path

from bot.errors import UserError


def keep_db_url(path: Path | None, *, new: bool = False) -> str | None:
    """The SQLAlchemy URL of ``path`` (created if new), or None for a temporary database.
    ``new``: refuse a file that already holds data (the demo's script starts from nothing)."""
    if path is None:
        return None
    if path.exists() and not path.is_file():
        raise UserError(f"--db {path}: not a file")
    if new and path.exists() and path.stat().st_size > 0:
        raise UserError(f"--db {path} already exists", hint="the demo needs a new file")
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.resolve()}"


def kept_db_note(path: Path | None) -> str:
    """One line saying where the run's incidents are, so an empty `incident list` is no surprise."""
    if path is None:
        return (
            "The run used a temporary database, now deleted: `aiops incident list` will not show "
            "it. Pass --db FILE to keep it."
        )
    return f"Kept in {path}: AIOPS_DB={path} aiops incident list"
