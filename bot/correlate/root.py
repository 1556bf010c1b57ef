"""Root-cause alert: the alert of the most upstream failing service, not the first to arrive.

A failing service is *upstream-most* when none of the services it depends on (transitively) is
failing in the same group. Among several such services, the one that explains most of the
group's failing services wins (most failing dependents), then the one whose first alert came
first. The root alert is that service's first alert. Alerts without a service only win when no
alert in the group names one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.correlate.models import AlertRef
from bot.topology import Topology


@dataclass(frozen=True)
class Member:
    id: AlertRef
    service: str | None
    seq: int  # arrival order


def choose_root(members: Sequence[Member], topology: Topology, depth: int = 4) -> AlertRef | None:
    if not members:
        return None
    first_by_service: dict[str, Member] = {}
    for m in sorted(members, key=lambda m: m.seq):
        if m.service and m.service not in first_by_service:
            first_by_service[m.service] = m
    if not first_by_service:
        return min(members, key=lambda m: m.seq).id
    return root_of_services(first_by_service, topology, depth)


def root_of_services(
    first_by_service: dict[str, Member], topology: Topology, depth: int = 4
) -> AlertRef:
    """Same rule, given each failing service's first alert (cost: services, not alerts)."""
    failing = set(first_by_service)
    best: tuple[int, int, int] | None = None
    best_service = ""
    for service, first in first_by_service.items():
        upstream = topology.upstream(service, depth)
        blocked = 1 if upstream & failing else 0
        explains = len(topology.downstream(service, depth) & failing)
        rank = (blocked, -explains, first.seq)
        if best is None or rank < best:
            best, best_service = rank, service
    return first_by_service[best_service].id
