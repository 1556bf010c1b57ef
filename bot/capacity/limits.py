"""Capacities that discovery needs from the systems themselves: an RDS instance's
``max_connections`` (its parameter group), read through the AWS integration."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from integrations.aws import rds
from integrations.aws.errors import AwsError, AwsNotFound

log = logging.getLogger(__name__)


def rds_connection_limits(client: Any, identifiers: Iterable[str]) -> dict[str, float]:
    """``{db id: max_connections}`` for the instances whose parameter group sets it."""
    out: dict[str, float] = {}
    for ident in sorted(set(identifiers)):
        try:
            limit = rds.connection_limit(client, rds.describe(client, ident))
            if limit is not None:
                out[ident] = float(limit)
        except (
            AwsError,
            AwsNotFound,
        ) as exc:  # an unknown or unreadable instance: no limit, no crash
            log.info("no max_connections for %s: %s", ident, exc)
    return out


def connection_limits(source: Any, rds_client: Any) -> dict[str, dict[str, float]]:
    """``{"DatabaseConnections": {db id: max_connections}}`` for every RDS instance that
    reports connections in ``source`` (a ``MetricSource``)."""
    ids = [
        info.ref.dimensions["DBInstanceIdentifier"]
        for info in source.list_metrics(["DatabaseConnections"])
        if "DBInstanceIdentifier" in info.ref.dimensions
    ]
    found = rds_connection_limits(rds_client, ids) if ids else {}
    return {"DatabaseConnections": found} if found else {}
