"""What kind of change a CloudTrail event is (deployment, scaling, IAM, config, infra)."""

from __future__ import annotations

import re

_DEPLOY_EVENTS = re.compile(
    r"^(UpdateFunctionCode|PublishVersion|UpdateAlias|CreateDeployment|RegisterTaskDefinition"
    r"|UpdateApplication|UpdateEnvironment)"
)
_SCALING_EVENTS = re.compile(
    r"^(SetDesiredCapacity|UpdateAutoScalingGroup|PutScalingPolicy|ExecutePolicy"
    r"|RegisterScalableTarget)"
)
_IAM_EVENTS = re.compile(
    r"^(CreateAccessKey|UpdateAccessKey|DeleteAccessKey|Attach\w*Policy|Detach\w*Policy"
    r"|Put(User|Role|Group)Policy|CreateUser|CreateLoginProfile|UpdateAssumeRolePolicy)"
)


def cloudtrail_kind(event_name: str, detail: dict[str, object]) -> str:
    """The change kind of a CloudTrail event: what it did, not only that it wrote something.

    New code or task definitions are deployments (``UpdateService`` only when it names a task
    definition), capacity changes are scaling, credential and policy edits are IAM; other
    Modify/Update/Put/Delete calls change configuration; the rest is infrastructure.
    """
    if _DEPLOY_EVENTS.match(event_name) or (
        event_name.startswith("UpdateService")
        and any("task" in k.lower() and "definition" in k.lower() for k in detail)
    ):
        return "deployment"
    if _SCALING_EVENTS.match(event_name):
        return "scaling"
    if _IAM_EVENTS.match(event_name):
        return "iam"
    if re.match(r"(Modify|Update|Put|Delete)", event_name):
        return "config"
    return "infra"
