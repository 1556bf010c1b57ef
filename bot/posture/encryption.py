"""Unencrypted data at rest: EBS volumes and snapshots, RDS instances and snapshots.

Encryption cannot be switched on in place (a copy is encrypted, then swapped in), so no
registry action fixes these; the finding says how."""

from __future__ import annotations

from typing import Protocol

from bot.posture.finding import PostureFinding
from bot.posture.iam import SEVERITY_ORDER, Severity
from integrations.aws.posture_reads import StoredData

#: kind -> (words, resource prefix, severity, how to fix)
KINDS: dict[str, tuple[str, str, Severity, str]] = {
    "db_instance": ("RDS instance", "rds", "high", "restore an encrypted snapshot copy"),
    "db_snapshot": ("RDS snapshot", "rds:snapshot", "medium", "copy it with a KMS key"),
    "volume": ("EBS volume", "ec2", "medium", "snapshot, copy encrypted, swap the volume"),
    "snapshot": ("EBS snapshot", "ec2:snapshot", "medium", "copy it with encryption"),
}


class StorageSource(Protocol):
    """``integrations.aws.posture_reads.PostureReader``."""

    def storage(self) -> list[StoredData]: ...


def encryption_audit(source: StorageSource) -> list[PostureFinding]:
    """Every unencrypted volume, database and snapshot, most severe first."""
    out = []
    for item in source.storage():
        if item.encrypted:
            continue
        words, prefix, severity, how = KINDS[item.kind]
        name = item.id if item.name == item.id else f"{item.name} ({item.id})"
        out.append(
            PostureFinding(
                check=f"unencrypted_{item.kind}",
                resource=f"{prefix}:{item.id}",
                severity=severity,
                summary=f"{words} {name} is not encrypted ({item.detail}); fix: {how}",
                evidence="Encrypted=false" if item.kind != "db_instance"
                else "StorageEncrypted=false",
            )
        )  # fmt: skip
    return sorted(out, key=lambda f: (SEVERITY_ORDER[f.severity], f.resource))
