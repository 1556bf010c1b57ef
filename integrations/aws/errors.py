"""Errors raised by the AWS adapters (integrations must not import bot/), and the one way an
adapter turns botocore's errors into them: ``with aws_errors("what it reads"): …``."""

from __future__ import annotations

from types import TracebackType
from typing import Literal, overload

from botocore.exceptions import BotoCoreError, ClientError

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


def error_code(exc: ClientError) -> str:
    """The service's error code (``NoSuchBucket``, ``AccessDenied``, ``404``…); ``""`` if none."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def _convert(exc: ClientError, what: str) -> Exception:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "Unknown")), str(error.get("Message", ""))
    if any(marker in code for marker in _NOT_FOUND):
        return AwsNotFound(f"{what} not found ({code})")
    return AwsError(code, message)


def _raise_converted(exc: BaseException | None, what: str, unreachable: bool) -> None:
    if isinstance(exc, ClientError):
        raise _convert(exc, what) from exc
    if unreachable and isinstance(exc, BotoCoreError):
        raise AwsError("Unreachable", f"{what}: {exc}") from exc


class _Converted:
    """The context manager ``aws_errors`` returns: a ``ClientError`` leaving the block becomes
    ``AwsNotFound`` (the code says the thing is missing) or ``AwsError`` (code and the
    service's message), the original as ``__cause__``; anything else passes unchanged."""

    def __init__(self, what: str, unreachable: bool) -> None:
        self.what, self.unreachable = what, unreachable

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        _raise_converted(exc, self.what, self.unreachable)
        return False


class _ConvertedOrAbsent:
    """``aws_errors`` with ``absent=``: a code naming a setting that is simply not there leaves
    the block quietly, so the code after it runs with the defaults set before it."""

    def __init__(self, what: str, absent: tuple[str, ...], unreachable: bool) -> None:
        self.what, self.absent, self.unreachable = what, absent, unreachable

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if isinstance(exc, ClientError) and any(m in error_code(exc) for m in self.absent):
            return True
        _raise_converted(exc, self.what, self.unreachable)
        return False


@overload
def aws_errors(what: str, *, unreachable: bool = False) -> _Converted: ...


@overload
def aws_errors(
    what: str, *, absent: str | tuple[str, ...], unreachable: bool = False
) -> _ConvertedOrAbsent: ...


def aws_errors(
    what: str, *, absent: str | tuple[str, ...] = (), unreachable: bool = False
) -> _Converted | _ConvertedOrAbsent:
    """Convert the AWS errors of the calls in the block; ``what`` names what they read or
    change (``f"bucket {name}"``) and is the subject of ``AwsNotFound``'s message.

    ``absent``: error codes (matched as parts, like ``NoSuchBucketPolicy``) that mean a
    setting is not configured rather than an error; the block is left without an exception,
    so set the default before it. ``unreachable``: a ``BotoCoreError`` (no endpoint, no
    credentials) becomes ``AwsError("Unreachable", …)`` too, instead of passing unchanged."""
    if absent:
        markers = (absent,) if isinstance(absent, str) else absent
        return _ConvertedOrAbsent(what, markers, unreachable)
    return _Converted(what, unreachable)
