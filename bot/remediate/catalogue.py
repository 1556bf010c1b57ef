"""The built-in remediation actions, listed once. ``bot.remediate.registry`` registers this list;
an action module only defines its specs (``SPECS``) and never registers itself.

To add an action: write its params model and functions in the ``actions_*`` module of its system
(or a new one), add the ``ActionSpec`` to that module's ``SPECS``, and list a new module here.
"""

from __future__ import annotations

from bot.remediate import actions_aws, actions_aws_compute, actions_k8s, actions_runbook
from bot.remediate.models import ActionSpec, Lookup


def builtin(lookup: Lookup) -> list[ActionSpec]:
    """Every built-in action; ``lookup`` is how ``runbook.run`` finds its steps' actions."""
    return [
        *actions_k8s.SPECS,
        *actions_aws.SPECS,
        *actions_aws_compute.SPECS,
        actions_runbook.spec(lookup),
    ]
