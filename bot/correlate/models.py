"""Typed inputs and outputs of the correlator (pure data, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

AlertRef = int | str

#: Label keys that name the same thing (a host, a pod, a resource) under different spellings.
#: Alerts sharing a value of one of these families are about the same object.
IDENTITY_FAMILIES: Mapping[str, str] = {
    "host": "host",
    "hostname": "host",
    "instance": "host",
    "instance_id": "host",
    "nodename": "host",
    "pod": "pod",
    "pod_name": "pod",
    "deployment": "deployment",
    "statefulset": "deployment",
    "daemonset": "deployment",
    "resource": "resource",
    "db_instance": "resource",
    "dbinstanceidentifier": "resource",
    "function": "resource",
    "functionname": "resource",
    "bucket": "resource",
    "bucketname": "resource",
    "queue": "resource",
    "queuename": "resource",
}
ENV_KEYS = ("env", "environment", "stage")
#: Labels naming the two ends of a traced call (the alert is about the call caller -> callee),
#: and the entity (pod, replica, container) a metric or log anomaly was seen on.
CALLER_KEYS = ("caller", "source_service", "source_workload", "client_service")
CALLEE_KEYS = ("callee", "destination_service", "destination_workload", "server_service")
ENTITY_KEYS = ("pod", "pod_name", "entity", "container", "instance")
#: Labels naming what a traced call invoked (``pkg.CartService/GetCart``), and a metric's name.
OPERATION_KEYS = ("operation", "rpc_service", "rpc.service", "span_name", "endpoint")
KPI_KEYS = ("kpi", "metric", "__name__")


def election_weight(name: str) -> float:
    """One weight of ``playbooks/storms/election.yaml`` (loaded and validated on first use)."""
    from bot.correlate.weights import storm_weights  # pydantic and yaml: on first use only

    return float(getattr(storm_weights(), name))


@dataclass(frozen=True)
class CorrelationConfig:
    """``window``: a group accepts related alerts while its last alert is at most this old
    (Alertmanager's group lifetime, without its notification timers)."""

    window: timedelta = timedelta(minutes=60)
    topology_depth: int = 4
    use_topology: bool = True
    use_labels: bool = True
    #: the storm election's weights; the defaults are ``playbooks/storms/election.yaml``
    #: (``bot.correlate.weights``, what each does is said there), explicit values override them
    storm_own_margin: float = field(default_factory=lambda: election_weight("own_margin"))
    storm_lead: timedelta = field(
        default_factory=lambda: timedelta(seconds=election_weight("lead_seconds"))
    )
    storm_early_margin: float = field(default_factory=lambda: election_weight("early_margin"))
    storm_own_weight: float = field(default_factory=lambda: election_weight("own_weight"))
    storm_fan_in_power: float = field(default_factory=lambda: election_weight("fan_in_power"))
    storm_pass_down: float = field(default_factory=lambda: election_weight("pass_down"))
    storm_entity_share: float = field(default_factory=lambda: election_weight("entity_share"))
    #: a storm verdict's confidence is read through ``playbooks/storms/confidence.yaml`` (what
    #: its basis and raw confidence turned out to mean); off gives the rules' raw confidence
    storm_calibrated: bool = True


@dataclass(frozen=True)
class AlertFacts:
    """What the correlator needs to know about one alert."""

    id: AlertRef
    at: datetime
    name: str = ""
    service: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""  # one line (a log-template alert's line): read for the alert's role


@dataclass(frozen=True)
class Placement:
    """Where an alert went: its group, whether the group is new, why, and the current root."""

    key: str
    created: bool
    reason: str  # new | same_service | label:<family> | topology:<service> | known | name
    root_alert: AlertRef
    root_changed: bool
    services: tuple[str, ...]
    merged: tuple[str, ...] = ()  # groups absorbed into ``key`` (now closed and empty)


@dataclass(frozen=True)
class GroupView:
    key: str
    alerts: tuple[AlertRef, ...]
    services: tuple[str, ...]
    root_alert: AlertRef | None
    first_at: datetime
    last_at: datetime
    open: bool
