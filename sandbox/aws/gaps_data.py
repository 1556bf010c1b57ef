"""What the gap endpoint serves: CloudTrail events from ``changes`` with ``source: cloudtrail``
and CloudWatch alarm history from ``cloudwatch_sns`` alerts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.aws.moto_server import ACCOUNT_ID
from sandbox.scenario_models import Scenario

# Which AWS service records an API call (CloudTrail's eventSource), by the call's name.
_SOURCES = {
    "ec2": (
        "RunInstances StopInstances StartInstances RebootInstances TerminateInstances "
        "AuthorizeSecurityGroupIngress RevokeSecurityGroupIngress CreateTags DeleteTags "
        "ModifyInstanceAttribute CreateSecurityGroup ModifySecurityGroupRules"
    ),
    "s3": (
        "PutBucketPolicy DeleteBucketPolicy PutBucketAcl PutBucketPublicAccessBlock "
        "DeleteBucketPublicAccessBlock PutBucketEncryption DeleteBucketEncryption CreateBucket"
    ),
    "rds": (
        "ModifyDBParameterGroup RebootDBInstance ModifyDBInstance StopDBInstance "
        "StartDBInstance CreateDBInstance DeleteDBInstance"
    ),
    "lambda": (
        "UpdateFunctionConfiguration UpdateFunctionCode PutFunctionConcurrency "
        "DeleteFunctionConcurrency CreateFunction"
    ),
    "ecs": "UpdateService CreateService RegisterTaskDefinition DeregisterTaskDefinition",
    "ecr": "PutImage BatchDeleteImage CreateRepository",
    "iam": (
        "CreateUser CreateAccessKey AttachUserPolicy DetachUserPolicy PutUserPolicy "
        "AttachRolePolicy CreateRole DeactivateMFADevice"
    ),
    "autoscaling": "UpdateAutoScalingGroup SetDesiredCapacity",
    "cloudfront": "UpdateDistribution CreateInvalidation",
}
_SOURCE_BY_NAME = {
    name: f"{svc}.amazonaws.com" for svc, names in _SOURCES.items() for name in names.split()
}
_SOURCE_BY_KIND = {
    "ec2": "ec2", "rds": "rds", "lambda": "lambda", "s3": "s3", "ecs_service": "ecs",
    "cloudfront": "cloudfront", "alb": "elasticloadbalancing", "apigw": "apigateway",
}  # fmt: skip
_RESOURCE_TYPES = {
    "instance": "AWS::EC2::Instance",
    "group": "AWS::EC2::SecurityGroup",
    "security_group": "AWS::EC2::SecurityGroup",
    "bucket": "AWS::S3::Bucket",
    "function": "AWS::Lambda::Function",
    "db_instance": "AWS::RDS::DBInstance",
    "parameter_group": "AWS::RDS::DBParameterGroup",
    "cluster": "AWS::ECS::Cluster",
    "service": "AWS::ECS::Service",
    "task_definition": "AWS::ECS::TaskDefinition",
    "repository": "AWS::ECR::Repository",
    "distribution": "AWS::CloudFront::Distribution",
    "user": "AWS::IAM::User",
    "resource": "AWS::Resource",
}


@dataclass(frozen=True)
class TrailEvent:
    event_id: str
    event_name: str
    event_time: datetime
    event_source: str
    username: str
    access_key_id: str
    resources: list[dict[str, str]]
    record: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        return {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": "false",
            "AccessKeyId": self.access_key_id,
            "EventTime": self.event_time.timestamp(),
            "EventSource": self.event_source,
            "Username": self.username,
            "Resources": self.resources,
            "CloudTrailEvent": json.dumps(self.record),
        }


@dataclass(frozen=True)
class AlarmHistoryItem:
    alarm_name: str
    timestamp: datetime
    summary: str
    data: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": "MetricAlarm",
            "Timestamp": self.timestamp,
            "HistoryItemType": "StateUpdate",
            "HistorySummary": self.summary,
            "HistoryData": json.dumps(self.data),
        }


def _identity(actor: str | None) -> tuple[str, dict[str, Any]]:
    actor = actor or "unknown"
    if actor == "root" or actor.endswith(":root"):  # the account's root user
        arn = actor if actor != "root" else f"arn:aws:iam::{ACCOUNT_ID}:root"
        return "root", {"type": "Root", "arn": arn, "accountId": ACCOUNT_ID}
    if ":assumed-role/" in actor:
        session = actor.rsplit("/", 1)[-1]
        return session, {"type": "AssumedRole", "arn": actor, "accountId": ACCOUNT_ID}
    if ":user/" in actor:
        name = actor.rsplit("/", 1)[-1]
        return name, {"type": "IAMUser", "arn": actor, "userName": name, "accountId": ACCOUNT_ID}
    return actor, {"type": "Unknown", "userName": actor, "accountId": ACCOUNT_ID}


def trail_events(scenario: Scenario, refs: Mapping[str, str]) -> list[TrailEvent]:
    """One CloudTrail management event per ``source: cloudtrail`` change, oldest first."""
    kinds = {svc.name: svc.runs_on.kind for svc in scenario.services}
    events = []
    for index, change in enumerate(scenario.changes):
        if change.source != "cloudtrail":
            continue
        detail = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in change.detail.items()}
        name = str(detail.pop("event_name", change.kind))
        source_ip = str(detail.pop("source_ip", "203.0.113.10"))
        source = (
            str(detail.pop("event_source", ""))
            or _SOURCE_BY_NAME.get(name)
            or (f"{_SOURCE_BY_KIND.get(kinds.get(change.service or '', ''), 'aws')}.amazonaws.com")
        )
        when = scenario.now + change.at
        username, identity = _identity(change.actor)
        digest = hashlib.sha256(f"{scenario.name}/{index}/{name}".encode()).hexdigest()
        event_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        access_key = "ASIA" + digest[32:48].upper()
        resources = [
            {"ResourceType": _RESOURCE_TYPES[key], "ResourceName": str(value)}
            for key, value in detail.items()
            if key in _RESOURCE_TYPES and isinstance(value, str | int)
        ]
        record = {
            "eventVersion": "1.09",
            "userIdentity": {**identity, "accessKeyId": access_key},
            "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source,
            "eventName": name,
            "awsRegion": scenario.region,
            "sourceIPAddress": source_ip,
            "userAgent": "aws-sdk",
            "requestParameters": detail,
            "responseElements": None,
            "eventID": event_id,
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT_ID,
        }
        events.append(
            TrailEvent(event_id, name, when, source, username, access_key, resources, record)
        )
    events.sort(key=lambda e: e.event_time)
    return events


def alarm_history(scenario: Scenario) -> list[AlarmHistoryItem]:
    """A state change per ``cloudwatch_sns`` alert (OK → ALARM, or ALARM → OK when resolved)."""
    items = []
    for alert in scenario.alerts:
        if alert.format != "cloudwatch_sns":
            continue
        old, new = ("ALARM", "OK") if alert.status == "resolved" else ("OK", "ALARM")
        when = scenario.now + alert.at
        data = {
            "version": "1.0",
            "oldState": {"stateValue": old},
            "newState": {"stateValue": new, "stateReason": alert.summary},
        }
        items.append(AlarmHistoryItem(alert.name, when, f"Alarm updated from {old} to {new}", data))
    items.sort(key=lambda item: item.timestamp)
    return items
