"""Errors raised by the AWS adapters (integrations must not import bot/)."""

from __future__ import annotations

from botocore.exceptions import ClientError

_NOT_FOUND = (
    "NotFound",
    "NoSuch",
    "ResourceNotFound",
    "InvalidInstanceID",
    "InvalidGroup",
    "DBInstanceNotFound",
    "ClusterNotFound",
    "ServiceNotFound",
)


class AwsNotFound(LookupError):
    """The named AWS resource does not exist."""


class AwsError(RuntimeError):
    """Any other AWS error, with the service's code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def convert(exc: ClientError, what: str) -> Exception:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "Unknown")), str(error.get("Message", ""))
    if any(marker in code for marker in _NOT_FOUND):
        return AwsNotFound(f"{what} not found ({code})")
    return AwsError(code, message)
