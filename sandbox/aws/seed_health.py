"""Seed target groups (with the health their targets report) and stopped ECS tasks into moto.

moto 5.2.5 answers ``DescribeTargetHealth`` with ``healthy`` for every registered target (and
``unused`` for a stopped instance), and starts no task for a service. Being in-process, the
sandbox sets what the scenario says directly on moto's models, so boto3 reads it back through
the real API:

- a target's health is stored on moto's target group (``sandbox.aws.elb_health``);
- a stopped task is run (Fargate), stopped with its reason, and given its stop code, stop time
  and its containers' exit codes and reasons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3

from sandbox.aws.elb_health import set_health
from sandbox.aws.moto_server import backend
from sandbox.scenario_resources import Aws, TargetGroup


def _network(ec2: Any) -> tuple[str, list[str]]:
    """The default VPC and two of its subnets (a load balancer spans two zones)."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    return vpc["VpcId"], [s["SubnetId"] for s in subnets["Subnets"][:2]]


def _target_group(
    elb: Any, spec: TargetGroup, network: tuple[str, list[str]], lbs: dict[str, list[str]],
    refs: dict[str, str], region: str,
) -> str:  # fmt: skip
    vpc, subnets = network
    ip = any(t.ip for t in spec.targets)
    check = spec.health_check
    arn = elb.create_target_group(
        Name=spec.name,
        Protocol=spec.protocol,
        Port=spec.port,
        VpcId=vpc,
        TargetType="ip" if ip else "instance",
        HealthCheckProtocol=check.protocol,
        HealthCheckPort=str(check.port),
        **({"HealthCheckPath": check.path} if check.path and check.protocol != "TCP" else {}),
    )["TargetGroups"][0]["TargetGroupArn"]
    if spec.load_balancer:
        if spec.load_balancer not in lbs:
            lb = elb.create_load_balancer(
                Name=spec.load_balancer, Subnets=subnets, Type="application"
            )["LoadBalancers"][0]["LoadBalancerArn"]
            lbs[spec.load_balancer] = [lb]
        listeners = lbs[spec.load_balancer]
        elb.create_listener(  # one listener per group: 8000, 8001, … on its load balancer
            LoadBalancerArn=listeners[0],
            Protocol="HTTP",
            Port=8000 + len(listeners) - 1,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
        )
        listeners.append(arn)
    targets = [(refs.get(t.id_ref, t.id_ref) if t.id_ref else t.ip, t) for t in spec.targets]
    if targets:
        elb.register_targets(
            TargetGroupArn=arn,
            Targets=[{"Id": ident, "Port": t.port or spec.port} for ident, t in targets],
        )
    model = backend("elbv2", region).target_groups[arn]
    for ident, t in targets:
        set_health(model, str(ident), t.state, t.reason, t.description)
    return arn


def seed_target_groups(
    session: boto3.Session, endpoint: str, aws: Aws, refs: dict[str, str]
) -> None:
    region = session.region_name or "us-east-1"
    elb = session.client("elbv2", endpoint_url=endpoint)
    network = _network(session.client("ec2", endpoint_url=endpoint))
    lbs: dict[str, list[str]] = {}
    ecs = backend("ecs", region)
    for spec in aws.target_groups:
        arn = _target_group(elb, spec, network, lbs, refs, region)
        if spec.ecs_service is None:
            continue
        svc = next(s for s in aws.ecs_services if s.name == spec.ecs_service)
        live = max(svc.task_definition_revisions, default=1)
        definition = next(
            (d for d in aws.ecs_task_definitions if (d.family, d.revision) == (svc.name, live)),
            None,
        )
        port = definition.container_port if definition and definition.container_port else spec.port
        # the service's loadBalancers, as create_service would have stored them
        ecs.services[f"{svc.cluster}:{svc.name}"].load_balancers.append(
            {"targetGroupArn": arn, "containerName": svc.name, "containerPort": port}
        )


def seed_stopped_tasks(session: boto3.Session, endpoint: str, aws: Aws, now: datetime) -> None:
    region = session.region_name or "us-east-1"
    client = session.client("ecs", endpoint_url=endpoint)
    ecs = backend("ecs", region)
    subnet = _network(session.client("ec2", endpoint_url=endpoint))[1][0]
    for spec in aws.ecs_stopped_tasks:
        svc = next(
            s for s in aws.ecs_services if (s.cluster, s.name) == (spec.cluster, spec.service)
        )
        revision = spec.revision or max(svc.task_definition_revisions, default=1)
        for _ in range(spec.count):
            task = client.run_task(
                cluster=spec.cluster,
                taskDefinition=f"{spec.service}:{revision}",
                launchType="FARGATE",
                group=f"service:{spec.service}",
                networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}},
            )["tasks"][0]
            client.stop_task(cluster=spec.cluster, task=task["taskArn"], reason=spec.stopped_reason)
            model = ecs.tasks[spec.cluster][task["taskArn"]]
            model.stop_code = spec.stop_code
            model.stopped_at = now + spec.at
            for i, exit_spec in enumerate(spec.containers):
                if i < len(model.containers):
                    model.containers[i].exitCode = exit_spec.exit_code
                    model.containers[i].reason = exit_spec.reason
