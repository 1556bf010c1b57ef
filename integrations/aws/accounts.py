"""Several AWS accounts and regions from one process.

Each account is reached through ``sts:AssumeRole`` on its role (or, without a role, through the
process's own credentials). The assumed credentials are botocore ``RefreshableCredentials``, so
a long audit renews them before they expire. Clients are cached per (account, region) and the
fan-out runs a bounded number of (account, region) reads at once; a failure — a role that
cannot be assumed, an AccessDenied in one region — becomes an error line for that account or
region, and the others go on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, TypeVar

import boto3
import botocore.session
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from integrations.aws.errors import aws_errors
from integrations.aws.session import AwsClients, make_clients

log = logging.getLogger(__name__)
T = TypeVar("T")

#: regional: every region of every account; global: once per account (IAM, S3 listings)
Reach = Literal["regional", "global"]


@dataclass(frozen=True)
class AccountTarget:
    """One account to read: its display name, the role to assume (None: the process's own
    credentials) and the regions to read in."""

    name: str
    regions: tuple[str, ...]
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str = "aiops"
    duration_seconds: int = 3600
    fix_role_arn: str | None = None  # the role approved fixes run with (None: ``role_arn``)

    @property
    def account_id(self) -> str | None:
        parts = (self.role_arn or "").split(":")
        return parts[4] if len(parts) > 5 and parts[4] else None

    def fixing(self) -> AccountTarget:
        """The account as an approved fix reaches it: through ``fix_role_arn`` when it has
        one (a session of its own, named apart from the reads'), else as it is read."""
        if self.fix_role_arn is None:
            return self
        return replace(self, name=f"{self.name}#fix", role_arn=self.fix_role_arn)


@dataclass(frozen=True)
class OrgAccount:
    id: str
    name: str
    status: str


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one (account, region) read gave: a value, or the reason it could not."""

    account: str
    region: str
    value: T | None = None
    error: str | None = None

    @property
    def line(self) -> str:
        """The error as one line naming where (``prod eu-west-1: AccessDenied: …``)."""
        where = self.account if self.region == "*" else f"{self.account} {self.region}"
        return f"{where}: {self.error}"


class RoleNotAssumed(RuntimeError):
    """An account's role could not be assumed; the message names the role and STS's reason."""

    def __init__(self, role_arn: str | None, reason: str) -> None:
        super().__init__(f"cannot assume {role_arn} ({reason})")
        self.role_arn, self.reason = role_arn, reason


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Unknown')}: {error.get('Message', '')}".strip()
    return str(exc) or type(exc).__name__


def organization_accounts(client: Any) -> list[OrgAccount]:
    """Every account AWS Organizations lists (``organizations:ListAccounts``, paginated); an
    error or an unreachable endpoint is an ``AwsError`` (``integrations.aws.errors``)."""
    out = []
    with aws_errors("the organization's accounts", unreachable=True):
        for page in client.get_paginator("list_accounts").paginate():
            for raw in page.get("Accounts", []):
                out.append(OrgAccount(raw["Id"], raw.get("Name", raw["Id"]), raw.get("Status", "")))
    return out


class AccountSessions:
    """boto3 sessions per account (role assumed once, refreshed by botocore) and clients
    per (account, region, service), each made on first use. ``on_client`` sees every client
    made (a call counter hooks here)."""

    def __init__(
        self,
        base: boto3.Session,
        *,
        endpoint_url: str | None = None,
        gaps_url: str | None = None,
        on_client: Callable[[Any], None] | None = None,
    ) -> None:
        self.base = base
        self.endpoint_url = endpoint_url
        self.gaps_url = gaps_url
        self.on_client = on_client
        self._sessions: dict[str, boto3.Session] = {}
        self._refused: dict[str, RoleNotAssumed] = {}
        self._clients: dict[tuple[str, str], AwsClients] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @classmethod
    def default(
        cls, region: str, endpoint_url: str | None = None, gaps_url: str | None = None
    ) -> AccountSessions:
        """Over the process's own credentials (the default boto3 chain) in ``region``."""
        return cls(boto3.Session(region_name=region), endpoint_url=endpoint_url, gaps_url=gaps_url)

    def organization_accounts(self) -> list[OrgAccount]:
        """The accounts of the organization the process's own credentials belong to."""
        with self._lock:
            client = self.base.client("organizations", endpoint_url=self.endpoint_url)
        return organization_accounts(client)

    def _account_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(name, threading.Lock())

    def _sts(self) -> Any:
        with self._lock:  # a boto3 session is not safe for concurrent client creation
            client = self.base.client("sts", endpoint_url=self.endpoint_url)
        if self.on_client is not None:
            self.on_client(client)
        return client

    def session(self, target: AccountTarget) -> boto3.Session:
        """The account's session; assumes its role on first use (a refusal is ``RoleNotAssumed``,
        raised again later without asking STS twice)."""
        with self._account_lock(target.name):
            if target.name in self._refused:
                raise self._refused[target.name]
            if target.name not in self._sessions:
                try:
                    self._sessions[target.name] = self._open(target)
                except (ClientError, BotoCoreError, ValueError) as exc:
                    refused = RoleNotAssumed(target.role_arn, describe_error(exc))
                    self._refused[target.name] = refused
                    raise refused from exc
            return self._sessions[target.name]

    def _open(self, target: AccountTarget) -> boto3.Session:
        if target.role_arn is None:
            return self.base
        sts = self._sts()
        request: dict[str, Any] = {
            "RoleArn": target.role_arn,
            "RoleSessionName": target.session_name,
            "DurationSeconds": target.duration_seconds,
        }
        if target.external_id:
            request["ExternalId"] = target.external_id

        def fetch() -> dict[str, str]:
            creds = sts.assume_role(**request)["Credentials"]
            log.info("assumed %s for account %s", target.role_arn, target.name)
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        credentials = RefreshableCredentials.create_from_metadata(
            metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
        )
        core = botocore.session.get_session()
        core._credentials = credentials  # the documented way to hand botocore refreshable creds
        # share the base session's loaded service models instead of reading them again
        core.register_component("data_loader", self.base._session.get_component("data_loader"))
        return boto3.Session(botocore_session=core, region_name=self.base.region_name)

    def clients(self, target: AccountTarget, region: str) -> AwsClients:
        session = self.session(target)
        key = (target.name, region)
        with self._account_lock(target.name):
            if key not in self._clients:
                self._clients[key] = make_clients(
                    region,
                    self.endpoint_url,
                    gaps_url=self.gaps_url,
                    session=session,
                    lazy=True,  # made per service on first use, then cached
                    on_client=self.on_client,
                )
            return self._clients[key]


Work = Callable[[AwsClients, AccountTarget, str], T]


def fan_out(
    sessions: AccountSessions,
    targets: Sequence[AccountTarget],
    work: Work[T],
    *,
    reach: Reach = "regional",
    max_workers: int = 8,
) -> list[Outcome[T]]:
    """``work(clients, account, region)`` for every account and region (``reach="global"``:
    each account's first region only), at most ``max_workers`` at once. An account whose role
    cannot be assumed gives one outcome with region ``*``; nothing raised escapes."""
    pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="aws-fanout")
    with pool:
        opened = list(pool.map(lambda t: _open_or_error(sessions, t), targets))
        planned: list[Outcome[T] | Future[Outcome[T]]] = []
        for target, error in zip(targets, opened, strict=True):
            if error is not None:
                planned.append(Outcome(target.name, "*", error=error))
                continue
            for region in target.regions[:1] if reach == "global" else target.regions:
                planned.append(pool.submit(_guarded, sessions, target, region, work))
        return [p if isinstance(p, Outcome) else p.result() for p in planned]


def _open_or_error(sessions: AccountSessions, target: AccountTarget) -> str | None:
    try:
        sessions.session(target)
    except RoleNotAssumed as exc:
        log.warning("account %s: %s", target.name, exc)
        return str(exc)
    return None


def _guarded(
    sessions: AccountSessions, target: AccountTarget, region: str, work: Work[T]
) -> Outcome[T]:
    try:
        return Outcome(
            target.name, region, value=work(sessions.clients(target, region), target, region)
        )
    except Exception as exc:  # one account or region must not stop the others
        log.info("%s %s: %s", target.name, region, exc, exc_info=True)
        return Outcome(target.name, region, error=describe_error(exc))
