"""Writes remediation makes on compute: EC2 instances and security groups, Auto Scaling groups,
Lambda configuration, ECS services. Typed in, typed out; the boto3 client is injected.

Every function raises ``AwsNotFound`` when the target does not exist and ``AwsError`` for any
other refusal (see :mod:`integrations.aws.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import AwsNotFound, aws_errors


def start_instance(client: Any, instance_id: str) -> str:
    """Start an instance; returns the state EC2 reports right after the call."""
    with aws_errors(f"EC2 instance {instance_id}"):
        out = client.start_instances(InstanceIds=[instance_id])
    return str(out["StartingInstances"][0]["CurrentState"]["Name"])


def stop_instance(client: Any, instance_id: str) -> str:
    with aws_errors(f"EC2 instance {instance_id}"):
        out = client.stop_instances(InstanceIds=[instance_id])
    return str(out["StoppingInstances"][0]["CurrentState"]["Name"])


def reboot_instance(client: Any, instance_id: str) -> None:
    with aws_errors(f"EC2 instance {instance_id}"):
        client.reboot_instances(InstanceIds=[instance_id])


def _permission(port: int, cidr: str, protocol: str) -> dict[str, Any]:
    ranges = (
        {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    )
    return {"IpProtocol": protocol, "FromPort": port, "ToPort": port, **ranges}


def revoke_ingress(client: Any, group_id: str, port: int, cidr: str, protocol: str = "tcp") -> None:
    """Remove one ingress rule (protocol, port, CIDR) from a security group."""
    with aws_errors(f"security group {group_id}"):
        client.revoke_security_group_ingress(
            GroupId=group_id, IpPermissions=[_permission(port, cidr, protocol)]
        )


def authorize_ingress(
    client: Any, group_id: str, port: int, cidr: str, protocol: str = "tcp"
) -> None:
    """Add one ingress rule back (the undo of :func:`revoke_ingress`)."""
    with aws_errors(f"security group {group_id}"):
        client.authorize_security_group_ingress(
            GroupId=group_id, IpPermissions=[_permission(port, cidr, protocol)]
        )


@dataclass(frozen=True)
class AutoScalingGroup:
    name: str
    min_size: int
    max_size: int
    desired: int
    in_service: int = 0  # instances whose LifecycleState is InService


def describe_asg(client: Any, name: str) -> AutoScalingGroup:
    with aws_errors(f"auto scaling group {name}"):
        groups = client.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    found = groups.get("AutoScalingGroups") or []
    if not found:
        raise AwsNotFound(f"auto scaling group {name} not found")
    raw = found[0]
    return AutoScalingGroup(
        raw["AutoScalingGroupName"],
        int(raw["MinSize"]),
        int(raw["MaxSize"]),
        int(raw["DesiredCapacity"]),
        sum(1 for i in raw.get("Instances") or [] if i.get("LifecycleState") == "InService"),
    )


def set_desired_capacity(client: Any, name: str, desired: int) -> None:
    with aws_errors(f"auto scaling group {name}"):
        client.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=desired)


def set_asg_capacity(client: Any, name: str, desired: int, max_size: int) -> None:
    """Set a group's maximum and desired capacity in one call (raising a capped group)."""
    with aws_errors(f"auto scaling group {name}"):
        client.update_auto_scaling_group(
            AutoScalingGroupName=name, MaxSize=max_size, DesiredCapacity=desired
        )


def set_lambda_timeout(client: Any, name: str, seconds: int) -> int:
    """Set a function's timeout; returns the timeout Lambda reports afterwards."""
    with aws_errors(f"Lambda function {name}"):
        out = client.update_function_configuration(FunctionName=name, Timeout=seconds)
    return int(out["Timeout"])


def set_lambda_reserved_concurrency(client: Any, name: str, concurrency: int | None) -> None:
    """Reserve ``concurrency`` executions, or remove the reservation with ``None``."""
    with aws_errors(f"Lambda function {name}"):
        if concurrency is None:
            client.delete_function_concurrency(FunctionName=name)
        else:
            client.put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=concurrency
            )


def update_ecs_service(
    client: Any,
    cluster: str,
    service: str,
    *,
    task_definition: str | None = None,
    desired: int | None = None,
) -> str:
    """Point a service at another task definition and/or desired count; returns the live
    task definition ARN."""
    request: dict[str, Any] = {"cluster": cluster, "service": service}
    if task_definition is not None:
        request["taskDefinition"] = task_definition
    if desired is not None:
        request["desiredCount"] = desired
    with aws_errors(f"ECS service {cluster}/{service}"):
        out = client.update_service(**request)
    return str(out["service"]["taskDefinition"])


def set_lambda_memory(client: Any, name: str, memory_mb: int) -> int:
    """Set a function's memory size; returns the size Lambda reports afterwards."""
    with aws_errors(f"Lambda function {name}"):
        out = client.update_function_configuration(FunctionName=name, MemorySize=memory_mb)
    return int(out["MemorySize"])
