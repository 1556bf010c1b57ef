"""``replay --approve first`` on every example scenario, against the sandbox world.

Right path: the investigation's first action runs and verifies; where the recommendation differs
from ``truth.fix`` the test forces ``truth.fix`` (a test-only ``choose`` hook) and reports the
scenario. Wrong path: the scenario's no-effect action is forced and must be rolled back.
Truth is read only here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.replay.runner import approve_first_replay
from sandbox.scenario import load_scenario
from tests.conftest import example_scenarios

SCENARIOS = example_scenarios()
PARAMS = pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem[:2] for p in SCENARIOS])
# values for params a scenario's action names leave to the bot (a number it must choose)
FILL = {"seconds": 120, "concurrency": 7, "replicas": 11, "desired": 11}
WRONG_RECOMMENDATIONS: dict[str, str] = {}


def _complete(action: str, params: dict[str, Any], recommended: list[dict[str, Any]]) -> dict:
    for rec in recommended:
        if rec["action"] == action and all(rec["params"].get(k) == v for k, v in params.items()):
            return dict(rec["params"])
    from bot.remediate import registry

    spec = registry.get(action)
    missing = {
        k: FILL[k]
        for k, f in spec.params.model_fields.items()
        if f.is_required() and k not in params and k in FILL
    }
    return {**params, **missing}


def _truth_by_alerts(truth: Any) -> list[tuple[set[str], Any]]:
    return [(set(inc.alerts), inc.fix or truth.fix) for inc in truth.incidents]


def _fix_for(truth: Any, alert_ids: list[str]) -> Any:
    best = max(_truth_by_alerts(truth), key=lambda t: len(t[0] & set(alert_ids)))
    return best[1]


def _right(fix: Any, first: dict[str, Any] | None) -> bool:
    return (
        first is not None
        and first["action"] == fix.action
        and all(first["params"].get(k) == v for k, v in fix.params.items())
    )


@PARAMS
def test_first_recommended_fix_is_verified(path: Path) -> None:
    loaded = load_scenario(path)
    truth = loaded.truth
    assert truth is not None

    def choose(alert_ids: list[str], recommended: list[dict[str, Any]]) -> Any:
        fix = _fix_for(truth, alert_ids)
        first = recommended[0] if recommended else None
        if fix is None:  # no registry fix: run what was recommended unless it is risky
            if first is None or first["risk"] == "high":
                return None
            return first["action"], first["params"]
        if not _right(fix, first):
            WRONG_RECOMMENDATIONS[f"{path.stem}:{sorted(alert_ids)[0]}"] = str(first)
            return fix.action, _complete(fix.action, dict(fix.params), recommended)
        assert first is not None
        return first["action"], first["params"]

    result = approve_first_replay(loaded.scenario, "first", choose=choose)
    for inc in result["incidents"]:
        fix = _fix_for(truth, inc["alerts"])
        rem = inc["remediation"]
        first = (inc["investigation"]["actions"] or [None])[0]
        if fix is None:
            assert first is None or first["risk"] != "high"
            assert rem["status"] in {"skipped", "verified", "not_recovered", "rolled_back"}
            continue
        assert rem["action"] == fix.action, rem
        assert rem["status"] == "verified", rem
    if WRONG_RECOMMENDATIONS:
        print("recommendations that differ from truth.fix:", WRONG_RECOMMENDATIONS)


@PARAMS
def test_no_effect_action_is_not_recovered_and_rolled_back(path: Path) -> None:
    loaded = load_scenario(path)
    scenario, truth = loaded.scenario, loaded.truth
    assert truth is not None
    no_effect = [e for e in scenario.remediation_effects if not e.effects]
    if not no_effect:
        pytest.skip(f"{path.name} has no no-effect remediation entry")
    wrong = no_effect[0]
    target: list[str] = []

    def choose(alert_ids: list[str], recommended: list[dict[str, Any]]) -> Any:
        if target or _fix_for(truth, alert_ids) is None:
            return None
        target.extend(alert_ids)
        return wrong.action, _complete(wrong.action, dict(wrong.params), [])

    result = approve_first_replay(scenario, "first", choose=choose, investigate=False)
    ran = [i["remediation"] for i in result["incidents"] if set(i["alerts"]) == set(target)]
    assert len(ran) == 1
    rem = ran[0]
    assert rem["action"] == wrong.action
    absent = wrong.action == "cloudfront.invalidate" and not scenario.aws.cloudfront_distributions
    if absent:  # the scenario names a distribution the sandbox does not hold
        assert rem["status"] == "failed" and "does not exist" in rem["detail"], rem
    else:
        assert rem["status"] == "rolled_back", rem
        assert "not recovered" in rem["detail"] and "undone" in rem["detail"], rem
