"""Build the boto3 clients the bot uses, from a region and optional endpoints."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=20
)


def _no_account_host(client: Any, endpoint_url: str) -> None:
    """S3 Control puts the account id in the host name (``ACCOUNT.s3-control.…``), also in
    front of a custom endpoint's host. A host that is an IP address or ``localhost`` (a local
    AWS such as the sandbox) cannot take that prefix: the request goes to the host as given,
    with the account in its ``x-amz-account-id`` header, as S3 itself falls back to path-style
    for an IP endpoint."""
    host = urlsplit(endpoint_url).hostname or ""
    if host != "localhost" and not _is_ip(host):
        return

    def drop_prefix(request: Any, **_: Any) -> None:
        account = request.headers.get("x-amz-account-id")
        account = account.decode() if isinstance(account, bytes) else account
        parts = urlsplit(request.url)
        if account and parts.netloc.startswith(f"{account}."):
            request.url = urlunsplit(parts._replace(netloc=parts.netloc[len(account) + 1 :]))

    client.meta.events.register("before-sign.s3-control", drop_prefix)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


#: boto3 sessions are not safe for concurrent client creation; lazy clients make theirs here
_CREATE = threading.Lock()


class LazyClient:
    """A boto3 client made on first use: making one costs tens of milliseconds, and a read
    across many accounts and regions uses a few of the sixteen services."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            with _CREATE:
                if self._client is None:
                    self._client = self._make()
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


CE_REGION = "us-east-1"  # Cost Explorer answers there for every region's spend


@dataclass(frozen=True)
class AwsClients:
    """One client per service. ``cloudtrail``, ``cloudwatch_history``, ``guardduty``,
    ``inspector2`` and ``config`` go to ``gaps_url`` when one is given (the sandbox serves
    those calls on a separate endpoint)."""

    region: str
    cloudwatch: Any
    cloudwatch_history: Any
    cloudtrail: Any
    logs: Any
    ec2: Any
    s3: Any
    rds: Any
    lambda_: Any
    ecs: Any
    iam: Any
    autoscaling: Any
    cloudfront: Any
    acm: Any
    elbv2: Any
    cloudformation: Any
    # the security services (served by the sandbox's gap endpoint too)
    guardduty: Any = None
    inspector2: Any = None
    config: Any = None
    ce: Any = None  # Cost Explorer (one global endpoint, in us-east-1)
    s3control: Any = None  # the account's S3 Block Public Access


def make_clients(
    region: str,
    endpoint_url: str | None = None,
    *,
    gaps_url: str | None = None,
    session: boto3.Session | None = None,
    lazy: bool = False,
    on_client: Callable[[Any], None] | None = None,
) -> AwsClients:
    """Clients for ``region``; ``endpoint_url`` points them at a local AWS (the sandbox).
    ``lazy``: each client is made on first use (``LazyClient``); ``on_client`` sees each
    client made (a call counter hooks its events there)."""
    session = session or boto3.Session(region_name=region)

    def make(name: str, url: str | None, where: str) -> Any:
        made = session.client(name, region_name=where, endpoint_url=url, config=_CONFIG)
        if name == "s3control" and url:
            _no_account_host(made, url)
        if on_client is not None:
            on_client(made)
        return made

    def client(name: str, url: str | None = endpoint_url, where: str = region) -> Any:
        if lazy:
            return LazyClient(lambda: make(name, url, where))
        return make(name, url, where)

    gaps = gaps_url or endpoint_url
    return AwsClients(
        region=region,
        cloudwatch=client("cloudwatch"),
        cloudwatch_history=client("cloudwatch", gaps),
        cloudtrail=client("cloudtrail", gaps),
        logs=client("logs"),
        ec2=client("ec2"),
        s3=client("s3"),
        rds=client("rds"),
        lambda_=client("lambda"),
        ecs=client("ecs"),
        iam=client("iam"),
        autoscaling=client("autoscaling"),
        cloudfront=client("cloudfront"),
        acm=client("acm"),
        elbv2=client("elbv2"),
        cloudformation=client("cloudformation"),
        guardduty=client("guardduty", gaps),
        inspector2=client("inspector2", gaps),
        config=client("config", gaps),
        ce=client("ce", where=CE_REGION),
        s3control=client("s3control"),
    )
