"""Holdout scenarios (tests/scenarios/holdout, written to differ from the examples in kind, names,
formats and alert order): replayed through the real webhooks, grouping and root alert must equal
``truth.incidents``; the investigation's top hypothesis must equal the truth for the kinds whose
general mechanism was fixed on them. Truth is read here only, never by the replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.investigate.cloudtrail_kinds import cloudtrail_kind
from handlers.replay.runner import replay
from sandbox.scenario import load_scenario
from tests.e2e.corpus import Corpus, investigated

HOLDOUT = Corpus.named("holdout")
SCENARIOS = HOLDOUT.cases

# Solved top-1 by general fixes (CloudTrail kinds, pods named only by logs); each entry must
# name a scenario file that exists, so a rename fails here instead of silently testing nothing.
TOP1 = [
    "h13-ecs-task-failure",
    "h16-root-alert-last",
    "h11-oom-killed-limit",
    "h04-cert-expiry",
    "h12-iam-risk",
    "h01-rds-param-config-change",
    "h02-rds-slow-queries",
    "h05-asg-at-max",
    "h07-lambda-errors",
]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_holdout_grouping_and_root_match_truth(path: Path) -> None:
    loaded = load_scenario(path)
    assert loaded.truth is not None, f"{path.name} carries truth"
    result = replay(loaded.scenario)
    got = sorted((sorted(i["alerts"]), i["root_alert"]) for i in result["incidents"])
    want = sorted((sorted(i.alerts), i.root_alert) for i in loaded.truth.incidents)
    assert got == want


@pytest.mark.parametrize("stem", TOP1)
def test_holdout_top1_root_cause(stem: str) -> None:
    for want, result in investigated(HOLDOUT.folder / f"{stem}.yaml"):
        assert want.kind is not None
        failed = [s.name for s in result.steps if s.status not in ("ok", "skipped")]
        assert not failed, f"steps failed: {failed}"
        top = result.hypotheses[0]
        assert (top.kind, top.service) == (want.kind, want.service)


# First action fixed by general rules (revert a lowered RDS parameter, raise a capped group,
# scale out a saturated deployment, roll back a revision that outgrew its memory limit, raise a
# throttled function's reservation): the first proposal must name the truth's action and params.
FIRST_ACTION = [
    "h01-rds-param-config-change",
    "h05-asg-at-max",
    "h08-traffic-spike",
    "h11-oom-killed-limit",
    "h15-storm-two-incidents",
]


@pytest.mark.parametrize("stem", FIRST_ACTION)
def test_holdout_first_action(stem: str) -> None:
    for want, result in investigated(HOLDOUT.folder / f"{stem}.yaml"):
        assert want.fix_action is not None
        assert result.actions, "no action proposed"
        first = result.actions[0]
        assert first.action == want.fix_action
        assert {k: first.params.get(k) for k in want.fix_params} == want.fix_params


@pytest.mark.parametrize(
    ("event", "detail", "kind"),
    [
        ("UpdateFunctionCode20150331v2", {"function": "f"}, "deployment"),
        ("UpdateService", {"cluster": "c", "task_definition": "svc:9"}, "deployment"),
        ("UpdateService", {"cluster": "c", "desired_count": 3}, "config"),
        ("SetDesiredCapacity", {"group": "g"}, "scaling"),
        ("CreateAccessKey", {"user": "u"}, "iam"),
        ("ModifyDBParameterGroup", {"parameter": "p"}, "config"),
        ("StopInstances", {"instance": "i"}, "infra"),
    ],
)
def test_cloudtrail_event_kind(event: str, detail: dict[str, object], kind: str) -> None:
    assert cloudtrail_kind(event, detail) == kind


def test_holdout_present() -> None:
    assert len(SCENARIOS) >= 12
