"""The arrows point one way (DESIGN.md): nothing under ``bot/`` imports ``handlers`` or
``sandbox``, and ``integrations/`` imports none of ``bot``, ``handlers`` or ``sandbox``.

Every import counts, including the lazy ones inside functions and ``importlib.import_module``
with a literal name: a wrong-way import at run time is as much a dependency as one at the top.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: package -> modules (and everything under them) it must never import
FORBIDDEN: dict[str, frozenset[str]] = {
    "bot": frozenset({"handlers", "sandbox", "bot.sandbox"}),
    "integrations": frozenset({"bot", "handlers", "sandbox"}),
}


@dataclass(frozen=True)
class WrongWay:
    path: str
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.module}"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def wrong_way_imports(root: Path) -> list[WrongWay]:
    bad: list[WrongWay] = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            for line, module in imported_modules(path, root):
                if any(module == f or module.startswith(f + ".") for f in forbidden):
                    bad.append(WrongWay(str(path.relative_to(root)), line, module))
    return bad


def test_no_wrong_way_imports_in_the_repository() -> None:
    bad = wrong_way_imports(ROOT)
    assert not bad, "imports against the arrows (handlers -> bot -> integrations):\n" + "\n".join(
        map(str, bad)
    )


def test_bot_sandbox_is_gone() -> None:
    assert not (ROOT / "bot" / "sandbox").exists()
    assert (ROOT / "sandbox" / "world.py").is_file()


@pytest.mark.parametrize(
    ("where", "source", "module"),
    [
        ("bot/x/a.py", "from sandbox.world import SandboxWorld\n", "sandbox.world"),
        ("bot/x/a.py", "from bot.sandbox.world import SandboxWorld\n", "bot.sandbox.world"),
        ("bot/x/a.py", "import sandboxes\n", None),
        ("bot/x/a.py", "def f():\n    import handlers.http\n", "handlers.http"),
        (
            "bot/x/a.py",
            "import importlib\nimportlib.import_module('sandbox.k8s')\n",
            "sandbox.k8s",
        ),
        ("integrations/a.py", "from bot.errors import UserError\n", "bot.errors"),
    ],
)
def test_the_walk_catches_a_wrong_way_import(
    tmp_path: Path, where: str, source: str, module: str | None
) -> None:
    target = tmp_path / where
    target.parent.mkdir(parents=True)
    target.write_text(source)
    (tmp_path / "integrations").mkdir(exist_ok=True)
    assert [b.module for b in wrong_way_imports(tmp_path)] == ([module] if module else [])


def test_relative_imports_resolve_inside_their_package(tmp_path: Path) -> None:
    pkg = tmp_path / "bot" / "x"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import a\n")
    (pkg / "a.py").write_text("from .b import c\nfrom .. import errors\n")
    (tmp_path / "integrations").mkdir()
    assert imported_modules(pkg / "a.py", tmp_path) == [(1, "bot.x.b"), (2, "bot")]
    assert imported_modules(pkg / "__init__.py", tmp_path) == [(1, "bot.x")]
    assert wrong_way_imports(tmp_path) == []
