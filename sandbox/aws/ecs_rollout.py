"""ECS rollouts that finish in the sandbox.

moto 5.2.5 answers ``UpdateService`` by changing the service's desired count and task definition
but never touches its ``deployments``: the PRIMARY deployment keeps its old counts, task
definition and ``rolloutState: IN_PROGRESS`` forever, so nothing could ever watch a rollout
complete. Real ECS starts a new deployment for a new task definition, updates the primary's
desired count for a scale, and once the tasks are running marks it ``COMPLETED``.

``patch()`` wraps moto's backend so that, after an update, the service is in that end state: one
PRIMARY deployment (a new id when the task definition changed) on the service's task definition,
``runningCount == desiredCount``, ``rolloutState: COMPLETED``. ``set_rollout`` is how the seed
(a service running fewer tasks than desired) and tests (a stuck rollout) set the state directly.
"""

from __future__ import annotations

from typing import Any

_DONE = "COMPLETED"
_REASON = {_DONE: "completed", "IN_PROGRESS": "in progress"}


def set_rollout(service: Any, *, running: int, state: str | None = None) -> None:
    """Set a moto ECS service's running count and its PRIMARY deployment to match; ``state``
    defaults to ``COMPLETED`` when running reaches desired, else ``IN_PROGRESS``."""
    desired = int(service.desired_count)
    pending = max(desired - running, 0)
    rollout = state or (_DONE if running >= desired else "IN_PROGRESS")
    service.running_count, service.pending_count = running, pending
    for deployment in service.deployments:
        if deployment.get("status") != "PRIMARY":
            continue
        ident = deployment["id"]
        deployment.update(
            desiredCount=desired,
            runningCount=running,
            pendingCount=pending,
            rolloutState=rollout,
            rolloutStateReason=f"ECS deployment {ident} {_REASON.get(rollout, rollout.lower())}.",
        )


def patch() -> None:
    from moto.ecs import models

    backend_cls: Any = models.EC2ContainerServiceBackend
    if getattr(backend_cls, "_aiops_rollouts", False):
        return
    original = backend_cls.update_service

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        service = original(self, service_properties)
        if service.task_definition and not str(service.task_definition).startswith("arn:"):
            # real ECS answers with the ARN, whatever form the request named it in
            service.task_definition = self.describe_task_definition(service.task_definition).arn
        primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
        if primary is not None:
            if primary.get("taskDefinition") != service.task_definition:  # a new deployment
                primary["id"] = f"ecs-svc/{models.mock_random.randint(0, 32**12)}"
                primary["createdAt"] = models.utcnow()
                primary["taskDefinition"] = service.task_definition
            primary["updatedAt"] = models.utcnow()
            service.deployments = [primary]
        set_rollout(service, running=int(service.desired_count))
        return service

    backend_cls.update_service = update_service
    backend_cls._aiops_rollouts = True
