"""Which service an entity label names: pods, replicas and detector entities → services.

Anomaly detectors label alerts with what they watched (a pod ``cartservice-7d9f8c6b5-x2x7q``, a
replica ``cartservice-1`` or ``cartservice2-0``, a container, a ``caller``/``callee`` of a traced
call), not with the service the topology knows. The mapping is structural and knows no names:

1. lower-case; drop a port or a container suffix (``pod:8080``, ``pod/app``);
2. strip the suffixes Kubernetes adds: a ReplicaSet hash and pod id (``-7d9f8c6b5-x2x7q``), a
   StatefulSet ordinal (``-0``);
3. the known service the rest names exactly, else the one it names once a replica or shard tag
   (trailing digits, after an optional ``-``/``_``) is dropped;
4. when the first part names nothing known, the next: a pod after its namespace
   (``shop/orders-5f7c9d8b4-k2m9x``), a pod's DNS name (``orders-0.orders.shop.svc.cluster.local``
   names ``orders-0``).

Unknown entities map to ``None`` (they never invent a service).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: ``<name>-<replicaset hash>-<pod id>``: a 5-10 character hash holding a digit, then a
#: 5 character id.
_POD_HASH = re.compile(r"-(?=[a-z]*\d)[a-z0-9]{5,10}-[a-z0-9]{5}$")
_ORDINAL = re.compile(r"-\d+$")
_NUMERIC = re.compile(r"^[\d.]+$")  # an IPv4 address is not a DNS name
_CACHE_MAX = 50_000


def entity_base(value: str) -> str:
    """``value`` without a port, a container part and the pod/replica suffixes Kubernetes adds."""
    return _base(_parts(value.strip().lower())[0])


def _base(text: str) -> str:
    return _ORDINAL.sub("", _POD_HASH.sub("", text))


def _parts(text: str) -> list[str]:
    """The names an entity label holds, most specific first: itself when it is a URL, else each
    ``/``-separated part without its port, and a DNS name's first label."""
    if "://" in text:
        return [text]
    out: list[str] = []
    for part in text.split("/"):
        if part.count(":") == 1:
            part = part.split(":", 1)[0]
        if not part:
            continue
        out.append(part)
        head = part.split(".", 1)[0]
        if head != part and not _NUMERIC.match(part):
            out.append(head)
    return out or [text]


class EntityMap:
    """Maps entity labels to known services; results are cached per value."""

    def __init__(self, services: Iterable[str] = ()) -> None:
        self._known: dict[str, str] = {}
        self._cache: dict[str, str | None] = {}
        self.learn(services)

    def learn(self, services: Iterable[str]) -> None:
        """Add services (from the topology or seen on alerts); clears stale misses."""
        added = False
        for service in services:
            if service and service.lower() not in self._known:
                self._known[service.lower()] = service
                added = True
        if added:
            self._cache = {k: v for k, v in self._cache.items() if v is not None}

    def service_of(self, value: str | None) -> str | None:
        if not value:
            return None
        if value in self._cache:
            return self._cache[value]
        found = self._lookup(value)
        if len(self._cache) >= _CACHE_MAX:  # pod names churn: never grow without bound
            self._cache.clear()
        self._cache[value] = found
        return found

    def _lookup(self, value: str) -> str | None:
        whole = value.strip().lower()
        if whole in self._known:
            return self._known[whole]
        for part in _parts(whole):
            base = _base(part)
            tagless = base.rstrip("0123456789")  # ``cart2`` -> ``cart``; ``cart_2`` -> ``cart_``
            for text in (part, base, tagless, tagless.rstrip("-_")):
                if text and text in self._known:
                    return self._known[text]
        return None
