"""The evidence port over the real clients: boto3 (through ``integrations.aws``), the
Kubernetes ApiClient (through ``integrations.kubernetes``) and stored change events.

Inventory reads (instances, groups, functions…) are memoised for the life of one
``LiveEvidence`` (build one per investigation), so parallel primitives do not repeat them.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.clock import Clock
from bot.investigate.cloudtrail_kinds import cloudtrail_kind
from bot.investigate.context import Topology
from bot.investigate.sources import (
    ChangeRecord,
    ContainerRecord,
    EventRecord,
    MetricRef,
    NodeRecord,
    PodRecord,
    RevisionRecord,
    SeriesData,
)
from bot.investigate.sources_aws_health import AwsHealthReads
from bot.investigate.sources_aws_inventory import AwsInventory
from bot.investigate.sources_logs import LiveLogReads
from integrations.aws import cloudtrail, cloudwatch, rds
from integrations.aws.errors import AwsNotFound
from integrations.aws.session import AwsClients

T = TypeVar("T")
_AWS_FAMILIES = {"changes", "resources", "security", "network"}


class LiveEvidence(AwsInventory, AwsHealthReads, LiveLogReads):
    def __init__(
        self,
        *,
        clock: Clock,
        topology: Topology,
        aws: AwsClients | None,
        k8s: Any | None = None,  # integrations.kubernetes.KubernetesApi
        metric_catalog: Sequence[MetricRef] = (),
        log_sources: Sequence[str] = (),
        id_refs: Mapping[str, str] | None = None,
        stored_changes: Callable[[datetime, datetime], list[ChangeRecord]] | None = None,
        log_router: Any | None = None,  # integrations.logs.LogRouter for file:/loki: sources
        shipped_lookback: timedelta = timedelta(days=7),  # how far back shipped pods are listed
    ) -> None:
        self._router = log_router
        self._lookback = shipped_lookback
        self._clock = clock
        self._topo = topology
        self._aws = aws
        self._k8s = k8s
        self._catalog = list(metric_catalog)
        self._sources = list(log_sources)
        self._refs = dict(id_refs or {})
        self._reverse = {v: k for k, v in self._refs.items()}
        self._stored = stored_changes
        self._memo: dict[str, Any] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- helpers
    def _once(self, key: str, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._memo:
                return self._memo[key]  # type: ignore[no-any-return]
        value = load()
        with self._lock:
            self._memo.setdefault(key, value)
            return self._memo[key]  # type: ignore[no-any-return]

    def in_account(self, aws: AwsClients, topology: Topology | None = None) -> LiveEvidence:
        """The same evidence reading another account's (or region's) AWS clients (and, when
        given, a service graph that names a resource found there), with a memo of its own
        (``bot.investigate.where`` chooses the account)."""
        other = self.fresh()
        other._aws = aws
        other._topo = topology or self._topo
        return other

    def fresh(self) -> LiveEvidence:
        """The same clients with an empty memo: what a long-lived process hands each
        investigation, so that one reads what is there now, not what the first one read."""
        other = copy.copy(self)
        other._memo = {}
        other._lock = threading.Lock()
        return other

    @property
    def aws_clients(self) -> AwsClients | None:
        """The AWS clients this evidence reads (commands that read AWS beside it reuse them)."""
        return self._aws

    @property
    def k8s_api(self) -> Any | None:
        """The Kubernetes API this evidence reads, or None without a cluster."""
        return self._k8s

    def _need_aws(self) -> AwsClients:
        if self._aws is None:
            raise RuntimeError("no AWS clients configured")
        return self._aws

    def _resources(self, kind: str) -> list[tuple[str, str | None]]:
        return [(n.resource, n.namespace) for n in self._topo.services.values() if n.kind == kind]

    # ---------------------------------------------------------------- port
    def now(self) -> datetime:
        return self._clock.now()

    def metric_catalog(self) -> list[MetricRef]:
        return list(self._catalog)

    def read_metric(self, ref: MetricRef, start: datetime, end: datetime) -> SeriesData:
        dims = {k: self._refs.get(v, v) for k, v in ref.dimensions.items()}
        query = cloudwatch.MetricQuery(
            namespace=ref.namespace,
            name=ref.name,
            start=start,
            end=end,
            dimensions=dims,
            stat=ref.stat,
            period_seconds=max(60, ref.period_s),
        )
        series = cloudwatch.read_series(self._need_aws().cloudwatch, query)
        return SeriesData(ref, list(series.timestamps), [float(v) for v in series.values])

    def changes(self, start: datetime, end: datetime) -> list[ChangeRecord]:
        out: list[ChangeRecord] = []
        if self._aws is not None:
            for ev in cloudtrail.lookup_changes(self._aws.cloudtrail, start, end):
                detail = {
                    k: self._reverse.get(v, v) if isinstance(v, str) else v
                    for k, v in ev.parameters.items()
                }
                names = " ".join([*(n for _, n in ev.resources), *map(str, detail.values())])
                service = self._topo.owner_of_text(self._reverse.get(names, names))
                if service is None:  # a parameter group names no instance: look it up
                    groups = self._rds_groups()
                    service = next(
                        (groups[v] for v in detail.values() if isinstance(v, str) and v in groups),
                        None,
                    )
                if service is None and "DBParameterGroup" in ev.event_name:
                    service = self._rds_by_group_name(str(detail.get("parameter_group", "")))
                if service is None:  # an RDS-managed secret (rds!db-…) names no instance
                    service = self._rds_by_secret([*ev.parameters.values(), *detail.values()])
                kind = cloudtrail_kind(ev.event_name, detail)
                out.append(
                    ChangeRecord(
                        ev.at,
                        kind,
                        service,
                        "cloudtrail",
                        None,
                        None,
                        ev.username,
                        ev.event_name,
                        detail,
                    )
                )
        if self._stored is not None:
            out.extend(self._stored(start, end))
        return sorted(out, key=lambda c: c.at)

    def _rds_described(self) -> dict[str, rds.DbInstance]:
        """Each RDS service's instance as DescribeDBInstances reports it (read once)."""

        def load() -> dict[str, rds.DbInstance]:
            out: dict[str, rds.DbInstance] = {}
            for node in self._topo.services.values():
                if node.kind != "rds":
                    continue
                try:
                    out[node.name] = rds.describe(self._need_aws().rds, node.resource)
                except AwsNotFound:
                    continue
            return out

        return self._once("rds_described", load)

    def _rds_groups(self) -> dict[str, str]:
        """Parameter group name -> the service whose RDS instance uses it."""
        return {
            group: service
            for service, db in self._rds_described().items()
            for group in db.parameter_groups
        }

    def _rds_by_secret(self, values: Sequence[object]) -> str | None:
        """The RDS service whose master password secret (ManageMasterUserPassword: RDS keeps it
        in Secrets Manager as ``rds!db-<id>``, DescribeDBInstances' ``MasterUserSecret``) one of
        ``values`` names, by ARN or by name (the ARN less its random 6-character suffix)."""
        texts = {v for v in values if isinstance(v, str) and v}
        for service, db in self._rds_described().items() if texts else ():
            arn = db.master_secret_arn or ""
            name = arn.split(":secret:", 1)[-1]
            if arn and texts & {arn, name, name.rsplit("-", 1)[0]}:
                return service
        return None

    def _rds_by_group_name(self, group: str) -> str | None:
        """A parameter group that no instance reports (renamed, or not yet attached): the RDS
        service when there is one, else the one sharing the longest name prefix (>= 3)."""
        rds_nodes = [n for n in self._topo.services.values() if n.kind == "rds"]
        if len(rds_nodes) == 1:
            return rds_nodes[0].name
        best, best_len = None, 2
        for node in rds_nodes:
            common = len(os.path.commonprefix([node.resource, group]))
            if common > best_len:
                best, best_len = node.name, common
        return best

    def unavailable(self, family: str) -> str | None:
        if family == "k8s" and self._k8s is None:
            return "Kubernetes not configured (set KUBECONFIG)"
        if family in _AWS_FAMILIES and self._aws is None:
            return "AWS not configured (set AWS credentials and AWS_REGION)"
        # a scan over an empty list looks at nothing: say so rather than "ok, 0 found"
        if family == "metrics" and not self._catalog:
            return "metrics not configured (no metric catalogue to scan)"
        if family == "logs" and not self._sources and not self._lists_shipped_pods():
            return "logs not configured (no log sources to read)"
        if family == "topology" and not self._topo.services:
            return "service graph not configured (set AIOPS_TOPOLOGY_FILE)"
        return None

    def pods(self, namespace: str, owner: str | None = None) -> list[PodRecord]:
        if self._k8s is None:
            return []
        selector = field = None
        if owner:
            from integrations.kubernetes import K8sNotFound

            try:
                dep = self._k8s.get_deployment(namespace, owner)
                selector = ",".join(f"{k}={v}" for k, v in dep.selector.items()) or f"app={owner}"
            except K8sNotFound:  # no such deployment: a bare pod of that name, else app=<owner>
                field = f"metadata.name={owner}"
        items = self._k8s.list_pods(namespace, selector, field)
        if field and not items:
            items = self._k8s.list_pods(namespace, f"app={owner}")
        out = []
        for p in items:
            containers = [
                ContainerRecord(
                    c.name,
                    c.ready,
                    c.restarts,
                    c.waiting_reason,
                    None,
                    c.last_terminated_reason,
                    c.last_exit_code,
                    c.last_terminated_at,
                    c.limits.get("memory"),
                    c.image,
                    waiting_message=c.waiting_message,
                )
                for c in p.containers
            ]
            out.append(PodRecord(p.namespace, p.name, owner, p.phase, p.node, containers))
        return out

    def k8s_events(self, namespace: str) -> list[EventRecord]:
        if self._k8s is None:
            return []
        return [
            EventRecord(
                e.namespace,
                e.object_kind,
                e.object_name,
                e.type,
                e.reason,
                e.message,
                e.count,
                e.last_seen,
            )
            for e in self._k8s.events(namespace)
        ]

    def deployment_revisions(self, namespace: str, name: str) -> list[RevisionRecord]:
        if self._k8s is None:
            return []
        return [
            RevisionRecord(r.revision, r.image, dict(r.env), r.created)
            for r in self._k8s.list_revisions(namespace, name)
        ]

    def deployment_replicas(self, namespace: str, name: str) -> int | None:
        if self._k8s is None:
            return None
        return int(self._k8s.get_deployment(namespace, name).replicas)

    def nodes(self, names: Sequence[str]) -> list[NodeRecord]:
        if self._k8s is None:
            return []
        wanted = set(names)
        out = []
        for node in self._once("k8s:nodes", self._k8s.list_nodes):
            if wanted and node.name not in wanted:
                continue
            placed = self._k8s.pods_on_node(node.name)
            pods = sum(1 for p in placed if p.phase not in ("Succeeded", "Failed"))
            limit = node.allocatable.get("pods")
            out.append(
                NodeRecord(
                    name=node.name,
                    ready=node.ready,
                    pressures=tuple(
                        sorted(k for k, v in node.conditions.items() if v and k != "Ready")
                    ),
                    unschedulable=node.unschedulable,
                    pods=pods,
                    allocatable_pods=int(limit) if limit and limit.isdigit() else None,
                    allocatable_cpu=node.allocatable.get("cpu"),
                    allocatable_memory=node.allocatable.get("memory"),
                )
            )
        return out
