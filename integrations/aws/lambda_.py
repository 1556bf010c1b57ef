"""Lambda function configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from integrations.aws.errors import convert


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    runtime: str | None
    timeout: int
    memory: int
    reserved_concurrency: int | None
    last_update_status: str | None = None  # Successful | InProgress | Failed (None: not given)


def get_config(client: Any, name: str) -> FunctionConfig:
    try:
        raw = client.get_function(FunctionName=name)
    except ClientError as exc:
        raise convert(exc, f"Lambda function {name}") from exc
    config = raw["Configuration"]
    return FunctionConfig(
        name=config["FunctionName"],
        runtime=config.get("Runtime"),
        timeout=int(config["Timeout"]),
        memory=int(config["MemorySize"]),
        reserved_concurrency=raw.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
        last_update_status=config.get("LastUpdateStatus"),
    )
