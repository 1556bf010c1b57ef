"""auto_investigate.yaml: rules, cooldown, auto-approval limited to low-risk registry actions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import UserError
from bot.remediate.enums import Risk
from bot.remediate.registry import all_actions
from bot.respond.auto_policy import OFF, load_auto_investigate, parse_auto_investigate


def _first(risk: Risk) -> str:
    return next(a.name for a in all_actions() if a.risk == risk)


def test_no_file_means_no_policy_at_all() -> None:
    config = load_auto_investigate(None)
    assert config.default == OFF and config.named(None) is None


def test_a_bare_off_default_is_read_as_off_not_false() -> None:
    config = parse_auto_investigate(
        "default: off\npolicies: [{name: p, when: [{severities: [critical]}]}]"
    )
    assert config.named(None) is None and config.named("p") is not None


def test_rules_match_on_severity_and_class() -> None:
    config = parse_auto_investigate(
        """
default: p
policies:
  - name: p
    cooldown: 90s
    when:
      - {severities: [critical]}
      - {severities: [warning], incident_classes: [disk_full]}
"""
    )
    p = config.named(None)
    assert p is not None and p.cooldown == timedelta(seconds=90)
    assert p.matches("critical") and not p.needs_class("critical")
    assert not p.matches("warning") and p.needs_class("warning")
    assert p.matches("warning", "disk_full") and not p.matches("warning", "other")
    assert not p.matches("info") and not p.needs_class("info")


def test_a_low_risk_action_may_be_auto_approved_for_its_class() -> None:
    low = _first(Risk.LOW)
    config = parse_auto_investigate(
        f"policies: [{{name: p, when: [{{severities: [critical]}}],"
        f" auto_approve: [{{action: {low}, incident_classes: [c1]}}]}}]"
    )
    p = config.named("p")
    assert p is not None and p.approvable("c1") == [low] and p.approvable("c2") == []


@pytest.mark.parametrize("risk", [Risk.MEDIUM, Risk.HIGH])
def test_a_riskier_action_is_refused_at_load_naming_it(risk: Risk) -> None:
    name = _first(risk)
    with pytest.raises(UserError, match=f"{name} is {risk.value} risk"):
        parse_auto_investigate(
            f"policies: [{{name: p, when: [{{severities: [critical]}}],"
            f" auto_approve: [{{action: {name}}}]}}]"
        )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "policies: [{name: p, when: [{severities: [c]}], auto_approve: [{action: nope.x}]}]",
            "unknown action",
        ),
        ("policies: [{name: p, when: [{}]}]", "needs severities or incident_classes"),
        ("policies: [{name: p, when: []}]", "when"),
        (
            "default: q\npolicies: [{name: p, when: [{severities: [critical]}]}]",
            "default names no policy",
        ),
        (
            "policies: [{name: p, when: [{severities: [x]}]},"
            " {name: p, when: [{incident_classes: [y]}]}]",
            "unique",
        ),
        ("policies: [{name: p, when: [{severities: [x]}], cooldown: soon}]", "cooldown"),
        ("policies: [{name: p, when: [{severities: [x]}], typo: 1}]", "typo"),
        ("policies: [{name: off, when: [{severities: [x]}]}]", "name"),
        ("- a list", "expected a mapping"),
        ("policies: [", "not valid YAML"),
    ],
)
def test_mistakes_are_one_clear_message(text: str, says: str) -> None:
    with pytest.raises(UserError, match=says):
        parse_auto_investigate(text)


def test_a_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        load_auto_investigate(tmp_path / "absent.yaml")
    assert "AIOPS_AUTO_INVESTIGATE_FILE" in str(err.value.hint)
