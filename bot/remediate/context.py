"""Building an ``ActionContext`` for production from settings (AWS session + kubeconfig)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from bot.accounts.service import Fleet, configured_fleet
from bot.clock import SystemClock
from bot.config import Settings
from bot.errors import UserError
from bot.kube import k8s_client
from bot.remediate.models import ActionContext, PreflightFailed
from integrations.aws.accounts import RoleNotAssumed


class ClientFactory:
    """``service -> boto3 client``, one client per service, made on first use."""

    def __init__(self, session: Any, endpoint: str | None, region: str) -> None:
        self._session, self._endpoint, self._region = session, endpoint, region
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def fresh(self, service: str) -> Any:
        return self._session.client(service, region_name=self._region, endpoint_url=self._endpoint)

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._made:
                self._made[service] = self.fresh(service)
            return self._made[service]


def context_from_settings(settings: Settings) -> ActionContext:
    import boto3

    session = boto3.Session(region_name=settings.aws_region)
    fleet: list[Fleet | None] = []  # read on the first fix that names another account

    def configured() -> Fleet | None:
        if not fleet:
            fleet.append(configured_fleet(settings))
        return fleet[0]

    return ActionContext(
        aws=ClientFactory(session, settings.aws_endpoint_url, settings.aws_region),
        k8s=k8s_client(settings),
        clock=SystemClock(),
        places=FleetPlaces(configured),
    )


class FleetPlaces:
    """``Places`` over the accounts file: an approved fix for a finding in another account
    runs with that account's role (its ``fix_role_arn``, else the role it is read with),
    assumed through STS and refreshed like the reads', in the finding's region. Clients are
    cached per (account, region); a place that cannot be reached is ``PreflightFailed``, so
    the request fails before anything runs."""

    def __init__(self, fleet: Callable[[], Fleet | None]) -> None:
        self._fleet = fleet
        self._made: dict[tuple[str, str], ClientFactory] = {}
        self._lock = threading.Lock()

    def __call__(self, account: str, region: str) -> ClientFactory:
        fleet = self._fleet()
        if fleet is None:
            raise PreflightFailed(
                f"the request acts in account {account} ({region}), but no accounts file is read",
                hint="set AIOPS_ACCOUNTS_FILE (docs/accounts.md)",
            )
        try:
            target, where = fleet.fixing(account, region)
        except UserError as exc:
            raise PreflightFailed(exc.message, hint=exc.hint) from None
        with self._lock:
            if (target.name, where) in self._made:
                return self._made[(target.name, where)]
        try:
            session = fleet.sessions.session(target)
        except RoleNotAssumed as exc:
            raise PreflightFailed(f"account {account}: {exc}") from None
        with self._lock:
            return self._made.setdefault(
                (target.name, where), ClientFactory(session, fleet.sessions.endpoint_url, where)
            )
