"""The fixes a chat summary offers (``bot.posture.fixes.offers``) and the button value that
carries one (``handlers.blocks.ids.FixRef``), without AWS."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.posture.fixes import SECURITY_FIX_ACTIONS, audit_fix_actions, offers, param_words
from bot.posture.pricing import load_rules
from bot.remediate.registry import REGISTRY
from bot.tables import ReportRow
from handlers.blocks.ids import FixRef, parse_value


def _row(section: str, n: int, fix: str = "ec2.revoke_ingress", **kw: str) -> ReportRow:
    return ReportRow(section, "high", "sg_open", f"sg-{n}", f"finding {n}", fix,
                     fix_params=f"group=sg-{n} port=22" if fix else "", **kw)  # fmt: skip


def test_offers_follow_what_the_summary_shows() -> None:
    rows = [_row("a", 1), _row("a", 2, fix=""), _row("a", 3), _row("b", 4, account="prod",
            region="eu-west-1"), _row("a", 5)]  # fmt: skip
    found = offers(rows, per_section=3, limit=10)
    # a's third row is shown and fixable; its fourth is past the summary's top 3
    assert [o.label for o in found] == ["finding 1", "finding 3", "finding 4"]
    assert found[0].params == {"group": "sg-1", "port": "22"} and found[0].account is None
    assert (found[2].account, found[2].region) == ("prod", "eu-west-1")
    assert len(offers(rows, per_section=3, limit=2)) == 2
    assert offers(rows, per_section=0, limit=10) == []  # a summary that lists no finding


def test_the_allowed_actions_are_registry_actions_the_audits_name() -> None:
    allowed = audit_fix_actions(load_rules())
    assert allowed >= SECURITY_FIX_ACTIONS and "ec2.stop_instance" in allowed
    assert allowed <= set(REGISTRY)
    assert "k8s.delete_pod" not in allowed  # a registry action no audit names


def test_param_words_refuse_a_word_without_a_value() -> None:
    assert param_words("group=sg-1 cidr=0.0.0.0/0") == {"group": "sg-1", "cidr": "0.0.0.0/0"}
    with pytest.raises(UserError, match="is not key=value"):
        param_words("group")


@pytest.mark.parametrize(
    "raw",
    [
        '{"action": "ec2 revoke", "params": {}}',
        '{"action": "ec2.revoke_ingress", "params": {"Group!": "x"}}',
        '{"action": "ec2.revoke_ingress", "params": {}, "account": "prod; rm"}',
        '{"action": "ec2.revoke_ingress", "params": {}, "extra": 1}',
    ],
)
def test_a_malformed_button_value_is_refused(raw: str) -> None:
    with pytest.raises(UserError, match="out of date or malformed"):
        parse_value(FixRef, raw)
