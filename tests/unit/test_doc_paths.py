"""Docs move with code: every repository path a document names in `inline code` exists.

A path is a span whose first segment is a top-level folder of the repository
(``bot/…``, ``docs/…``; ``bot/x.name`` names ``name`` in ``bot/x.py``, ``*`` and ``<name>`` are
globs), or a bare file name (``runner.py``; not a placeholder such as ``FILE.yaml``), which
must exist somewhere in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

#: the corpora's READMEs (tests/scenarios/*/README.md) name their upstream projects' files: not ours
DOCS = [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md")), *sorted(ROOT.glob("examples/**/*.md")),
        ROOT / "tests" / "bench" / "README.md"]  # fmt: skip
TOP = ("bot", "handlers", "integrations", "sandbox", "playbooks", "examples", "deploy", "docs",
       "tests", "scripts")  # fmt: skip
FILE_NAME = re.compile(r"[\w.-]+\.(py|md|yaml|yml|json|toml|txt|sh)")
#: named on purpose though not in the repository: files a user creates.
NOT_IN_REPO = {"deploy/aiops.env", "aiops.toml"}


def _spans(doc: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)  # code blocks: not prose
    return {
        span.split()[0].rstrip(":,") for span in re.findall(r"`([^`\n]+)`", text) if span.split()
    }


def _defines(source: Path, name: str) -> bool:
    pattern = rf"^\s*(async def|def|class) {re.escape(name)}\b|^{re.escape(name)}\b"
    return source.is_file() and re.search(pattern, source.read_text(), flags=re.M) is not None


def _exists(path: str) -> bool:
    path = path.split("#")[0].rstrip("/")
    if any(ROOT.glob(re.sub(r"<[^>]+>", "*", path))):
        return True
    if ".py:" in path:  # bot/x.py:name
        file, _, name = path.partition(":")
        return _defines(ROOT / file, name)
    module, _, name = path.rpartition(".")  # bot/x.name: a name defined in bot/x.py
    return _defines(ROOT / f"{module}.py", name)


def _file_names() -> set[str]:
    files = [p for top in TOP for p in (ROOT / top).rglob("*")]
    return {p.name for p in [*files, *ROOT.iterdir()]}


def _missing() -> list[str]:
    names = _file_names()
    out = []
    for doc in DOCS:
        for span in _spans(doc) - NOT_IN_REPO:
            if span.split("/")[0] in TOP and "/" in span:
                ok = _exists(span)
            elif FILE_NAME.fullmatch(span) and not span.split(".")[0].isupper():  # FILE.yaml
                ok = span in names
            else:
                continue
            if not ok:
                out.append(f"{doc.relative_to(ROOT)}: {span}")
    return out


def test_every_path_the_docs_name_exists() -> None:
    missing = _missing()
    assert not missing, f"a document names a path that does not exist: {missing}"


def test_the_check_catches_a_wrong_path() -> None:
    assert not _exists("bot/no_such_module.py")
    assert not _exists("handlers/cli/main.NO_SUCH_NAME")
    assert not _exists("bot/investigate/reasoning.py:no_such_function")
    assert _exists("handlers/cli/main.COMMANDS") and _exists("playbooks/<name>.yaml")
    assert _exists("bot/investigate/reasoning.py:conclude")


def test_every_bot_package_has_a_row_in_the_architecture_table() -> None:
    table = (ROOT / "docs" / "architecture.md").read_text().split("## The domain", 1)[1]
    table = table.split("\n## ", 1)[0]
    named = {name for row in table.splitlines() for name in re.findall(r"`([a-z_]+)`", row[:60])}
    packages = {p.parent.name for p in (ROOT / "bot").glob("*/__init__.py")}
    assert not packages - named, f"add a row to docs/architecture.md: {packages - named}"
