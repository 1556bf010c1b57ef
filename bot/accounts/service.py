"""Load ``accounts.yaml``, turn it (and AWS Organizations, when asked) into the accounts to
read, and run one read across them: the ``Fleet``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from bot.accounts.models import AccountsFile
from bot.config import Settings
from bot.configfile import load_yaml_mapping, read_text, validate_model
from bot.errors import UpstreamUnavailable, UserError
from integrations.aws.accounts import (
    AccountSessions,
    AccountTarget,
    OrgAccount,
    Outcome,
    Reach,
    Work,
    describe_error,
    fan_out,
)
from integrations.aws.errors import AwsError, AwsNotFound

log = logging.getLogger(__name__)
T = TypeVar("T")

HINT = "check AIOPS_ACCOUNTS_FILE (the format is in examples/config/accounts.yaml)"


def parse_accounts(text: str, *, source: str = "accounts.yaml") -> AccountsFile:
    raw = load_yaml_mapping(text, source=source, expected="a mapping with `regions:` and "
                            "`accounts:` or `organizations:`")  # fmt: skip
    return validate_model(AccountsFile, raw, source=source)


def load_accounts(path: Path) -> AccountsFile:
    return parse_accounts(read_text(path, what="accounts file", hint=HINT), source=str(path))


def targets(
    config: AccountsFile, organization: Callable[[], list[OrgAccount]] | None = None
) -> list[AccountTarget]:
    """The listed accounts, then (with ``organizations:``) every other ACTIVE account the
    organization lists, reached through the conventional role name."""
    out = [
        AccountTarget(
            name=a.name,
            regions=tuple(a.regions or config.regions),
            role_arn=a.role_arn,
            external_id=a.external_id,
            session_name=a.session_name,
            fix_role_arn=a.fix_role_arn,
        )
        for a in config.accounts
    ]
    org = config.organizations
    if org is None or organization is None:
        return out
    known = {t.account_id for t in out} | set(org.exclude)
    names = {t.name for t in out}
    for account in organization():
        if account.status != "ACTIVE" or account.id in known:
            continue
        name = account.name if account.name not in names else f"{account.name}-{account.id}"
        out.append(
            AccountTarget(
                name=name,
                regions=tuple(config.regions),
                role_arn=f"arn:aws:iam::{account.id}:role/{org.role_name}",
                external_id=org.external_id,
                fix_role_arn=(
                    f"arn:aws:iam::{account.id}:role/{org.fix_role_name}"
                    if org.fix_role_name
                    else None
                ),
            )
        )
        names.add(name)
    return out


@dataclass(frozen=True)
class Fleet:
    """The accounts a command reads and how: sessions (roles assumed, clients cached) and a
    cap on concurrent reads."""

    sessions: AccountSessions
    targets: tuple[AccountTarget, ...]
    max_workers: int = 8

    @property
    def several(self) -> bool:
        """More than one account or region: listings and findings then name theirs."""
        return len(self.targets) > 1 or any(len(t.regions) > 1 for t in self.targets)

    def only(self, account: str | None) -> Fleet:
        """The fleet narrowed to one account by name or id (``None`` / ``all``: every one)."""
        if account is None or account.lower() == "all":
            return self
        kept = tuple(t for t in self.targets if account in (t.name, t.account_id))
        if not kept:
            names = ", ".join(t.name for t in self.targets)
            raise UserError(f"no account {account!r} in the accounts file", hint=f"one of: {names}")
        return replace(self, targets=kept)

    def fixing(self, account: str, region: str) -> tuple[AccountTarget, str]:
        """Where an approved fix for a finding of ``account`` (name or id) and ``region``
        runs: the account's fix role (``fixing``) and the region; ``global`` (IAM, S3) is the
        account's first region. A place the file does not list is a ``UserError``."""
        found = [t for t in self.targets if account in (t.name, t.account_id)]
        if not found:
            names = ", ".join(t.name for t in self.targets)
            raise UserError(f"no account {account!r} in the accounts file", hint=f"one of: {names}")
        target = found[0]
        if region == "global":
            region = target.regions[0]
        if region not in target.regions:
            raise UserError(
                f"account {target.name} is not read in {region}",
                hint=f"its regions: {', '.join(target.regions)}",
            )
        return target.fixing(), region

    def run(self, work: Work[T], *, reach: Reach = "regional") -> list[Outcome[T]]:
        return fan_out(self.sessions, self.targets, work, reach=reach, max_workers=self.max_workers)


def build_fleet(
    config: AccountsFile,
    sessions: AccountSessions,
    organization: Callable[[], list[OrgAccount]] | None = None,
) -> Fleet:
    try:
        found = targets(config, organization)
    except (AwsError, AwsNotFound) as exc:
        raise UpstreamUnavailable(
            f"AWS Organizations could not list the accounts ({describe_error(exc)})",
            hint="the bot's credentials must be in the management (or a delegated) account",
        ) from None
    if not found:
        raise UserError("the accounts file names no account to read", hint=HINT)
    log.info("reading %d accounts", len(found))
    return Fleet(sessions, tuple(found), config.max_concurrency)


def errors(outcomes: Sequence[Outcome[T]]) -> list[str]:
    return [o.line for o in outcomes if o.error is not None]


def configured_fleet(settings: Settings) -> Fleet | None:
    """The fleet ``AIOPS_ACCOUNTS_FILE`` describes, or None when it is not set (one account:
    the configured credentials and region, unchanged)."""
    if settings.aiops_accounts_file is None:
        return None
    config = load_accounts(settings.aiops_accounts_file)
    sessions = AccountSessions.default(
        settings.aws_region, settings.aws_endpoint_url, settings.aiops_aws_gaps_endpoint_url
    )
    return build_fleet(config, sessions, sessions.organization_accounts)
