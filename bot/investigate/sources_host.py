"""What ``LiveEvidence`` gives the read mixins it is built from (``AwsInventory``,
``AwsHealthReads``): the per-investigation memo, the AWS clients and the resource map."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from integrations.aws.session import AwsClients

T = TypeVar("T")


class LiveHost:
    _reverse: dict[str, str]

    def _once(self, key: str, load: Callable[[], T]) -> T:
        raise NotImplementedError

    def _need_aws(self) -> AwsClients:
        raise NotImplementedError

    def _resources(self, kind: str) -> list[tuple[str, str | None]]:
        raise NotImplementedError
