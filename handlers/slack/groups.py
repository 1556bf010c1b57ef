"""Slack user groups for ``bot.teams.directory``: who is in which group (``usergroups.list``
with ``include_users``), cached for a minute so a burst of commands makes one call."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import UpstreamUnavailable

TTL_S = 60.0


class SlackGroups:
    def __init__(self, client: WebClient, ttl_s: float = TTL_S) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._cached: tuple[float, Mapping[str, frozenset[str]]] | None = None

    def __call__(self) -> Mapping[str, frozenset[str]]:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached[0] < self.ttl_s:
                return self._cached[1]
        try:
            resp = self.client.usergroups_list(include_users=True)
        except SlackApiError as exc:
            raise UpstreamUnavailable(f"usergroups.list: {exc.response.get('error')}") from None
        groups = {
            str(g["id"]): frozenset(str(u) for u in g.get("users") or [])
            for g in resp.get("usergroups") or []
        }
        with self._lock:
            self._cached = (time.monotonic(), groups)
        return groups
