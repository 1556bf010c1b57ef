"""Evidence read from a loaded scenario in process, without starting the world.

`bot.investigate.sources_live.LiveEvidence` over real clients against the world
(`sandbox/world.py`) is the path the bench, replay and the CLI use; this adapter serves fast
tests of the reasoning. It never sees ``truth`` (the loader drops it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    PodRecord,
    RdsRecord,
    RevisionRecord,
    SeriesData,
)
from sandbox.k8s.loglines import expand_source
from sandbox.metricgen import generate
from sandbox.scenario_models import Scenario


class ScenarioEvidence:
    def __init__(self, scenario: Scenario) -> None:
        self.s = scenario
        self._now = scenario.now
        self._k8s = scenario.kubernetes

    def now(self) -> datetime:
        return self._now

    def metric_catalog(self) -> list[MetricRef]:
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
            for m in self.s.metrics
        ]

    def read_metric(self, ref: MetricRef, start: datetime, end: datetime) -> SeriesData:
        series = generate(self.s.metric(ref.key), self._now)
        pairs = [
            (t, v)
            for t, v in zip(series.timestamps, series.values, strict=True)
            if start <= t <= end
        ]
        return SeriesData(ref, [p[0] for p in pairs], [p[1] for p in pairs])

    def changes(self, start: datetime, end: datetime) -> list[ChangeRecord]:
        out = []
        for c in self.s.changes:
            at = self._now + c.at
            if start <= at <= end:
                detail = dict(c.detail)
                out.append(
                    ChangeRecord(
                        at,
                        c.kind,
                        c.service,
                        c.source,
                        c.version,
                        c.previous,
                        c.actor,
                        detail.get("event_name"),
                        detail,
                    )
                )
        return out

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
                    )
                )
            out.append(PodRecord(p.namespace, p.name, p.owner, p.phase, p.node, containers))
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
            RdsRecord(r.id, r.engine, r.instance_class, r.status) for r in self.s.aws.rds_instances
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
