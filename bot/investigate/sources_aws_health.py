"""Load balancer target health, stopped ECS tasks and the VPC for ``LiveEvidence``, each read
once per investigation (the memo of ``LiveEvidence``)."""

from __future__ import annotations

import logging
import re

from bot.investigate.reachability import (
    Endpoint,
    NaclEntry,
    NetworkAcl,
    NetworkView,
    PortRange,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Verdict,
)
from bot.investigate.sources_health import (
    ContainerExitRecord,
    StoppedTaskRecord,
    TargetGroupRecord,
    TargetRecord,
)
from bot.investigate.sources_host import LiveHost
from integrations.aws import ecs_tasks, elbv2, reachability_analyzer, vpc
from integrations.aws.errors import AwsError, AwsNotFound

log = logging.getLogger(__name__)
_PATH = r"(/[\w./-]*)"
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "-1": "-1"}


def health_paths(command: str) -> list[str]:
    """The URL paths a container's own health-check command calls (``curl -f
    http://localhost:8080/healthz`` → ``/healthz``)."""
    return re.findall(r"https?://[^/\s]+" + _PATH, command)


class AwsHealthReads(LiveHost):
    """Mixed into ``LiveEvidence``, which provides the memo, the clients and the graph."""

    def _ecs_wiring(self) -> dict[str, tuple[str, ecs_tasks.ServiceWiring]]:
        """target group ARN -> ("cluster/service", the service's wiring)."""

        def load() -> dict[str, tuple[str, ecs_tasks.ServiceWiring]]:
            out: dict[str, tuple[str, ecs_tasks.ServiceWiring]] = {}
            client = self._need_aws().ecs
            for name, cluster in self._resources("ecs_service"):
                try:
                    wiring = ecs_tasks.service_wiring(client, cluster or "default", name)
                except (AwsNotFound, AwsError):
                    continue
                for arn, _, _ in wiring.target_groups:
                    out[arn] = (f"{cluster or 'default'}/{name}", wiring)
            return out

        return self._once("ecs_wiring", load)

    def target_groups(self) -> list[TargetGroupRecord]:
        def load() -> list[TargetGroupRecord]:
            wiring = self._ecs_wiring()
            out = []
            for g in elbv2.target_groups(self._need_aws().elbv2):
                service, wired = wiring.get(g.arn, (None, None))
                ports: list[int] = []
                paths: list[str] = []
                if wired is not None:
                    containers = {c for arn, c, _ in wired.target_groups if arn == g.arn}
                    for container in containers or set(wired.container_ports):
                        ports.extend(wired.container_ports.get(container, []))
                        paths.extend(health_paths(wired.health_commands.get(container, "")))
                out.append(
                    TargetGroupRecord(
                        g.name,
                        list(g.load_balancers),
                        g.protocol,
                        g.port,
                        g.health_check_port,
                        g.health_check_path,
                        [
                            TargetRecord(
                                self._reverse.get(t.target_id, t.target_id),
                                t.port,
                                t.state,
                                t.reason,
                                t.description,
                            )
                            for t in g.targets
                        ],
                        service,
                        sorted(set(ports)),
                        sorted(set(paths)),
                    )
                )
            return out

        return self._once("target_groups", load)

    def stopped_tasks(self) -> list[StoppedTaskRecord]:
        def load() -> list[StoppedTaskRecord]:
            out: list[StoppedTaskRecord] = []
            client = self._need_aws().ecs
            for name, cluster in self._resources("ecs_service"):
                try:
                    tasks = ecs_tasks.stopped_tasks(client, cluster or "default", name)
                except AwsNotFound:
                    continue
                out.extend(
                    StoppedTaskRecord(
                        cluster or "default",
                        name,
                        t.task_definition,
                        t.stop_code,
                        t.stopped_reason,
                        t.stopped_at,
                        [ContainerExitRecord(c.name, c.exit_code, c.reason) for c in t.containers],
                    )
                    for t in tasks
                )
            return out

        return self._once("stopped_tasks", load)

    def network(self) -> NetworkView:
        def load() -> NetworkView:
            snap = vpc.snapshot(self._need_aws().ec2)

            def rules(items: list[vpc.VpcRule]) -> tuple[SgRule, ...]:
                return tuple(
                    SgRule(r.protocol, PortRange(r.from_port, r.to_port), r.cidr, r.group)
                    for r in items
                )

            return NetworkView(
                endpoints=tuple(
                    Endpoint(e.id, self._reverse.get(e.id, e.name), e.ip, e.subnet, tuple(e.groups))
                    for e in snap.endpoints
                ),
                subnets=tuple(Subnet(s.id, s.vpc, s.cidr) for s in snap.subnets),
                route_tables=tuple(
                    RouteTable(
                        t.id,
                        t.vpc,
                        tuple(Route(r.cidr, r.target, r.blackhole) for r in t.routes),
                        tuple(t.subnets),
                        t.main,
                    )
                    for t in snap.route_tables
                ),
                acls=tuple(
                    NetworkAcl(
                        a.id,
                        tuple(a.subnets),
                        tuple(
                            NaclEntry(
                                e.number,
                                e.egress,
                                _PROTOCOLS.get(e.protocol, e.protocol),
                                e.allow,
                                e.cidr,
                                PortRange(e.from_port, e.to_port),
                            )
                            for e in a.entries
                        ),
                        a.default,
                        a.vpc,
                    )
                    for a in snap.acls
                ),
                groups=tuple(
                    SecurityGroup(g.id, g.name, rules(g.ingress), rules(g.egress))
                    for g in snap.groups
                ),
            )

        return self._once("network", load)

    def analyze_path(self, source: str, destination: str, port: int) -> Verdict | None:
        view = self.network()
        src, dst = view.endpoint(source), view.endpoint(destination)
        if src is None or dst is None or getattr(self, "_analyzer_off", False):
            return None
        try:
            result = reachability_analyzer.analyze_path(self._need_aws().ec2, src.id, dst.id, port)
        except Exception as exc:  # not offered here (a local AWS, no permission): compute it
            log.info(
                "Reachability Analyzer unavailable, computing the path: %s", type(exc).__name__
            )
            self._analyzer_off = True
            return None
        return Verdict(
            src.name,
            dst.name,
            port,
            "tcp",
            result.reachable,
            (),
            tuple(result.explanations),
            method="reachability_analyzer",
        )
