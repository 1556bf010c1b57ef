"""``accounts.yaml``: the AWS accounts and regions the audits and the inventory read.

Each account names a role the bot assumes (``sts:AssumeRole``); or ``organizations`` lists the
accounts (``organizations:ListAccounts``) and the same role name is assumed in each.
"""

from __future__ import annotations

import re

from pydantic import Field, model_validator

from bot.configfile import FrozenModel

_REGION = r"^[a-z]{2}(-[a-z]+)+-\d$"
_ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
_ROLE_NAME = r"^[\w+=,.@/-]{1,64}$"


class Account(FrozenModel):
    """One account. Without ``role_arn`` the bot's own credentials read it (its home account)."""

    name: str = Field(min_length=1, pattern=r"^[\w.-]+$")
    role_arn: str | None = Field(default=None, pattern=_ROLE_ARN)
    # the role an approved fix in this account runs with (default: ``role_arn``)
    fix_role_arn: str | None = Field(default=None, pattern=_ROLE_ARN)
    external_id: str | None = Field(default=None, min_length=2, max_length=1224)
    session_name: str = Field(default="aiops", min_length=2)
    regions: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _regions(self) -> Account:
        _check_regions(self.regions)
        return self


class Organizations(FrozenModel):
    """Discover the accounts: every ACTIVE account the organization lists, read through the
    role ``role_name`` (e.g. ``OrganizationAccountAccessRole`` or a read-only role of yours)."""

    role_name: str = Field(pattern=_ROLE_NAME)
    fix_role_name: str | None = Field(default=None, pattern=_ROLE_NAME)
    external_id: str | None = Field(default=None, min_length=2, max_length=1224)
    exclude: list[str] = Field(default_factory=list, description="account ids to skip")


class AccountsFile(FrozenModel):
    regions: list[str] = Field(min_length=1, description="default regions of every account")
    max_concurrency: int = Field(default=8, ge=1, le=64)
    accounts: list[Account] = Field(default_factory=list)
    organizations: Organizations | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AccountsFile:
        _check_regions(self.regions)
        if not self.accounts and self.organizations is None:
            raise ValueError("list `accounts:` or set `organizations:` (or both)")
        names = [a.name for a in self.accounts]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"account names must be unique: {', '.join(dup)}")
        return self


def _check_regions(regions: list[str]) -> None:
    bad = [r for r in regions if not re.match(_REGION, r)]
    if bad:
        raise ValueError(f"not an AWS region: {', '.join(bad)} (e.g. eu-west-1)")
    if len(set(regions)) != len(regions):
        raise ValueError("a region is listed twice")
