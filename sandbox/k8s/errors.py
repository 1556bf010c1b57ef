"""The sandbox API server's error: answered as a Kubernetes ``Status`` body."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ApiError(Exception):
    """An error the API server answers with a ``Status`` body of this code and reason."""

    code: int
    reason: str
    message: str


def not_found(kind: str, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{kind} "{name}" not found')
