"""Finding types and the attributes each one declares.

A ``Finding`` carries flat ``attrs`` that playbook rules match (``where``) and remediation
templates read (``{m.key}``). Each ``FindingType`` declares its attributes here as a pydantic
model, so that

- a primitive that emits an undeclared attribute, or one of the wrong type, fails at once
  (``Finding`` validates its ``attrs`` against the model), and
- a playbook that names an attribute its finding type does not have fails at load time with
  ``FILE:LINE: key: reason`` (``bot.investigate.playbook_schema``) instead of silently never
  matching.

Some carry open extras that rules cannot match: a change keeps the scalar fields of its source's
own detail (``ChangeAttrs``), a finding with a failure signature what its catalogue entry
extracts (``SignatureAttrs``), an EC2 instance its tags as ``tag_<key>``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, get_args

from pydantic import BaseModel, ConfigDict, ValidationError

AttrValue = str | float | int | bool | None
#: matchable on every finding: the platform of the finding's service (``interpret.matches``)
SERVICE_KIND = "service_kind"


class FindingType(StrEnum):
    METRIC_SHIFT = "metric_shift"  # a change point against the baseline
    METRIC_TREND = "metric_trend"  # steady growth toward a limit (disk, memory)
    POD_STATE = "pod_state"  # waiting / terminated reasons, not-ready, pending
    NODE_STATE = "node_state"  # a node under the pods: not ready, pressure, full of pods
    K8S_EVENT = "k8s_event"  # Warning events
    CONFIG_DIFF = "config_diff"  # live vs previous revision
    CHANGE = "change"  # a deploy / config / infra change in the window
    LOG_SIGNATURE = "log_signature"  # a mined error template with a known signature
    LOG_TEMPLATE = "log_template"  # an error template without a known signature
    REQUEST_LATENCY = "request_latency"  # how long requests take: timed in lines, or per path
    LINE_RATE = "line_rate"  # a consumer printing its per-message line far slower than its producer
    ALERT_SIGNATURE = "alert_signature"  # an alert's words (resolved ones too) with a signature
    RESOURCE_STATE = "resource_state"  # AWS resource status (stopped, not available, short)
    LIMIT = "limit"  # a configured limit reached (timeout, concurrency, max capacity)
    SECURITY = "security"  # open SG, public bucket, IAM risk, expiring certificate
    TOPOLOGY = "topology"  # dependency facts
    TARGET_HEALTH = "target_health"  # load balancer targets out of rotation, check mismatches
    TASK_STOPPED = "task_stopped"  # ECS tasks that stopped, with their reason and exits
    REACHABILITY = "reachability"  # whether one endpoint can open a connection to another


class Attrs(BaseModel):
    """Declared attributes of one finding type; every one optional (a primitive sets those it
    read). Unknown keys are errors unless ``OPEN_PREFIX`` / ``OPEN`` allow them."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)
    OPEN: ClassVar[bool] = False  # any extra scalar key is allowed (not matchable by rules)
    OPEN_PREFIX: ClassVar[str | None] = None  # extra keys with this prefix are allowed


class MetricAttrs(Attrs):
    signal: str | None = None
    metric: str | None = None
    namespace: str | None = None
    unit: str | None = None
    baseline: float | None = None
    current: float | None = None
    peak: float | None = None
    instance: str | None = None


class MetricShiftAttrs(MetricAttrs):
    direction: str | None = None  # up | down
    shape: str | None = None  # step | spike | ramp | ...
    z: float | None = None
    rel_change: float | None = None
    onset_min_ago: float | None = None
    recovered: bool | None = None
    to_zero: bool | None = None
    at_limit: bool | None = None


class MetricTrendAttrs(MetricAttrs):
    pattern: str | None = None
    per_day: float | None = None
    r2: float | None = None
    resets: int | None = None
    days_to_full: float | None = None
    near_limit: bool | None = None


class SignatureAttrs(Attrs):
    """What a matched failure signature adds (``bot.investigate.signatures``), plus the values
    its catalogue entry extracts (open extras, not matchable by rules)."""

    OPEN: ClassVar[bool] = True

    signature: str | None = None  # the family playbooks match (pool_exhausted, image_pull…)
    signature_id: str | None = None  # the catalogue entry
    cause_kind: str | None = None


class PodStateAttrs(SignatureAttrs):
    reason: str | None = None
    last_terminated: bool | None = None
    exit_code: int | None = None
    count: int | None = None
    pods: int | None = None
    restarts: int | None = None
    memory_limit: str | None = None
    container: str | None = None  # the container a last-terminated reason was seen on
    memory_limit_next: str | None = None  # its memory limit raised (doubled), when one is set


class NodeStateAttrs(Attrs):
    node: str | None = None
    ready: bool | None = None
    pressure: str | None = None  # the conditions that are True (DiskPressure, MemoryPressure…)
    unschedulable: bool | None = None
    pods: int | None = None  # pods placed on it, not finished
    allocatable_pods: int | None = None
    at_pod_capacity: bool | None = None
    every_node_full: bool | None = None  # every schedulable node is at its pod count
    pending: int | None = None  # the service's pods waiting for a node


class K8sEventAttrs(SignatureAttrs):
    reason: str | None = None
    count: int | None = None
    object_kind: str | None = None


class ConfigDiffAttrs(Attrs):
    platform: str | None = None  # k8s | ecs | rds | lambda | ...
    field: str | None = None  # image | env | parameter | setting | task_definition
    key: str | None = None
    key_class: str | None = None
    old: str | None = None
    new: str | None = None
    direction: str | None = None
    revision: int | None = None
    previous_revision: int | None = None
    minutes_ago: float | None = None
    cluster: str | None = None
    parameter_group: str | None = None


class ChangeAttrs(Attrs):
    OPEN: ClassVar[bool] = True  # plus the scalar fields of the change's own detail

    kind: str | None = None
    event_name: str | None = None
    version: str | None = None
    previous: str | None = None
    minutes_ago: float | None = None
    actor: str | None = None
    label: str | None = None
    behavioural: bool | None = None


class LogAttrs(SignatureAttrs):
    count: int | None = None
    level: str | None = None
    first_seen_min_ago: float | None = None
    template: str | None = None
    example: str | None = None  # one real line: what the template masked
    mentions: str | None = None
    log_source: str | None = None
    rare: bool | None = None  # a rare line among very many that says something failed
    failure_words: str | None = None  # its failure words, comma-separated (rare_lines.py)


class RequestLatencyAttrs(Attrs):
    count: int | None = None  # requests timed
    field: str | None = None  # the field or key that timed them (responseTime, latency)
    p50_s: float | None = None
    p95_s: float | None = None
    slow: bool | None = None  # its requests (or one path of them) are slow for a person
    path: str | None = None  # the one path much slower than the others, in its own words
    path_count: int | None = None
    path_p50_s: float | None = None
    other_p50_s: float | None = None
    first_seen_min_ago: float | None = None  # the first slow request
    example: str | None = None
    log_source: str | None = None


class LineRateAttrs(Attrs):
    queue: str | None = None  # the queue both use
    producer: str | None = None  # the busiest service on it
    produced_per_s: float | None = None
    consumed_per_s: float | None = None
    ratio: float | None = None
    behind: bool | None = None  # it falls behind: a backlog grows on the queue
    mentions: str | None = None  # the one other service it calls for each message, if one
    example: str | None = None


class ResourceStateAttrs(Attrs):
    OPEN_PREFIX: ClassVar[str | None] = "tag_"  # an EC2 instance's tags

    resource: str | None = None  # ec2 | rds | ecs | lambda | k8s_deployment
    state: str | None = None
    healthy: bool | None = None
    id: str | None = None
    instance: str | None = None
    name: str | None = None
    cluster: str | None = None
    desired: int | None = None
    running: int | None = None
    replicas: int | None = None
    suggested: int | None = None
    previous_revision: int | None = None
    timeout_s: int | None = None
    reserved_concurrency: int | None = None
    max_connections: int | None = None  # an RDS instance's connection limit


class LimitAttrs(Attrs):
    limit: str | None = None  # timeout | concurrency | max_capacity
    value: float | None = None
    configured: int | None = None
    name: str | None = None
    suggested: int | None = None


class SecurityAttrs(Attrs):
    OPEN_PREFIX: ClassVar[str | None] = "fix_"  # the fix action's parameters (fix_group, …)

    check: str | None = None
    group: str | None = None
    port: int | None = None
    cidr: str | None = None
    sensitive: bool | None = None
    bucket: str | None = None
    encrypted: bool | None = None
    user: str | None = None
    risk_points: int | None = None
    old_key: bool | None = None
    admin: bool | None = None
    mfa: bool | None = None
    domain: str | None = None
    days_left: float | None = None
    expired: bool | None = None
    severity: str | None = None  # posture audits: critical | high | medium | low
    fix_action: str | None = None  # the registry action that fixes it
    key_id: str | None = None
    account: str | None = None  # several accounts: the account and region it was read in
    region: str | None = None


class TopologyAttrs(Attrs):
    kind: str | None = None
    dependencies: int | None = None
    dependents: int | None = None


class TargetHealthAttrs(SignatureAttrs):
    target_group: str | None = None
    load_balancer: str | None = None
    state: str | None = None  # healthy | unhealthy | unused | draining | initial | unavailable
    reason: str | None = None  # Target.Timeout, Target.ResponseCodeMismatch, …
    targets: int | None = None  # targets in this state for this reason
    total: int | None = None  # targets of the group
    port: int | None = None  # the targets' port
    health_check_port: str | None = None  # as configured: traffic-port or a number
    health_check_path: str | None = None
    mismatch: str | None = None  # port | path: the check probes what the target does not serve
    listening: str | None = None  # what the target serves instead (ports or paths)
    ecs_service: str | None = None  # cluster/name feeding the group


class TaskStoppedAttrs(SignatureAttrs):
    cluster: str | None = None
    name: str | None = None  # the ECS service
    stop_code: str | None = None  # TaskFailedToStart | EssentialContainerExited | …
    stopped_reason: str | None = None
    container: str | None = None  # the container whose exit explains it
    exit_code: int | None = None
    container_reason: str | None = None
    tasks: int | None = None  # tasks stopped the same way
    revision: int | None = None  # their task definition revision
    minutes_ago: float | None = None  # the latest of them


class ReachabilityAttrs(Attrs):
    source: str | None = None
    destination: str | None = None
    port: int | None = None
    reachable: bool | None = None
    blocked_by: str | None = None  # route | nacl | security_group (the first block)
    blocks: int | None = None
    where: str | None = None  # the first blocking table / ACL / group
    method: str | None = None  # computed | reachability_analyzer


ATTRS: dict[FindingType, type[Attrs]] = {
    FindingType.METRIC_SHIFT: MetricShiftAttrs,
    FindingType.METRIC_TREND: MetricTrendAttrs,
    FindingType.POD_STATE: PodStateAttrs,
    FindingType.NODE_STATE: NodeStateAttrs,
    FindingType.K8S_EVENT: K8sEventAttrs,
    FindingType.CONFIG_DIFF: ConfigDiffAttrs,
    FindingType.CHANGE: ChangeAttrs,
    FindingType.LOG_SIGNATURE: LogAttrs,
    FindingType.LOG_TEMPLATE: LogAttrs,
    FindingType.ALERT_SIGNATURE: LogAttrs,
    FindingType.REQUEST_LATENCY: RequestLatencyAttrs,
    FindingType.LINE_RATE: LineRateAttrs,
    FindingType.RESOURCE_STATE: ResourceStateAttrs,
    FindingType.LIMIT: LimitAttrs,
    FindingType.SECURITY: SecurityAttrs,
    FindingType.TOPOLOGY: TopologyAttrs,
    FindingType.TARGET_HEALTH: TargetHealthAttrs,
    FindingType.TASK_STOPPED: TaskStoppedAttrs,
    FindingType.REACHABILITY: ReachabilityAttrs,
}


def check_attrs(kind: FindingType, attrs: dict[str, AttrValue]) -> None:
    """Raise ``ValueError`` naming the first attribute ``kind`` does not declare or types
    differently."""
    model = ATTRS[kind]
    declared = {k: v for k, v in attrs.items() if k in model.model_fields}
    for key, value in attrs.items():
        if key in declared:
            continue
        open_key = model.OPEN or (model.OPEN_PREFIX and key.startswith(model.OPEN_PREFIX))
        if not open_key:
            raise ValueError(f"{key}: not an attribute of {kind} findings")
        if not isinstance(value, get_args(AttrValue)):
            raise ValueError(f"{key}: an extra attribute must be a scalar")
    try:
        model.model_validate(declared)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"{err['loc'][0]}: {err['msg']} ({kind} findings)") from None


def where_problem(kind: FindingType, key: str, cond: Any) -> str | None:
    """Why a playbook cannot match ``key`` (with condition ``cond``) on ``kind`` findings, or
    None when it can. Open extras are not matchable: rules name declared attributes."""
    model = ATTRS[kind]
    if key == SERVICE_KIND:
        return None
    field = model.model_fields.get(key)
    if field is None:
        known = ", ".join(sorted(model.model_fields))
        return f"not an attribute of {kind} findings (they have: {known})"
    if isinstance(cond, dict) and ({"gte", "lte"} & set(cond)):
        numeric = {int, float} & set(get_args(field.annotation))
        if not numeric:
            return f"gte / lte need a number, and {kind}.{key} is not one"
    return None
