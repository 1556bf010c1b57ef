"""Evidence read from a loaded scenario in process, without starting the world.

`bot.investigate.sources_live.LiveEvidence` over real clients against the world
(`sandbox/world.py`) is the path the bench, replay and the CLI use; this adapter serves fast
tests of the reasoning. It never sees ``truth`` (the loader drops it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.investigate.reachability import NetworkView, Verdict
from bot.investigate.sources import (
    AsgRecord,
    BucketRecord,
    CertRecord,
    ChangeRecord,
    ContainerRecord,
    Ec2Record,
    EcsServiceRecord,
    EventRecord,
    IamUserRecord,
    IngressRecord,
    LambdaRecord,
    LogRecord,
    MetricRef,
    NodeRecord,
    PodRecord,
    RdsRecord,
    RevisionRecord,
    SeriesData,
)
from bot.investigate.sources_health import (
    ContainerExitRecord,
    StoppedTaskRecord,
    TargetGroupRecord,
    TargetRecord,
)
from sandbox.investigate.network import scenario_network
from sandbox.k8s.loglines import expand_source
from sandbox.metricgen import generate
from sandbox.scenario_models import Scenario


def metric_catalog(scenario: Scenario) -> list[MetricRef]:
    """The scenario's metrics as the catalogue an investigation scans (which series belong to
    which service)."""
    return [
        MetricRef(
            m.namespace,
            m.name,
            dict(m.dimensions),
            m.stat,
            m.unit,
            m.service,
            int(m.step.total_seconds()),
            m.id,
        )
        for m in scenario.metrics
    ]


def change_record(now: datetime, change: Any) -> ChangeRecord:
    """One of the scenario's ``changes`` as the investigation reads it, at ``now + at``."""
    detail = dict(change.detail)
    return ChangeRecord(
        now + change.at,
        change.kind,
        change.service,
        change.source,
        change.version,
        change.previous,
        change.actor,
        detail.get("event_name"),
        detail,
    )


class ScenarioEvidence:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self._now = scenario.now
        self._k8s = scenario.kubernetes

    def now(self) -> datetime:
        return self._now

    def metric_catalog(self) -> list[MetricRef]:
        return metric_catalog(self.s)

    def read_metric(self, ref: MetricRef, start: datetime, end: datetime) -> SeriesData:
        series = generate(self.s.metric(ref.key), self._now)
        pairs = [
            (t, v)
            for t, v in zip(series.timestamps, series.values, strict=True)
            if start <= t <= end
        ]
        return SeriesData(ref, [p[0] for p in pairs], [p[1] for p in pairs])

    def changes(self, start: datetime, end: datetime) -> list[ChangeRecord]:
        records = (change_record(self._now, c) for c in self.s.changes)
        return [r for r in records if start <= r.at <= end]

    def pods(self, namespace: str, owner: str | None = None) -> list[PodRecord]:
        if not self._k8s:
            return []
        out = []
        for p in self._k8s.pods:
            if p.namespace != namespace or (owner and p.owner != owner):
                continue
            containers = []
            for c in p.containers:
                st, last = c.state, c.last_state
                lt = last.terminated if last else None
                containers.append(
                    ContainerRecord(
                        c.name,
                        c.ready,
                        c.restart_count,
                        st.waiting.reason if st and st.waiting else None,
                        st.terminated.reason if st and st.terminated else None,
                        lt.reason if lt else None,
                        lt.exit_code if lt else None,
                        self._now + lt.at if lt and lt.at is not None else None,
                        (c.resources.limits.get("memory") if c.resources else None),
                        c.image,
                        waiting_message=st.waiting.message if st and st.waiting else None,
                    )
                )
            out.append(PodRecord(p.namespace, p.name, p.owner, p.phase, p.node, containers))
        return out

    def nodes(self, names: Sequence[str]) -> list[NodeRecord]:
        if not self._k8s:
            return []
        out = []
        for n in self._k8s.nodes:
            if names and n.name not in names:
                continue
            limit = n.allocatable.get("pods")
            out.append(
                NodeRecord(
                    name=n.name,
                    ready=n.conditions.get("Ready", True),
                    pressures=tuple(
                        sorted(k for k, v in n.conditions.items() if v and k != "Ready")
                    ),
                    unschedulable=n.unschedulable,
                    pods=sum(
                        1
                        for p in self._k8s.pods
                        if p.node == n.name and p.phase not in ("Succeeded", "Failed")
                    ),
                    allocatable_pods=int(limit) if limit and limit.isdigit() else None,
                    allocatable_cpu=n.allocatable.get("cpu"),
                    allocatable_memory=n.allocatable.get("memory"),
                )
            )
        return out

    def k8s_events(self, namespace: str) -> list[EventRecord]:
        if not self._k8s:
            return []
        out = []
        for e in self._k8s.events:
            if e.namespace != namespace:
                continue
            kind, name = e.object.split("/", 1)
            out.append(
                EventRecord(
                    e.namespace,
                    kind.capitalize(),
                    name,
                    e.type,
                    e.reason,
                    e.message,
                    e.count,
                    self._now + e.at,
                )
            )
        return out

    def deployment_revisions(self, namespace: str, name: str) -> list[RevisionRecord]:
        if not self._k8s:
            return []
        for d in self._k8s.deployments:
            if d.namespace == namespace and d.name == name:
                return [
                    RevisionRecord(r.revision, r.image, dict(r.env), self._now + r.at)
                    for r in d.revisions
                ]
        return []

    def deployment_replicas(self, namespace: str, name: str) -> int | None:
        for d in self._k8s.deployments if self._k8s else []:
            if d.namespace == namespace and d.name == name:
                return int(d.replicas)
        return None

    def unavailable(self, family: str) -> str | None:
        return None  # the sandbox world serves every family

    def log_sources(self) -> list[str]:
        return [src.source for src in self.s.logs]

    def read_logs(
        self, source: str, start: datetime, end: datetime, *, previous: bool = False
    ) -> list[LogRecord]:
        for src in self.s.logs:
            if src.source == source:
                raw: list[dict[str, Any]] = [ln.model_dump(mode="json") for ln in src.lines]
                lines = expand_source(raw, self._now)
                return [
                    LogRecord(ln.time, ln.level, ln.text, source)
                    for ln in lines
                    if start <= ln.time <= end
                ]
        return []

    def ec2_instances(self) -> list[Ec2Record]:
        return [
            Ec2Record(
                i.id_ref,
                f"i-{abs(hash(i.id_ref)) % 10**12:012d}",
                i.state,
                i.instance_type,
                list(i.security_groups),
                dict(i.tags),
            )
            for i in self.s.aws.ec2_instances
        ]

    def security_group_ingress(self) -> list[IngressRecord]:
        return [
            IngressRecord(g.name, r.port, r.cidr, r.protocol)
            for g in self.s.aws.security_groups
            for r in g.ingress
        ]

    def buckets(self) -> list[BucketRecord]:
        return [BucketRecord(b.name, b.public, b.encrypted) for b in self.s.aws.s3_buckets]

    def rds_instances(self) -> list[RdsRecord]:
        return [
            RdsRecord(r.id, r.engine, r.instance_class, r.status, r.max_connections)
            for r in self.s.aws.rds_instances
        ]

    def lambda_functions(self) -> list[LambdaRecord]:
        return [
            LambdaRecord(f.name, f.runtime, f.timeout, f.memory, f.reserved_concurrency)
            for f in self.s.aws.lambda_functions
        ]

    def ecs_services(self) -> list[EcsServiceRecord]:
        out = []
        for e in self.s.aws.ecs_services:
            revs = list(e.task_definition_revisions)
            live = f"{e.name}:{revs[-1]}" if revs else None
            out.append(
                EcsServiceRecord(
                    e.cluster,
                    e.name,
                    e.desired,
                    e.running,
                    max(0, e.desired - e.running),
                    live,
                    revs,
                )
            )
        return out

    def iam_users(self) -> list[IamUserRecord]:
        return [
            IamUserRecord(u.name, u.access_key_age_days, u.mfa, list(u.policies))
            for u in self.s.aws.iam_users
        ]

    def autoscaling_groups(self) -> list[AsgRecord]:
        return [AsgRecord(a.name, a.min, a.max, a.desired) for a in self.s.aws.autoscaling_groups]

    def certificates(self) -> list[CertRecord]:
        return [CertRecord(c.domain, self._now + c.not_after) for c in self.s.aws.acm_certificates]

    def _live_definition(self, service: str) -> tuple[int | None, Any]:
        """The service's live revision and its ``ecs_task_definitions`` entry (family = name)."""
        svc = next((e for e in self.s.aws.ecs_services if e.name == service), None)
        revision = max(svc.task_definition_revisions, default=1) if svc else None
        definition = next(
            (
                t
                for t in self.s.aws.ecs_task_definitions
                if t.family == service and t.revision == revision
            ),
            None,
        )
        return revision, definition

    def target_groups(self) -> list[TargetGroupRecord]:
        out = []
        for g in self.s.aws.target_groups:
            ports: list[int] = []
            paths: list[str] = []
            cluster = None
            if g.ecs_service is not None:
                _, definition = self._live_definition(g.ecs_service)
                if definition is not None and definition.container_port is not None:
                    ports.append(definition.container_port)
                if definition is not None and definition.health_check_path:
                    paths.append(definition.health_check_path)
                cluster = next(
                    (e.cluster for e in self.s.aws.ecs_services if e.name == g.ecs_service), None
                )
            out.append(
                TargetGroupRecord(
                    g.name,
                    [g.load_balancer] if g.load_balancer else [],
                    g.protocol,
                    g.port,
                    str(g.health_check.port),
                    g.health_check.path,
                    [
                        TargetRecord(
                            t.id_ref or t.ip or "",
                            t.port or g.port,
                            t.state,
                            t.reason,
                            t.description,
                        )
                        for t in g.targets
                    ],
                    f"{cluster}/{g.ecs_service}" if g.ecs_service else None,
                    ports,
                    paths,
                )
            )
        return out

    def stopped_tasks(self) -> list[StoppedTaskRecord]:
        out = []
        for t in self.s.aws.ecs_stopped_tasks:
            live, _ = self._live_definition(t.service)
            revision = t.revision or live or 1
            containers = [
                ContainerExitRecord(c.name or t.service, c.exit_code, c.reason)
                for c in t.containers
            ]
            record = StoppedTaskRecord(
                t.cluster,
                t.service,
                f"{t.service}:{revision}",
                t.stop_code,
                t.stopped_reason,
                self._now + t.at,
                containers,
            )
            out.extend([record] * t.count)
        return out

    def network(self) -> NetworkView:
        return scenario_network(self.s, self.ec2_instances())

    def analyze_path(self, source: str, destination: str, port: int) -> Verdict | None:
        return None
