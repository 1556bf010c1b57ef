"""``accounts.yaml`` is validated into ``AccountsFile``: a bad file gets one message naming the
key, and Organizations' accounts are added to the listed ones without doubling any."""

from __future__ import annotations

import boto3
import pytest

from bot.accounts.service import Fleet, parse_accounts, targets
from bot.errors import UserError
from integrations.aws.accounts import AccountSessions, OrgAccount

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


def test_a_fix_runs_with_the_accounts_fix_role_in_a_region_it_is_read_in() -> None:
    config = parse_accounts(
        f"regions: [eu-west-1, us-east-1]\n"
        f"accounts: [{{name: prod, role_arn: '{ROLE}',"
        " fix_role_arn: 'arn:aws:iam::111111111111:role/aiops-fix'}, {name: home}]\n"
        "organizations: {role_name: aiops-audit, fix_role_name: aiops-fix}\n"
    )
    found = targets(config, lambda: [OrgAccount("222222222222", "dev", "ACTIVE")])
    fleet = Fleet(AccountSessions(boto3.Session(region_name="eu-west-1")), tuple(found))
    prod, region = fleet.fixing("111111111111", "global")  # by id; global: the first region
    assert (prod.name, prod.role_arn, region) == (
        "prod#fix",
        "arn:aws:iam::111111111111:role/aiops-fix",
        "eu-west-1",
    )  # a session of its own, apart from the reads'
    dev, _ = fleet.fixing("dev", "us-east-1")
    assert dev.role_arn == "arn:aws:iam::222222222222:role/aiops-fix"
    home, _ = fleet.fixing("home", "eu-west-1")
    assert home.role_arn is None and home.name == "home"  # the bot's own credentials
    with pytest.raises(UserError, match="not read in ap-south-1"):
        fleet.fixing("prod", "ap-south-1")
    with pytest.raises(UserError, match="no account 'qa'"):
        fleet.fixing("qa", "eu-west-1")
