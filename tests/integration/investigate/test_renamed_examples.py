"""Generality check: every example with all of its service and resource names replaced by
meaningless ones must still be solved (top-1 kind and the renamed service). A rule that keys on
an example's names would fail here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.investigate import InvestigationContext, Topology, investigate_incident
from sandbox.investigate.evidence import ScenarioEvidence
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario
from tests.conftest import example_scenarios


def renamed(path: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    text = path.read_text()
    raw = yaml.safe_load(text)
    names: set[str] = set()
    for svc in raw["services"]:
        names.add(svc["name"])
        names.add(svc["runs_on"]["name"])
    mapping = {n: f"zq{i}x-{'ab'[i % 2]}{i}" for i, n in enumerate(sorted(names, key=len))}
    for old in sorted(mapping, key=len, reverse=True):
        text = re.sub(rf"(?<![\w.-]){re.escape(old)}(?![\w])", mapping[old], text)
    out = tmp_path / path.name
    out.write_text(text)
    return out, mapping


@pytest.mark.parametrize("path", example_scenarios(), ids=lambda p: p.stem)
def test_renamed_example_is_still_solved(path: Path, tmp_path: Path) -> None:
    new_path, mapping = renamed(path, tmp_path)
    loaded = load_scenario(new_path)
    scenario, truth = loaded.scenario, loaded.truth
    assert truth is not None
    ctx = InvestigationContext(ScenarioEvidence(scenario), Topology.from_specs(scenario.services))
    for inc in truth.incidents:
        cause = inc.root_cause or truth.root_cause
        assert cause is not None
        alerts = [a for a in scenario.alerts if a.id in inc.alerts]
        result = investigate_incident(ctx, incident_view(alerts))
        top = result.hypotheses[0]
        assert (top.kind, top.service) == (cause.kind, cause.service), [
            (h.kind, h.service, h.confidence) for h in result.hypotheses[:4]
        ]
        assert cause.service in mapping.values()
