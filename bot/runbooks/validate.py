"""Validating a runbook repository's files: every runbook parses (``bot.remediate.runbooks``)
and its triggers name hypothesis kinds and failure signatures the investigation can produce —
a misspelt trigger fails here instead of never matching. Errors read ``FILE:LINE: key: reason``.
"""

from __future__ import annotations

from functools import lru_cache

from bot.errors import ConfigError
from bot.remediate import registry
from bot.remediate.runbooks import Runbook, parse_file
from bot.yamlloc import YamlLocator
from integrations.gitrepo import RepoFile

SUFFIXES = (".yaml", ".yml")


@lru_cache(maxsize=1)
def vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """(hypothesis kinds, failure signatures) the investigation can report."""
    from bot.investigate.playbook_load import load_playbooks
    from bot.investigate.reasoning_data import failure_modes
    from bot.investigate.signature_kinds import CauseKind, family
    from bot.investigate.signatures import load_catalogue

    kinds = {h.kind for book in load_playbooks() for h in book.hypotheses}
    rules = failure_modes()
    for item in [*rules.modes, *rules.causes]:
        kinds.add(str(getattr(item, "kind", "")))
        for extra in ("kind_by_platform", "kind_by_tier"):
            kinds.update(getattr(item, extra, {}).values())
    signatures = {k.value for k in CauseKind} | {family(k) for k in CauseKind}
    signatures |= {s.id for s in load_catalogue().signatures}
    return frozenset(kinds), frozenset(signatures)


def _trigger_problems(book: Runbook, at: YamlLocator) -> list[str]:
    if book.triggers is None:
        return []
    kinds, signatures = vocabulary()
    out = []
    for i, kind in enumerate(book.triggers.kinds):
        if kind not in kinds:
            out.append(f"{at(('triggers', 'kinds', i))}: unknown hypothesis kind {kind!r}")
    for i, sig in enumerate(book.triggers.signatures):
        if sig not in signatures:
            out.append(f"{at(('triggers', 'signatures', i))}: unknown failure signature {sig!r}")
    return out


def validate_files(files: list[RepoFile], folder: str = "") -> tuple[dict[str, Runbook], list[str]]:
    """The runbooks of ``files`` and every problem found (one line each; all files checked)."""
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    books: dict[str, Runbook] = {}
    errors: list[str] = []
    for f in sorted(files, key=lambda f: f.name):
        if not f.name.endswith(SUFFIXES):
            continue
        name = prefix + f.name
        try:
            text = f.data.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(f"{name}:1: not UTF-8 text")
            continue
        try:
            book = parse_file(name, text, lookup=registry.get)
        except ConfigError as exc:
            errors.append(str(exc))
            continue
        problems = _trigger_problems(book, YamlLocator.of_text(name, text))
        if book.name in books:
            problems.append(f"{name}:1: name: runbook {book.name!r} is defined twice")
        errors.extend(problems)
        if not problems:
            books[book.name] = book
    return books, errors
