"""Run a plan's steps in parallel with per-step timeouts.

Steps run on a thread pool (the clients are blocking). A step that raises becomes a failed
step and a fact ("CloudTrail read failed: AccessDenied"); one that overruns its timeout is
marked ``timeout`` and abandoned; the investigation goes on with what the others found.

A step with nothing to read is ``skipped`` with the reason, never "ok, 0 found" (which reads
like a healthy system): its family is not configured (no kubeconfig, no AWS), or no service in
scope runs on the kind of resource it reads (an RDS read with no RDS instance in scope, e.g. an
empty service graph). Each step's status is its own read's: a read that ran and failed says
``failed``, whatever its neighbours did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Fact, Finding, StepRecord, StepStatus
from bot.investigate.plan import Plan, PlannedStep
from bot.investigate.primitives import PRIMITIVES, READS, Scope

ProgressFn = Callable[[StepRecord], None]


@dataclass
class RunOutput:
    steps: list[StepRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failures: list[Fact] = field(default_factory=list)


def error_text(exc: BaseException) -> str:
    """A short reason: an AWS error code, a Kubernetes status reason, or the exception."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str) and reason:
        return reason
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


_FAMILY = {
    "metrics": "Metric",
    "changes": "Change history (CloudTrail)",
    "config_diff": "Config diff",
    "k8s": "Kubernetes",
    "logs": "Log",
    "resources": "AWS resource",
    "security": "Security check",
    "topology": "Service graph",
}


_KIND_NAMES = {
    "ec2": "EC2 instance",
    "rds": "RDS instance",
    "ecs_service": "ECS service",
    "lambda": "Lambda function",
    "k8s_deployment": "Kubernetes deployment",
}


def nothing_to_read(ctx: InvestigationContext, scope: Scope, primitive: str) -> str | None:
    """Why ``primitive`` would read nothing here (no service in scope runs on what it reads),
    or None."""
    kind = READS.get(primitive)
    if kind is None:
        return None
    if any((node := ctx.topology.get(s)) and node.kind == kind for s in scope.services):
        return None
    what = _KIND_NAMES.get(kind, kind)
    if not ctx.topology.services:
        return f"no {what} to read: the service graph is empty (set AIOPS_TOPOLOGY_FILE)"
    return f"no {what} among the {len(scope.services)} service(s) in scope"


def _label(step: PlannedStep) -> str:
    family = step.primitive.split(".", 1)[0]
    return f"{_FAMILY.get(family, family)} read ({step.primitive})"


def run_plan(
    ctx: InvestigationContext, plan: Plan, *, on_progress: ProgressFn | None = None
) -> RunOutput:
    out = RunOutput()
    pool = ThreadPoolExecutor(max_workers=max(1, ctx.max_workers), thread_name_prefix="investigate")

    def timed(step: PlannedStep) -> tuple[list[Finding], float]:
        begin = time.monotonic()
        found = PRIMITIVES[step.primitive](ctx, plan.scope, step.params)
        return found, (time.monotonic() - begin) * 1000.0

    try:
        # a step whose family has nothing to read from is skipped, not run ("0 found" would lie)
        started: list[tuple[PlannedStep, str | None, Future[tuple[list[Finding], float]] | None]]
        started = []
        for step in plan.steps:
            why = ctx.evidence.unavailable(step.primitive.split(".", 1)[0]) or nothing_to_read(
                ctx, plan.scope, step.primitive
            )
            started.append((step, why, None if why else pool.submit(timed, step)))
        t0 = time.monotonic()
        for step, why, fut in started:
            record = StepRecord(
                name=step.name,
                primitive=step.primitive,
                input={"services": list(plan.scope.services), **step.params},
            )
            if fut is None:
                record.status = StepStatus.SKIPPED
                record.error = f"skipped: {why}"
                out.steps.append(record)
                if on_progress:
                    on_progress(record)
                continue
            remaining = max(0.0, ctx.step_timeout_s - (time.monotonic() - t0))
            try:
                found, elapsed = fut.result(timeout=remaining)
                record.duration_ms = round(elapsed, 1)
                record.output = [f.summary for f in found]
                out.findings.extend(found)
            except FutureTimeout:
                fut.cancel()
                record.status = StepStatus.TIMEOUT
                record.error = f"timed out after {ctx.step_timeout_s:.0f} s"
                out.failures.append(Fact(text=f"{_label(step)} timed out", source=step.primitive))
            except Exception as exc:  # a failed read is a fact, never the end of the run
                record.status = StepStatus.FAILED
                record.error = error_text(exc)
                out.failures.append(
                    Fact(text=f"{_label(step)} failed: {record.error}", source=step.primitive)
                )
            if record.status != StepStatus.OK:
                record.duration_ms = round((time.monotonic() - t0) * 1000.0, 1)
            out.steps.append(record)
            if on_progress:
                on_progress(record)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out
