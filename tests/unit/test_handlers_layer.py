"""Handlers parse, authenticate, authorize, ack and hand off: they never touch the database.

An ``ast`` walk over every module under ``handlers/``: no ``with x.session()`` (a database
session), no ``Session(...)`` / ``.connect()`` opened by hand, no ``sqlmodel`` / ``sqlalchemy``
import. The database work lives in ``bot`` as service functions the doors share.
"""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
DB_LIBRARIES = ("sqlmodel", "sqlalchemy")


def database_opens(source: str) -> list[tuple[int, str]]:
    """(line, what) for each place the module reaches the database itself."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in ("session", "connect", "begin")
                ):
                    found.append((node.lineno, f"with ….{call.func.attr}()"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if name == "Session":
                found.append((node.lineno, "Session(…)"))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            for n in names:
                if n.split(".")[0] in DB_LIBRARIES:
                    found.append((node.lineno, f"import {n}"))
    return found


def test_no_handler_module_opens_a_database_session() -> None:
    offenders = [
        f"{path.relative_to(HANDLERS.parent)}:{line}: {what}"
        for path in sorted(HANDLERS.rglob("*.py"))
        for line, what in database_opens(path.read_text())
    ]
    assert offenders == [], "handlers must hand database work to bot:\n" + "\n".join(offenders)


def test_the_check_sees_each_way_of_opening_one() -> None:
    source = """
from sqlmodel import select
import sqlalchemy.orm
def f(db, engine):
    with db.session() as s:
        pass
    with engine.connect() as c:
        pass
    s = Session(engine)
    session = aws.session()  # a boto3 session is not the database
"""
    assert [what for _, what in database_opens(source)] == [
        "import sqlmodel", "import sqlalchemy.orm", "with ….session()", "with ….connect()",
        "Session(…)",
    ]  # fmt: skip
