"""A playbook may only recommend a runbook that exists: a missing one fails at approval time."""

from __future__ import annotations

import yaml

from bot.remediate.runbooks import RUNBOOK_DIR
from tests.conftest import ROOT


def test_every_recommended_runbook_exists() -> None:
    existing = {p.stem for p in RUNBOOK_DIR.glob("*.yaml")}
    missing = []
    for path in sorted((ROOT / "playbooks").glob("*.yaml")):
        book = yaml.safe_load(path.read_text()) or {}
        for rem in book.get("remediations") or []:
            if rem.get("action") == "runbook.run":
                name = (rem.get("params") or {}).get("name")
                if name not in existing:
                    missing.append(f"{path.name}: runbook {name!r}")
    assert existing, f"no runbooks found in {RUNBOOK_DIR}"
    assert not missing, f"playbooks recommend runbooks that do not exist: {missing}"
