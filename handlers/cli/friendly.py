"""Errors from the environment (no AWS credentials, no region) told as what to fix, not as a
traceback class name. The CLI's last line of defence asks here before printing "unexpected"."""

from __future__ import annotations

import sys

_SCENARIO_COMMANDS = {"digest", "investigate"}


def explain(exc: BaseException, command: str | None = None) -> str | None:
    """A one-line fix for a known environment problem, or None when ``exc`` is not one."""
    botocore = sys.modules.get("botocore.exceptions")
    if botocore is None:
        return None
    try_it = (
        f"; to try `aiops {command}` without an account, pass --scenario FILE "
        "(the repository ships examples in examples/scenarios/)"
        if command in _SCENARIO_COMMANDS
        else ""
    )
    if isinstance(exc, botocore.NoCredentialsError | botocore.PartialCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run where an IAM role applies; `aiops doctor` checks "
            f"them{try_it}"
        )
    if isinstance(exc, botocore.NoRegionError):
        return f"no AWS region: set AWS_REGION (or a region in the AWS profile){try_it}"
    if isinstance(exc, botocore.EndpointConnectionError):
        return (
            f"cannot reach the AWS endpoint ({exc}): check the network, AWS_REGION and "
            f"AWS_ENDPOINT_URL{try_it}"
        )
    return None
