"""Load every playbook and check it against what exists: the diagnostic primitives and the
registry's actions. Apart from ``playbook_schema`` (the format alone) because it needs those
two catalogues, which themselves read knowledge that refers to the playbook folder."""

from __future__ import annotations

from pathlib import Path

from bot.errors import ConfigError
from bot.investigate.playbook_schema import PLAYBOOK_DIR, Playbook, load_playbook


def load_playbooks(directory: Path | None = None) -> list[Playbook]:
    from bot.investigate.primitives import PRIMITIVES
    from bot.remediate.registry import all_actions

    folder = directory or PLAYBOOK_DIR
    books = [
        load_playbook(p, primitives=set(PRIMITIVES), actions={a.name for a in all_actions()})
        for p in sorted(folder.glob("*.yaml"))
    ]
    if not books:
        raise ConfigError(f"no playbooks found in {folder}")
    return books
