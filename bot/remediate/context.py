"""Building an ``ActionContext`` for production from settings (AWS session + kubeconfig)."""

from __future__ import annotations

import threading
from typing import Any

from bot.clock import SystemClock
from bot.kube import k8s_client
from bot.remediate.models import ActionContext


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


def context_from_settings(settings: Any) -> ActionContext:
    import boto3

    session = boto3.Session(region_name=settings.aws_region)
    return ActionContext(
        aws=ClientFactory(session, settings.aws_endpoint_url, settings.aws_region),
        k8s=k8s_client(settings),
        clock=SystemClock(),
    )
