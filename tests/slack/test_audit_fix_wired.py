"""An audit finding's "Propose fix" through the real wiring of ``aiops run``: the security
example world (moto EC2 / S3 / IAM read by boto3 from the settings), the local Slack server
(real Bolt over socket mode), a migrated SQLite file.

``/aiops audit security`` shows a button beside each shown finding a registry action fixes;
clicking the open-SSH group's proposes ``ec2.revoke_ingress`` with its parameters, an operator
approves it, it runs, and the next audit no longer names the group. A second click is one
request; a forged value (another action, a malformed one) and a finding fixed since are
refused with a clear message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from bot.remediate.enums import TERMINAL
from bot.store import RemediationRequest
from handlers.blocks.ids import ActionId
from sandbox.slack import Message
from tests.conftest import SCENARIOS_DIR
from tests.slack.helpers import command, ephemeral
from tests.wired import Wired, wired_runtime

pytestmark = pytest.mark.timeout(180)
SCENARIO = SCENARIOS_DIR / "08-security-open-ssh-public-bucket.yaml"
AUDITOR, OPERATOR, OTHER = "UFIXAUD01", "UFIXOPS01", "UFIXOTH01"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wired]:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    members = {AUDITOR: ["operator"], OPERATOR: ["operator"], OTHER: ["operator"]}
    with pytest.MonkeyPatch.context() as mp:  # the runtime reads AWS as `aiops run` does
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            mp.setenv(name, "testing")
        with wired_runtime(SCENARIO, tmp_path_factory.mktemp("fix"), token="t",
                           members=members, from_settings=True) as w:  # fmt: skip
            yield w


def _audit(env: Wired) -> Message:
    before = len(env.slack.messages("incidents"))
    command(env.slack, AUDITOR, "audit security", channel="incidents")

    def found() -> Message | None:
        hits = [m for m in env.slack.messages("incidents")[before:] if "Security audit" in m.text]
        return hits[-1] if hits else None

    return env.slack.wait_for(found, 60)


def _fix_buttons(message: Message) -> dict[str, dict[str, Any]]:
    """action + params words -> the button element, of every "Propose fix" on the message."""
    out = {}
    for block in message.blocks:
        button = block.get("accessory") or {}
        if button.get("action_id") == ActionId.PROPOSE_FIX:
            ref = json.loads(button["value"])
            words = " ".join(f"{k}={v}" for k, v in sorted(ref["params"].items()))
            out[f"{ref['action']} {words}"] = {**button, "block_id": block["block_id"]}
    return out


def _requests(env: Wired) -> list[RemediationRequest]:
    with env.db.session() as s:
        return list(s.exec(select(RemediationRequest)))


def _in_thread(env: Wired, parent: Message, contains: str) -> Message:
    def found() -> Message | None:
        hits = [m for m in env.slack.thread("incidents", parent.ts) if contains in m.all_text]
        return hits[-1] if hits else None

    return env.slack.wait_for(found, 60)


def _ssh(buttons: dict[str, dict[str, Any]]) -> dict[str, Any]:
    [key] = [k for k in buttons if k.startswith("ec2.revoke_ingress") and "port=22 " in k]
    return buttons[key]


def test_each_fixable_finding_shown_has_a_propose_fix_button(env: Wired) -> None:
    message = _audit(env)
    assert "security group bastion-sg allows 0.0.0.0/0 on TCP 22" in message.all_text
    buttons = _fix_buttons(message)
    assert "s3.block_public_access bucket=acme-finance-exports" in buttons
    ssh = json.loads(_ssh(buttons)["value"])
    assert ssh["params"]["cidr"] == "0.0.0.0/0" and "account" not in ssh  # the home account
    # the internal rule and the web ports are no finding with a fix
    assert not [k for k in buttons if "10.20.0.0/16" in k or "port=443" in k]


def test_a_forged_or_malformed_value_is_refused_and_stores_nothing(env: Wired) -> None:
    message = _audit(env)
    button = _ssh(_fix_buttons(message))
    forged = dict(json.loads(button["value"]), action="k8s.delete_pod",
                  params={"namespace": "default", "name": "web"})  # fmt: skip
    env.slack.send_block_action(AUDITOR, {**button, "value": json.dumps(forged)}, message=message)
    ephemeral(env.slack, AUDITOR, "`k8s.delete_pod` is not a fix any audit finding names", 20)
    bad = dict(json.loads(button["value"]), params={"group": "x", "port": "not-a-port"})
    env.slack.send_block_action(OTHER, {**button, "value": json.dumps(bad)}, message=message)
    ephemeral(env.slack, OTHER, "invalid parameters", 20)
    env.slack.send_block_action(OPERATOR, {**button, "value": "{not json"}, message=message)
    ephemeral(env.slack, OPERATOR, "out of date or malformed", 20)
    assert _requests(env) == []


def test_propose_twice_approve_and_the_next_audit_is_clean(env: Wired) -> None:
    message = _audit(env)
    button = _ssh(_fix_buttons(message))
    env.slack.click_button(AUDITOR, ActionId.PROPOSE_FIX, message_ts=message.ts,
                           block_id=button["block_id"])  # fmt: skip
    card = _in_thread(env, message, "Approval needed: ec2.revoke_ingress")
    env.slack.click_button(OTHER, ActionId.PROPOSE_FIX, message_ts=message.ts,
                           block_id=button["block_id"])  # fmt: skip
    ephemeral(env.slack, OTHER, "was already proposed", 20)
    [req] = [r for r in _requests(env) if r.action == "ec2.revoke_ingress"]
    assert req.state == "pending" and req.requested_by == AUDITOR
    assert req.params["port"] == 22 and req.params["cidr"] == "0.0.0.0/0"

    env.slack.click_button(OPERATOR, ActionId.APPROVE, message_ts=card.ts,
                           block_id=f"approval:{req.id}")  # fmt: skip
    # until the run has ended (preflight, running and verifying come between approval and the end)
    env.slack.wait_for(
        lambda: [r for r in _requests(env) if r.id == req.id and r.state in TERMINAL] or None, 60
    )
    after = _audit(env)
    assert "bastion-sg allows 0.0.0.0/0 on TCP 22" not in after.all_text
    assert not [k for k in _fix_buttons(after) if k.startswith("ec2.revoke_ingress")]

    # the old summary's button: the finding is fixed, so nothing is proposed
    env.slack.click_button(OPERATOR, ActionId.PROPOSE_FIX, message_ts=message.ts,
                           block_id=button["block_id"])  # fmt: skip
    ephemeral(env.slack, OPERATOR, "Nothing to fix", 20)
    assert len([r for r in _requests(env) if r.action == "ec2.revoke_ingress"]) == 1
