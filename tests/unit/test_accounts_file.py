"""``accounts.yaml`` is validated into ``AccountsFile``: a bad file gets one message naming the
key, and Organizations' accounts are added to the listed ones without doubling any."""

from __future__ import annotations

import pytest

from bot.accounts.service import parse_accounts, targets
from bot.errors import UserError
from integrations.aws.accounts import OrgAccount

ROLE = "arn:aws:iam::111111111111:role/aiops-audit"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("regions: [eu-west-1]\n", "list `accounts:` or set `organizations:`"),
        ("accounts: [{name: a}]\n", "regions: Field required"),
        ("regions: [europe]\naccounts: [{name: a}]\n", "not an AWS region: europe"),
        ("regions: [eu-west-1]\naccounts: [{name: a, role_arn: 'arn:aws:iam::1:user/x'}]\n",
         "accounts.0.role_arn"),
        ("regions: [eu-west-1]\naccounts: [{name: a, role_arn: 'arn:aws:iam::12:role/x'}]\n",
         "accounts.0.role_arn"),
        ("regions: [eu-west-1]\naccounts: [{name: a}, {name: a}]\n", "must be unique: a"),
        ("regions: [eu-west-1]\naccounts: [{name: a, colour: red}]\n", "accounts.0.colour"),
        ("regions: [eu-west-1]\nmax_concurrency: 0\naccounts: [{name: a}]\n", "max_concurrency"),
        ("- a\n", "expected a mapping"),
        ("regions: [\n", "line"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_clear_message(text: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_accounts(text, source="accounts.yaml")
    assert message in str(err.value)
    assert str(err.value).startswith("accounts.yaml")


def test_organizations_adds_active_unlisted_unexcluded_accounts() -> None:
    config = parse_accounts(
        f"regions: [eu-west-1, us-east-1]\n"
        f"accounts: [{{name: prod, role_arn: '{ROLE}', regions: [eu-west-1]}}]\n"
        "organizations: {role_name: aiops-audit, exclude: ['444444444444']}\n"
    )
    org = [
        OrgAccount("111111111111", "prod", "ACTIVE"),  # listed: kept as listed
        OrgAccount("222222222222", "prod", "ACTIVE"),  # same name: made unique by its id
        OrgAccount("333333333333", "closing", "SUSPENDED"),
        OrgAccount("444444444444", "sandbox", "ACTIVE"),
    ]
    found = targets(config, lambda: org)
    assert [(t.name, t.account_id, t.regions) for t in found] == [
        ("prod", "111111111111", ("eu-west-1",)),
        ("prod-222222222222", "222222222222", ("eu-west-1", "us-east-1")),
    ]
    assert found[1].role_arn == "arn:aws:iam::222222222222:role/aiops-audit"
