"""``/aiops audit security|cost|compliance|drift [account|all]`` and ``/aiops inventory`` across
accounts, through the
real wiring of ``aiops run`` (``AIOPS_ACCOUNTS_FILE`` read by the production path, roles assumed
with STS on the sandbox's moto server) and the local Slack server (real Bolt over socket mode).
The world is ``tests/accounts_world.py``: prod and staging in two regions, and an account whose
role STS refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from handlers.blocks.ids import ActionId
from handlers.slack.wiring import Runtime
from sandbox.aws import moto_server
from sandbox.slack import LocalSlack, Message
from tests.accounts_world import ACCOUNTS, REGIONS, quiet_gaps, seeded_session
from tests.slack.helpers import command, ephemeral

pytestmark = pytest.mark.timeout(180)
USER = "UACCT0001"


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSlack]:
    tmp = Path(tmp_path_factory.mktemp("accounts"))
    url = f"sqlite:///{tmp / 'aiops.db'}"
    db = connect_db(url)
    upgrade(db.engine)
    db.dispose()
    accounts = tmp / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    aws = moto_server.acquire()
    with pytest.MonkeyPatch.context() as env, LocalSlack() as local, quiet_gaps() as gaps:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")  # the default credential chain, as in prod
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        seeded_session(aws)
        local.add_channel("sec")
        local.add_user(USER, "auditor")
        settings = load_settings(
            database_url=url, slack_bot_token="xoxb-acc", slack_app_token="xapp-acc",
            slack_api_url=local.api_url, aiops_http_port=0, aiops_slack_channel="#sec",
            aiops_escalation_tick_s=3600, aws_endpoint_url=aws, aws_region=REGIONS[0],
            aiops_accounts_file=accounts, aiops_aws_gaps_endpoint_url=gaps,
        )  # fmt: skip
        runtime = Runtime(settings).start()
        try:
            local.wait_connected()
            yield local
        finally:
            runtime.stop()
            moto_server.release()


def _ask(slack: LocalSlack, text: str, contains: str) -> Message:
    """Send ``/aiops <text>`` and wait for the next message in the channel containing
    ``contains`` (earlier tests' messages do not count)."""
    before = len(slack.messages("sec"))
    command(slack, USER, text, channel="sec")

    def found() -> Message | None:
        return next((m for m in slack.messages("sec")[before:] if contains in m.text), None)

    return slack.wait_for(found, 60)


def test_security_audit_of_all_accounts_names_account_and_region(slack: LocalSlack) -> None:
    message = _ask(slack, "audit security all", "Security audit")
    text = message.text
    assert "`prod eu-west-1` " in text and "prod-ssh" in text
    # each "Propose fix" button carries the finding's account and region
    refs = [json.loads(b["accessory"]["value"]) for b in message.blocks
            if (b.get("accessory") or {}).get("action_id") == ActionId.PROPOSE_FIX]  # fmt: skip
    ssh = [r for r in refs if r["action"] == "ec2.revoke_ingress" and r["params"]["port"] == "22"]
    assert ssh and all((r.get("account"), r.get("region")) == ("prod", "eu-west-1") for r in ssh)
    assert "`prod us-east-1` " in text and "prod-rdp" in text
    assert "`staging eu-west-1` " in text and "staging-db" in text
    assert "`prod global` " in text and "prod-deployer" in text
    assert ":x: broken: cannot assume" in text
    # the further sections run in every account and region too (here: GuardDuty is off)
    assert ":information_source: staging us-east-1: GuardDuty findings: GuardDuty is not" in text


def test_security_audit_of_one_account_reads_only_that_one(slack: LocalSlack) -> None:
    text = _ask(slack, "audit security staging", "Security audit").text
    assert "staging-db" in text
    assert "prod-ssh" not in text and "broken" not in text


def test_an_unknown_account_is_a_clear_message(slack: LocalSlack) -> None:
    command(slack, USER, "audit security nope", channel="sec")
    ephemeral(slack, USER, "no account 'nope'", timeout=30)


def test_inventory_lists_every_account_with_its_region(slack: LocalSlack) -> None:
    text = _ask(slack, "inventory sg name~staging-", "matching name~staging-").text
    assert "account" in text and "staging  eu-west-1" in text
    assert "unreadable: broken: cannot assume" in text


def test_cost_audit_of_one_account(slack: LocalSlack) -> None:
    text = _ask(slack, "audit cost staging", "*Cost audit*").text
    assert text.startswith("*Cost audit* of 1 account (2 account-regions): ")
    assert "broken" not in text and "prod" not in text


def test_compliance_audit_of_every_account_names_the_refused_one(slack: LocalSlack) -> None:
    text = _ask(slack, "audit compliance all", "*Compliance*: score").text
    assert "prod-ssh" in text
    assert ":x: AWS Config: broken: cannot assume" in text


def test_drift_takes_an_account_or_a_stack(slack: LocalSlack) -> None:
    text = _ask(slack, "audit drift prod", "*Drift:*").text
    assert text.startswith("*Drift:* none") and "broken" not in text
    command(slack, USER, "audit drift no-such-stack all", channel="sec")
    ephemeral(slack, USER, "'no-such-stack' was not found in any account or region", timeout=30)


def test_investigate_reads_the_account_the_command_names(slack: LocalSlack) -> None:
    asked = 'investigate "which security groups are open to the world" account=staging'
    before = len(slack.messages("sec"))
    command(slack, USER, asked, channel="sec")

    def found() -> str | None:
        texts = [m.all_text for m in slack.messages("sec")[before:]]
        return next((t for t in texts if "Investigation:" in t), None)

    text = slack.wait_for(found, 120)
    assert "AWS account staging" in text and "staging-db" in text and "prod-ssh" not in text


def test_investigate_in_a_refused_account_is_a_clear_message(slack: LocalSlack) -> None:
    command(slack, USER, 'investigate "open security groups" account=broken', channel="sec")
    ephemeral(slack, USER, "account broken could not be read", timeout=120)
