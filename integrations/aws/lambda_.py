"""Lambda function configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import aws_errors


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    runtime: str | None
    timeout: int
    memory: int
    reserved_concurrency: int | None
    last_update_status: str | None = None  # Successful | InProgress | Failed (None: not given)


def get_config(client: Any, name: str) -> FunctionConfig:
    with aws_errors(f"Lambda function {name}"):
        raw = client.get_function(FunctionName=name)
    config = raw["Configuration"]
    return FunctionConfig(
        name=config["FunctionName"],
        runtime=config.get("Runtime"),
        timeout=int(config["Timeout"]),
        memory=int(config["MemorySize"]),
        reserved_concurrency=raw.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
        last_update_status=config.get("LastUpdateStatus"),
    )
