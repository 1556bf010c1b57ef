"""Target health that the scenario says, served by moto's ``DescribeTargetHealth``.

moto 5.2.5 reports every registered target ``healthy`` (and a stopped instance ``unused``).
``patch()`` (applied when the moto server starts) lets a target group answer a stored
(``State``, ``Reason``, ``Description``) per target; ``set_health`` stores it.
"""

from __future__ import annotations

from typing import Any

_HEALTH = "_aiops_health"


def patch() -> None:
    from moto.elbv2 import models

    cls: Any = models.FakeTargetGroup
    if getattr(cls, "_aiops_health_patch", False):
        return
    original = cls.health_for

    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        stored = getattr(self, _HEALTH, {}).get(target["Id"])
        if stored is None or target["Id"] not in self.targets:
            return original(self, target, ec2_backend)
        state, reason, description = stored
        port = self.targets[target["Id"]]["Port"]
        return models.FakeHealthStatus(
            target["Id"], port, self.health_check_port, state, reason, description
        )

    cls.health_for = health_for
    cls._aiops_health_patch = True


def set_health(
    group: Any, target_id: str, state: str, reason: str | None, text: str | None
) -> None:
    """What moto's target group ``group`` reports for ``target_id`` from now on."""
    stored = getattr(group, _HEALTH, None)
    if stored is None:
        stored = {}
        setattr(group, _HEALTH, stored)
    stored[target_id] = (state, reason, text)
