"""AWS actions on EC2, S3, IAM and CloudFront (compute/data ones in ``actions_aws_compute``).

Risk levels (why):
- ``ec2.start_instance`` LOW: brings a stopped instance back with its own configuration.
- ``ec2.stop_instance`` MEDIUM: whatever runs on the instance stops; its volumes and
  configuration stay, so starting it again (the undo) brings it back. The cost audit's fix for
  an idle instance.
- ``ec2.reboot_instance`` MEDIUM: a short outage of everything on the host.
- ``ec2.revoke_ingress`` MEDIUM: a security write; closing a port can cut legitimate clients.
- ``s3.block_public_access`` MEDIUM: a security write; breaks anything that read the bucket
  anonymously (intended, but still a visible change).
- ``iam.deactivate_access_key`` HIGH: every workload using the key fails at once; needs a
  second approver.
- ``cloudfront.invalidate`` LOW: a cache flush; the origin sees more load for a while.
"""

from __future__ import annotations

from pydantic import Field

from bot.remediate import checks_aws as checks
from bot.remediate.action_helpers import aws, preflight
from bot.remediate.enums import Risk
from bot.remediate.models import (
    ActionContext,
    ActionSpec,
    Params,
    PreflightFailed,
    Snapshot,
    VerifyOutcome,
)
from integrations.aws import ec2, s3
from integrations.aws import writes_compute as wc
from integrations.aws import writes_data as wd


class InstanceTarget(Params):
    instance: str = Field(min_length=1, description="id_ref, instance id or Name tag")


class Ingress(Params):
    group: str = Field(min_length=1, description="security group name or id")
    port: int = Field(ge=0, le=65535)
    cidr: str = Field(min_length=9, pattern=r"^[0-9a-fA-F:.]+/\d{1,3}$")
    protocol: str = "tcp"


class Bucket(Params):
    bucket: str = Field(min_length=3)


class AccessKey(Params):
    user: str = Field(min_length=1)
    key_id: str | None = None


class Invalidate(Params):
    distribution: str = Field(min_length=1, description="id_ref or distribution id")
    paths: list[str] = Field(default_factory=lambda: ["/*"], min_length=1)


# ------------------------------------------------------------------ EC2 instances
def _instance(ctx: ActionContext, ref: str) -> ec2.Instance:
    return ec2.find_instance(aws(ctx, "ec2"), ctx.real_id(ref))


def _inst_state(ctx: ActionContext, ref: str) -> Snapshot:
    i = _instance(ctx, ref)
    return {"instance_id": i.instance_id, "state": i.state, "type": i.instance_type}


def _in_state(ctx: ActionContext, p: InstanceTarget, wanted: str, refusal: str = "") -> Snapshot:
    """The instance's snapshot when it is ``wanted``; else ``PreflightFailed`` saying what it
    is (and ``refusal``, or "not <wanted>")."""
    before = _inst_state(ctx, p.instance)
    if before["state"] != wanted:
        why = refusal or f", not {wanted}"
        raise PreflightFailed(f"instance {p.instance} is {before['state']}{why}")
    return before


@preflight
def _start_pre(ctx: ActionContext, p: InstanceTarget) -> Snapshot:
    return _in_state(ctx, p, "stopped")


def _start(ctx: ActionContext, p: InstanceTarget, before: Snapshot) -> Snapshot:
    wc.start_instance(aws(ctx, "ec2"), before["instance_id"])
    return _inst_state(ctx, p.instance)


def _stop_again(ctx: ActionContext, p: InstanceTarget, before: Snapshot) -> Snapshot:
    wc.stop_instance(aws(ctx, "ec2"), before["instance_id"])
    return _inst_state(ctx, p.instance)


def _running(ctx: ActionContext, p: InstanceTarget, before: Snapshot) -> VerifyOutcome:
    state = _inst_state(ctx, p.instance)["state"]
    return VerifyOutcome(state == "running", f"instance {p.instance} is {state}")


@preflight
def _stop_pre(ctx: ActionContext, p: InstanceTarget) -> Snapshot:
    return _in_state(ctx, p, "running")


def _stopped(ctx: ActionContext, p: InstanceTarget, before: Snapshot) -> VerifyOutcome:
    state = _inst_state(ctx, p.instance)["state"]
    return VerifyOutcome(state in ("stopping", "stopped"), f"instance {p.instance} is {state}")


@preflight
def _reboot_pre(ctx: ActionContext, p: InstanceTarget) -> Snapshot:
    return _in_state(ctx, p, "running", "; only running reboots")


def _reboot(ctx: ActionContext, p: InstanceTarget, before: Snapshot) -> Snapshot:
    wc.reboot_instance(aws(ctx, "ec2"), before["instance_id"])
    return _inst_state(ctx, p.instance)


def _reboot_undo(ctx: ActionContext, p: InstanceTarget, before: Snapshot) -> Snapshot:
    """A reboot changes no configuration: nothing to restore; confirm it is running again."""
    now = _inst_state(ctx, p.instance)
    if now["state"] != before["state"]:
        raise RuntimeError(f"instance {p.instance} is {now['state']}, was {before['state']}")
    return {**now, "note": "a reboot changes no configuration; nothing to restore"}


# ------------------------------------------------------------------ security groups
def _group(ctx: ActionContext, name_or_id: str) -> ec2.SecurityGroup:
    client = aws(ctx, "ec2")
    if name_or_id.startswith("sg-"):
        found = ec2.security_groups(client, group_ids=[name_or_id])
    else:
        found = ec2.security_groups(client, names=[name_or_id])
    if not found:
        raise PreflightFailed(f"security group {name_or_id} does not exist")
    return found[0]


def _rules(group: ec2.SecurityGroup) -> list[list[object]]:
    return [[r.protocol, r.from_port, r.to_port, r.cidr] for r in group.ingress]


def _has_rule(group: ec2.SecurityGroup, p: Ingress) -> bool:
    return any(
        r.cidr == p.cidr and r.from_port == p.port and r.to_port == p.port for r in group.ingress
    )


@preflight
def _revoke_pre(ctx: ActionContext, p: Ingress) -> Snapshot:
    group = _group(ctx, p.group)
    if not _has_rule(group, p):
        raise PreflightFailed(f"security group {p.group} has no ingress rule {p.port} {p.cidr}")
    return {"group_id": group.group_id, "rules": _rules(group)}


def _revoke(ctx: ActionContext, p: Ingress, before: Snapshot) -> Snapshot:
    wc.revoke_ingress(aws(ctx, "ec2"), before["group_id"], p.port, p.cidr, p.protocol)
    return {"group_id": before["group_id"], "rules": _rules(_group(ctx, before["group_id"]))}


def _reauthorize(ctx: ActionContext, p: Ingress, before: Snapshot) -> Snapshot:
    wc.authorize_ingress(aws(ctx, "ec2"), before["group_id"], p.port, p.cidr, p.protocol)
    return {"group_id": before["group_id"], "rules": _rules(_group(ctx, before["group_id"]))}


def _closed(ctx: ActionContext, p: Ingress, before: Snapshot) -> VerifyOutcome:
    still = _has_rule(_group(ctx, before["group_id"]), p)
    return VerifyOutcome(
        not still,
        f"{p.group}: {p.port} from {p.cidr} " + ("is still open" if still else "is closed"),
    )


# ------------------------------------------------------------------ S3
@preflight
def _block_pre(ctx: ActionContext, p: Bucket) -> Snapshot:
    client = aws(ctx, "s3")
    state = s3.bucket_state(client, p.bucket)  # raises AwsNotFound for a missing bucket
    config = wd.public_access_block(client, p.bucket)
    if config is not None and all(config.values()):
        raise PreflightFailed(f"bucket {p.bucket} already blocks all public access")
    return {"public_access_block": config, "public": state.public}


def _block(ctx: ActionContext, p: Bucket, before: Snapshot) -> Snapshot:
    client = aws(ctx, "s3")
    wd.put_public_access_block(client, p.bucket, dict(wd.BLOCK_ALL))
    return {
        "public_access_block": wd.public_access_block(client, p.bucket),
        "public": s3.bucket_state(client, p.bucket).public,
    }


def _unblock(ctx: ActionContext, p: Bucket, before: Snapshot) -> Snapshot:
    client = aws(ctx, "s3")
    wd.put_public_access_block(client, p.bucket, before.get("public_access_block"))
    return {"public_access_block": wd.public_access_block(client, p.bucket)}


def _blocked(ctx: ActionContext, p: Bucket, before: Snapshot) -> VerifyOutcome:
    public = s3.bucket_state(aws(ctx, "s3"), p.bucket).public
    return VerifyOutcome(
        not public, f"bucket {p.bucket} is " + ("still public" if public else "not public")
    )


# ------------------------------------------------------------------ IAM
@preflight
def _keys_pre(ctx: ActionContext, p: AccessKey) -> Snapshot:
    keys = wd.access_keys(aws(ctx, "iam"), p.user)
    if p.key_id is not None:
        keys = [k for k in keys if k.key_id == p.key_id]
        if not keys:
            raise PreflightFailed(f"user {p.user} has no access key {p.key_id}")
    active = [k.key_id for k in keys if k.status == "Active"]
    if not active:
        raise PreflightFailed(f"user {p.user} has no active access key to deactivate")
    return {"user": p.user, "active": active}


def _set_keys(ctx: ActionContext, p: AccessKey, before: Snapshot, status: str) -> Snapshot:
    """Set the keys that were active before to ``status``; the user's keys afterwards."""
    client = aws(ctx, "iam")
    for key in before["active"]:
        wd.set_access_key_status(client, p.user, key, status)
    return {"user": p.user, "keys": {k.key_id: k.status for k in wd.access_keys(client, p.user)}}


def _deactivate(ctx: ActionContext, p: AccessKey, before: Snapshot) -> Snapshot:
    return _set_keys(ctx, p, before, "Inactive")


def _reactivate(ctx: ActionContext, p: AccessKey, before: Snapshot) -> Snapshot:
    return _set_keys(ctx, p, before, "Active")


# ------------------------------------------------------------------ CloudFront
@preflight
def _invalidate_pre(ctx: ActionContext, p: Invalidate) -> Snapshot:
    real = ctx.real_id(p.distribution)
    return {"distribution_id": real, "status": wd.distribution_status(aws(ctx, "cloudfront"), real)}


def _invalidate(ctx: ActionContext, p: Invalidate, before: Snapshot) -> Snapshot:
    ident = wd.create_invalidation(aws(ctx, "cloudfront"), before["distribution_id"], p.paths)
    return {"distribution_id": before["distribution_id"], "invalidation": ident}


def _invalidate_undo(ctx: ActionContext, p: Invalidate, before: Snapshot) -> Snapshot:
    """An invalidation only empties caches, which refill from the origin: nothing to restore."""
    return {**before, "note": "an invalidation changes no configuration; nothing to restore"}


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "ec2.start_instance",
        InstanceTarget,
        Risk.LOW,
        "start a stopped EC2 instance",
        _start_pre,
        _start,
        _stop_again,
        _running,
    ),
    ActionSpec(
        "ec2.stop_instance",
        InstanceTarget,
        Risk.MEDIUM,
        "stop a running EC2 instance (its volumes stay; start it to undo)",
        _stop_pre,
        _stop_again,
        _start,
        _stopped,
    ),
    ActionSpec(
        "ec2.reboot_instance",
        InstanceTarget,
        Risk.MEDIUM,
        "reboot a running instance",
        _reboot_pre,
        _reboot,
        _reboot_undo,
        _running,
    ),
    ActionSpec(
        "ec2.revoke_ingress",
        Ingress,
        Risk.MEDIUM,
        "remove one ingress rule (port, CIDR) from a security group",
        _revoke_pre,
        _revoke,
        _reauthorize,
        _closed,
    ),
    ActionSpec(
        "s3.block_public_access",
        Bucket,
        Risk.MEDIUM,
        "turn on all four S3 public access block settings of a bucket",
        _block_pre,
        _block,
        _unblock,
        _blocked,
    ),
    ActionSpec(
        "iam.deactivate_access_key",
        AccessKey,
        Risk.HIGH,
        "deactivate one access key of a user (default: every active key)",
        _keys_pre,
        _deactivate,
        _reactivate,
        checks.keys_inactive,
    ),
    ActionSpec(
        "cloudfront.invalidate",
        Invalidate,
        Risk.LOW,
        "invalidate cached paths of a CloudFront distribution",
        _invalidate_pre,
        _invalidate,
        _invalidate_undo,
        checks.invalidation_completed,
    ),
)
